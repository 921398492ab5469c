"""The agent's one way to write an interview's rows: transcript, events (hints and notes
included), observations and recordings.

Every writer in the agent (the session log, vision, hints, recording) runs on the event loop
next to live audio, and each used to write in its own way. Here a write is a queued call handled
by one task per interview, so rows keep their order, the audio loop never waits on the
database, a killed worker loses at most the few milliseconds still queued, and a transient
database error (a locked SQLite file, a PostgreSQL failover) is retried with a short backoff.
An interview that no longer exists (deleted by a recruiter mid-interview) is not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from interview_store import (
    InterviewEvent,
    InterviewNotFound,
    InterviewStore,
    Observation,
    Recording,
    TranscriptItem,
)

logger = logging.getLogger("agent.store_writer")

WRITE_ATTEMPTS = 3
RETRY_BACKOFF_S = 0.2
"""Seconds before the second attempt; the third waits twice as long."""

_Write = Callable[[], Awaitable[object]]


class StoreWriter:
    """Ordered, retried, non-blocking appends for one interview. The writer task starts with
    the first write; `flush()` waits for everything queued so far; `aclose()` flushes and
    stops (later writes start a new task, so a late hint is still stored)."""

    def __init__(self, store: InterviewStore, interview_id: str) -> None:
        self._store = store
        self._interview_id = interview_id
        self._queue: asyncio.Queue[_Write | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    @property
    def store(self) -> InterviewStore:
        return self._store

    @property
    def interview_id(self) -> str:
        return self._interview_id

    # --- what can be written ------------------------------------------------------------

    def transcript(self, item: TranscriptItem) -> None:
        """Idempotent on `item.item_id` (the store ignores a second insert)."""
        self._enqueue(lambda: self._store.append_transcript(self._interview_id, item))

    def event(self, event: InterviewEvent) -> None:
        self._enqueue(lambda: self._store.append_event(self._interview_id, event))

    def observation(self, observation: Observation) -> None:
        self._enqueue(lambda: self._store.append_observation(self._interview_id, observation))

    def recording(self, recording: Recording) -> None:
        self._enqueue(lambda: self._store.add_recording(self._interview_id, recording))

    # --- lifecycle ----------------------------------------------------------------------

    async def flush(self) -> None:
        """Wait until everything queued so far is written (or given up)."""
        if self._task is not None and not self._task.done():
            await self._queue.join()

    async def aclose(self) -> None:
        if self._task is None:
            return
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    # --- the writer task ----------------------------------------------------------------

    def _enqueue(self, write: _Write) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="interview-store-writer")
        self._queue.put_nowait(write)

    async def _run(self) -> None:
        while True:
            write = await self._queue.get()
            try:
                if write is None:
                    return
                await self._write(write)
            finally:
                self._queue.task_done()

    async def _write(self, write: _Write) -> None:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                await write()
                return
            except InterviewNotFound:
                logger.warning(
                    "interview vanished: row dropped", extra={"interview_id": self._interview_id}
                )
                return
            except Exception:
                if attempt == WRITE_ATTEMPTS:
                    logger.exception(
                        "could not persist an interview row",
                        extra={"interview_id": self._interview_id},
                    )
                    return
                await asyncio.sleep(RETRY_BACKOFF_S * attempt)
