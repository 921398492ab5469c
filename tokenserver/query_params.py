"""Query-string parameters with the house error shape (422 naming the parameter)."""

from __future__ import annotations

from typing import overload

from .errors import ApiError


@overload
def int_param(raw: str | None, name: str, *, default: int, lo: int, hi: int) -> int: ...
@overload
def int_param(raw: str | None, name: str, *, default: None, lo: int, hi: int) -> int | None: ...
def int_param(raw: str | None, name: str, *, default: int | None, lo: int, hi: int) -> int | None:
    """`default` when absent or empty (None: an optional parameter, such as a cursor)."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"'{name}' must be a whole number.", field=name) from None
    if not lo <= value <= hi:
        raise ApiError(422, f"'{name}' must be between {lo} and {hi}.", field=name)
    return value
