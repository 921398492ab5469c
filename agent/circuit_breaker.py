"""When to leave the primary realtime model and when to try it again: a circuit breaker over
the model's recent reply latency and its failed (re)connects.

Pure logic on an injected clock, no livekit: `agent/model_failover.py` feeds it what the
session reports and performs the switch it asks for.

States (the classic three):
- CLOSED: the primary serves. The last `window_turns` reply latencies are kept; once at least
  `min_turns` are in, p95 above `latency_budget_ms` trips it, as do `max_failed_connects`
  consecutive failed (re)connects (a reply that arrives resets that count).
- OPEN: the fallback serves for `recovery_s`.
- HALF_OPEN: the primary serves again on probation: the first `probe_turns` replies must all
  stay within the budget (and no connect may fail) to close the breaker; one bad reply reopens
  it, and each reopening doubles the recovery period (up to `max_recovery_s`).

Why this does not flap when latency hovers around the budget: the window is emptied on every
switch, a switch needs `min_turns` fresh samples, the fallback is kept for a whole recovery
period whatever its latency, and a primary that keeps failing its probation is retried less
and less often. The worst case is one switch per recovery period, not one per turn.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class SwitchTo(StrEnum):
    """What the breaker asks of its owner after an observation."""

    FALLBACK = "fallback"
    PRIMARY = "primary"


@dataclass(frozen=True, kw_only=True)
class BreakerOptions:
    """Copied from `AgentSettings` (`failover_*`), where each default lives."""

    latency_budget_ms: float
    window_turns: int
    min_turns: int
    max_failed_connects: int
    recovery_s: float
    max_recovery_s: float
    probe_turns: int


@dataclass(frozen=True)
class Trip:
    """Why the breaker switched (stored with the failover event)."""

    to: SwitchTo
    reason: str
    """latency_p95 | failed_connects | recovered | probe_failed"""
    p95_ms: float | None
    failed_connects: int


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (no interpolation: with 20 turns it is the 19th value)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return ordered[rank - 1]


class CircuitBreaker:
    def __init__(self, options: BreakerOptions, *, clock: Callable[[], float]) -> None:
        self._opts = options
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._latencies: deque[float] = deque(maxlen=options.window_turns)
        self._failed_connects = 0
        self._opened_at = 0.0
        self._recovery_s = options.recovery_s
        self._probe_ok = 0
        self._trips: list[Trip] = []

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def trips(self) -> list[Trip]:
        return list(self._trips)

    @property
    def recovery_s(self) -> float:
        """The current recovery period (doubles after each failed probation)."""
        return self._recovery_s

    def window_p95_ms(self) -> float | None:
        return p95(list(self._latencies)) if self._latencies else None

    # --- observations -----------------------------------------------------------------------

    def record_reply(self, latency_ms: float) -> Trip | None:
        """A reply started `latency_ms` after it was asked for."""
        self._failed_connects = 0
        if self._state is BreakerState.OPEN:
            return None  # the fallback's latency does not decide anything
        if self._state is BreakerState.HALF_OPEN:
            if latency_ms > self._opts.latency_budget_ms:
                return self._reopen("probe_failed", p95_ms=latency_ms)
            self._probe_ok += 1
            if self._probe_ok >= self._opts.probe_turns:
                self._state = BreakerState.CLOSED
                self._recovery_s = self._opts.recovery_s
                self._latencies.clear()
            return None
        self._latencies.append(latency_ms)
        if len(self._latencies) < self._opts.min_turns:
            return None
        value = p95(list(self._latencies))
        if value > self._opts.latency_budget_ms:
            return self._open("latency_p95", p95_ms=value)
        return None

    def record_connect_failure(self) -> Trip | None:
        """The model's session failed to (re)connect, or dropped and is reconnecting."""
        self._failed_connects += 1
        if self._failed_connects < self._opts.max_failed_connects:
            return None
        if self._state is BreakerState.CLOSED:
            return self._open("failed_connects", p95_ms=None)
        if self._state is BreakerState.HALF_OPEN:
            return self._reopen("probe_failed", p95_ms=None)
        return None  # the fallback failing too: nothing better to switch to

    def opened_elsewhere(self, reason: str) -> Trip | None:
        """The primary was abandoned without asking the breaker (the failover adapter moves by
        itself when a model fails outright): open, so recovery and probation still apply."""
        if self._state is BreakerState.OPEN:
            return None
        return self._open(reason, p95_ms=None)

    def poll(self) -> Trip | None:
        """Called periodically: an OPEN breaker whose recovery period is over goes half-open
        and asks for the primary again."""
        if self._state is not BreakerState.OPEN:
            return None
        if self._clock() - self._opened_at < self._recovery_s:
            return None
        self._state = BreakerState.HALF_OPEN
        self._probe_ok = 0
        self._failed_connects = 0
        return self._record(Trip(SwitchTo.PRIMARY, "recovered", None, 0))

    # --- transitions ------------------------------------------------------------------------

    def _open(self, reason: str, *, p95_ms: float | None) -> Trip:
        trip = Trip(SwitchTo.FALLBACK, reason, p95_ms, self._failed_connects)
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._latencies.clear()
        self._failed_connects = 0
        return self._record(trip)

    def _reopen(self, reason: str, *, p95_ms: float | None) -> Trip:
        self._recovery_s = min(self._recovery_s * 2, self._opts.max_recovery_s)
        return self._open(reason, p95_ms=p95_ms)

    def _record(self, trip: Trip) -> Trip:
        self._trips.append(trip)
        return trip
