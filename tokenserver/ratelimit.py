"""Per-client token buckets for the one endpoint anybody can call (creating an interview).

A bucket holds `per_minute` tokens and refills continuously, so a candidate retrying a form
a few times is fine while a script hammering the endpoint gets 429 with `Retry-After`.
Memory is bounded: idle buckets (full again) are dropped on a periodic sweep.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        *,
        per_minute: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._next_sweep = clock() + 60.0

    def acquire(self, key: str) -> float | None:
        """Take one token for `key`. None when allowed, else seconds until one is available."""
        now = self._clock()
        if now >= self._next_sweep or len(self._buckets) >= self._max_clients:
            self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=self._capacity, updated=now)
        else:
            bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self._rate

    def _sweep(self, now: float) -> None:
        full_after = self._capacity / self._rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < full_after}
        if len(self._buckets) >= self._max_clients:  # under attack from many addresses
            self._buckets.clear()
        self._next_sweep = now + 60.0


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
