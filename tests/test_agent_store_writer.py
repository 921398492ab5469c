"""The agent's one store-writing path: ordered, retried on transient errors, never retried
for an interview that no longer exists, and flushed before anything reads the rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from agent import store_writer
from agent.store_writer import StoreWriter
from interview_store import (
    EventKind,
    InterviewEvent,
    InterviewPlan,
    InterviewStore,
    Observation,
    Recording,
    RecordingKind,
    TranscriptItem,
)


class FlakyStore(InterviewStore):
    """A real SQLite store whose first `failures` event appends fail like a locked database."""

    def __init__(self, path: Path, *, failures: int) -> None:
        super().__init__(database_url=f"sqlite+aiosqlite:///{path / 'db'}", storage_dir=path)
        self.failures = failures
        self.attempts = 0

    async def append_event(self, interview_id: str, event: InterviewEvent) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
        await super().append_event(interview_id, event)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_writer, "RETRY_BACKOFF_S", 0.001)


def note(n: int) -> InterviewEvent:
    return InterviewEvent(kind=EventKind.NOTE, at=float(n), data={"note": f"n{n}"})


async def test_every_kind_of_row_is_written_in_order(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(InterviewPlan(role="x"))
    writer = StoreWriter(sqlite_store, record.id)
    item = TranscriptItem(
        item_id="it-1", speaker="candidate", text="Hello", start_time=1.0, end_time=2.0
    )
    writer.transcript(item)
    writer.transcript(item)  # idempotent on item_id
    for n in range(5):
        writer.event(note(n))
    writer.observation(Observation(at=3.0, source="local", kind="absence", data={"seconds": 21}))
    writer.recording(Recording(kind=RecordingKind.AGENT_AUDIO, status="failed", error="none"))
    await writer.flush()
    got = await sqlite_store.get(record.id)
    assert got is not None
    assert [t.text for t in got.transcript] == ["Hello"]
    assert [e.data["note"] for e in got.events] == [f"n{n}" for n in range(5)]
    assert [o.kind for o in got.observations] == ["absence"]
    assert [r.status for r in got.recordings] == ["failed"]
    await writer.aclose()


async def test_a_transient_error_is_retried(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path, failures=store_writer.WRITE_ATTEMPTS - 1)
    await store.migrate()
    try:
        record = await store.create(InterviewPlan(role="x"))
        writer = StoreWriter(store, record.id)
        writer.event(note(1))
        writer.event(note(2))
        await writer.aclose()
        got = await store.get(record.id)
        assert got is not None
        assert [e.data["note"] for e in got.events] == ["n1", "n2"]  # order kept
        assert store.attempts == store_writer.WRITE_ATTEMPTS + 1
    finally:
        await store.aclose()


async def test_gives_up_after_the_last_attempt_and_goes_on(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path, failures=store_writer.WRITE_ATTEMPTS)
    await store.migrate()
    try:
        record = await store.create(InterviewPlan(role="x"))
        writer = StoreWriter(store, record.id)
        writer.event(note(1))  # lost after WRITE_ATTEMPTS
        writer.event(note(2))
        await writer.aclose()
        got = await store.get(record.id)
        assert got is not None and [e.data["note"] for e in got.events] == ["n2"]
    finally:
        await store.aclose()


async def test_a_vanished_interview_is_not_retried(sqlite_store: InterviewStore) -> None:
    calls = 0

    class Counting(InterviewStore):
        async def append_event(self, interview_id: str, event: InterviewEvent) -> None:
            nonlocal calls
            calls += 1
            await sqlite_store.append_event(interview_id, event)

    counting = Counting(database_url="sqlite+aiosqlite://", storage_dir=sqlite_store.storage_dir)
    writer = StoreWriter(counting, "00000000-0000-0000-0000-000000000000")
    writer.event(note(1))
    await writer.aclose()
    await counting.aclose()
    assert calls == 1
