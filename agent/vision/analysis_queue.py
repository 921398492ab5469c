"""A bounded, drop-oldest queue drained by one worker thread.

Why this shape: the video sampler runs on the event loop that also carries the candidate's
audio, so it may only hand frames over, never wait. Analysis of a frame takes a few ms of
native code (which releases the GIL), so it runs in a dedicated thread; when it falls
behind, the OLDEST frame goes (the newest is the one worth analysing) and the drop is counted.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

logger = logging.getLogger("agent.vision")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class QueueStats:
    offered: int = 0
    analysed: int = 0
    dropped: int = 0
    failed: int = 0
    max_depth: int = 0


class AnalysisQueue(Generic[T, R]):
    def __init__(
        self,
        *,
        analyse: Callable[[T], R],
        on_result: Callable[[T, R], Awaitable[None] | None],
        maxsize: int,
        name: str = "vision-analysis",
        on_drop: Callable[[int], None] | None = None,
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self._analyse = analyse
        self._on_result = on_result
        self._maxsize = maxsize
        self._name = name
        self._on_drop = on_drop
        self._items: collections.deque[T] = collections.deque()
        self._ready = asyncio.Event()
        self._stats = QueueStats()
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def stats(self) -> QueueStats:
        return self._stats

    @property
    def depth(self) -> int:
        return len(self._items)

    @property
    def name(self) -> str:
        return self._name

    def offer(self, item: T) -> None:
        """Enqueue without ever blocking; drops (and counts) the oldest waiting item when full."""
        self._stats.offered += 1
        if len(self._items) >= self._maxsize:
            self._items.popleft()
            self._stats.dropped += 1
            if self._on_drop is not None:
                self._on_drop(1)  # e.g. a Prometheus counter, labelled by `name`
        self._items.append(item)
        self._stats.max_depth = max(self._stats.max_depth, len(self._items))
        self._idle.clear()
        self._ready.set()

    def start(self) -> None:
        if self._task is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def join(self) -> None:
        """Wait until everything offered so far has been analysed (tests, shutdown)."""
        await self._idle.wait()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        executor, self._executor = self._executor, None
        if executor is not None:
            # the thread finishes its current frame on its own; never block the loop on it
            executor.shutdown(wait=False, cancel_futures=True)
        self._items.clear()
        self._idle.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._items:
                self._idle.set()
                self._ready.clear()
                await self._ready.wait()
                continue
            item = self._items.popleft()
            try:
                result = await loop.run_in_executor(self._executor, self._analyse, item)
            except Exception as e:
                self._stats.failed += 1
                logger.warning("frame analysis failed", extra={"error": type(e).__name__})
                continue
            self._stats.analysed += 1
            try:
                maybe = self._on_result(item, result)
                if inspect.isawaitable(maybe):
                    await maybe
            except Exception:
                logger.exception("handling a frame analysis result failed")
