"""Tokens spent by the scoring calls of one evaluation, for its cost line.

Why a context variable: one `Scorer` serves concurrent evaluations (`batch` runs two at a
time) and a score's runs are concurrent tasks too, so neither a counter on the scorer nor a
return value threaded through `build_report` says which evaluation a call belonged to.
`metered()` opens a meter in the evaluation's context; the runs' tasks inherit the context
(asyncio copies it into tasks created inside), so every `generate_content` answer made on
the evaluation's behalf — malformed ones included, Google bills them — is added to it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from interview_store import TokenUsage


class UsageMeter:
    def __init__(self) -> None:
        self._usage = TokenUsage()
        self._calls = 0

    @property
    def usage(self) -> TokenUsage:
        return self._usage

    @property
    def calls(self) -> int:
        return self._calls

    def add(self, usage_metadata: Any) -> None:
        self._usage += TokenUsage.from_genai(usage_metadata)
        self._calls += 1


_METER: ContextVar[UsageMeter | None] = ContextVar("evals_scoring_meter", default=None)


@contextlib.contextmanager
def metered() -> Iterator[UsageMeter]:
    meter = UsageMeter()
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


def record_response(response: Any) -> None:
    """Called by the scorer for every answer it receives (no meter open: nothing to do)."""
    meter = _METER.get()
    if meter is not None:
        meter.add(getattr(response, "usage_metadata", None))
