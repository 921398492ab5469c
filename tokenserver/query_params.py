"""Query-string parameters with the house error shape (422 naming the parameter)."""

from __future__ import annotations

from .errors import ApiError


def int_param(raw: str | None, name: str, *, default: int, lo: int, hi: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"'{name}' must be a whole number.", field=name) from None
    if not lo <= value <= hi:
        raise ApiError(422, f"'{name}' must be between {lo} and {hi}.", field=name)
    return value
