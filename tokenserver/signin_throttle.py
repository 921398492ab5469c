"""Throttling sign-in failures per account and per client address (sliding windows).

Per account stops guessing one recruiter's password from many addresses; per address stops
one client trying many accounts. Accounts are keyed by the normalized email whether or not it
exists, so the throttle answers the same for real and invented accounts. In memory: one
token server process is the supported deployment; a restart forgets counts, which only
loosens the limit for one window.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ThrottleOptions:
    per_account: int
    per_address: int
    window_s: float


class SignInThrottle:
    def __init__(self, options: ThrottleOptions) -> None:
        self._options = options
        self._accounts: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}

    def retry_after(self, *, account: str, address: str) -> float | None:
        """Seconds to wait before another attempt is considered, or None to go ahead."""
        now = time.monotonic()
        waits = [
            self._wait(self._accounts, account, self._options.per_account, now),
            self._wait(self._addresses, address, self._options.per_address, now),
        ]
        longest = max((w for w in waits if w is not None), default=None)
        return longest

    def failed(self, *, account: str, address: str) -> None:
        now = time.monotonic()
        self._accounts.setdefault(account, deque()).append(now)
        self._addresses.setdefault(address, deque()).append(now)
        if len(self._accounts) + len(self._addresses) > 100_000:
            self._sweep(now)

    def succeeded(self, *, account: str) -> None:
        self._accounts.pop(account, None)

    def _wait(
        self, table: dict[str, deque[float]], key: str, limit: int, now: float
    ) -> float | None:
        failures = table.get(key)
        if not failures:
            return None
        while failures and failures[0] <= now - self._options.window_s:
            failures.popleft()
        if len(failures) < limit:
            return None
        return failures[0] + self._options.window_s - now

    def _sweep(self, now: float) -> None:
        horizon = now - self._options.window_s
        for table in (self._accounts, self._addresses):
            for key in [k for k, v in table.items() if not v or v[-1] <= horizon]:
                del table[key]
