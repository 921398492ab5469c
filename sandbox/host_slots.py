"""A limit on sandboxed runs across every process of a worker host.

livekit-agents runs each interview in its own job process, so an asyncio semaphore alone would
limit runs per interview, not per host. The host-wide limit is N lock files in one directory:
a run holds an exclusive `flock` on one of them. The kernel drops the lock when the holder
exits, however it exits, so a killed job process never leaks a slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

_POLL_FIRST_S = 0.01
_POLL_MAX_S = 0.1


class HostSlots:
    """`count` slots shared by every process that uses the same `directory`."""

    def __init__(self, directory: Path, count: int) -> None:
        self._directory = directory
        self._count = count

    @property
    def count(self) -> int:
        return self._count

    def _try_take(self) -> int | None:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for index in range(self._count):
            fd = os.open(self._directory / f"slot-{index}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Wait for a free slot (polling, with back-off) and hold it for the block."""
        delay = _POLL_FIRST_S
        while (fd := self._try_take()) is None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, _POLL_MAX_S)
        try:
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
