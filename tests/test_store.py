from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview_store import (
    EventKind,
    InterviewEvent,
    InterviewNotFound,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    InvalidTransition,
    Observation,
    Recording,
    RecordingKind,
    TranscriptItem,
    database_url_for,
    schema,
)
from tests.conftest import create_pg_database, drop_pg_database, postgres_admin_url


def _plan(role: str = "Backend engineer") -> InterviewPlan:
    return InterviewPlan(role=role, job_description="Python, PostgreSQL", candidate_name="Ada")


def _item(n: int, speaker: str = "candidate") -> TranscriptItem:
    t = 1_700_000_000.0 + n
    return TranscriptItem(
        item_id=f"item-{n}",
        speaker=speaker,
        text=f"utterance {n}",
        start_time=t,
        end_time=t + 0.5,
        phase="intro",
    )


async def test_create_and_get_round_trip(store: InterviewStore) -> None:
    created = await store.create(_plan(), room="interview-abc", candidate_identity="cand-1")
    got = await store.get(created.id)
    assert got is not None
    assert got.status == InterviewStatus.CREATED
    assert got.room == "interview-abc"
    assert got.plan.role == "Backend engineer"
    assert got.plan.candidate_name == "Ada"
    assert got.created_at.tzinfo is not None
    assert got.transcript == [] and got.report is None


async def test_missing_interview_is_none(store: InterviewStore) -> None:
    assert await store.get("00000000-0000-0000-0000-000000000000") is None


async def test_lifecycle_moves_forward_only(store: InterviewStore) -> None:
    rec = await store.create(_plan())
    await store.set_status(rec.id, InterviewStatus.LIVE)
    with pytest.raises(InvalidTransition):
        await store.set_status(rec.id, InterviewStatus.LIVE)
    await store.set_status(rec.id, InterviewStatus.ENDED)
    with pytest.raises(InvalidTransition) as err:
        await store.set_status(rec.id, InterviewStatus.LIVE)
    assert err.value.current == InterviewStatus.ENDED
    await store.save_report(rec.id, {"overall": 3.5}, overall_score=3.5, flags=["disagreement"])
    got = await store.get(rec.id)
    assert got is not None
    assert got.status == InterviewStatus.EVALUATED
    assert got.started_at and got.ended_at and got.evaluated_at
    assert got.started_at <= got.ended_at <= got.evaluated_at
    assert got.report == {"overall": 3.5}
    assert got.overall_score == 3.5 and got.flags == ["disagreement"]


async def test_failed_keeps_reason_and_is_terminal(store: InterviewStore) -> None:
    rec = await store.create(_plan())
    await store.set_status(rec.id, InterviewStatus.LIVE)
    await store.set_status(rec.id, InterviewStatus.FAILED, reason="gemini unreachable")
    got = await store.get(rec.id)
    assert got is not None and got.failure_reason == "gemini unreachable"
    assert got.ended_at is not None
    with pytest.raises(InvalidTransition):
        await store.set_status(rec.id, InterviewStatus.ENDED)


async def test_status_of_unknown_interview(store: InterviewStore) -> None:
    with pytest.raises(InterviewNotFound):
        await store.set_status("00000000-0000-0000-0000-000000000000", InterviewStatus.LIVE)


async def test_transcript_appends_are_ordered_and_idempotent(store: InterviewStore) -> None:
    rec = await store.create(_plan())
    assert await store.append_transcript(rec.id, _item(1))
    assert await store.append_transcript(rec.id, _item(2, "interviewer"))
    assert not await store.append_transcript(rec.id, _item(1))  # replay after a reconnect
    got = await store.get(rec.id)
    assert got is not None
    assert [t.item_id for t in got.transcript] == ["item-1", "item-2"]
    assert got.transcript[1].speaker == "interviewer"


async def test_append_survives_a_new_store_instance(store: InterviewStore) -> None:
    """What one process wrote is there for the next: nothing is buffered in memory."""
    rec = await store.create(_plan())
    await store.append_transcript(rec.id, _item(1))
    await store.append_event(
        rec.id,
        InterviewEvent(
            kind=EventKind.PHASE_CHANGE,
            at=time.time(),
            phase="technical",
            data={"from": "intro", "to": "technical"},
        ),
    )
    other = InterviewStore(
        database_url=str(store.engine.url.render_as_string(False)), storage_dir=store.storage_dir
    )
    try:
        got = await other.get(rec.id)
    finally:
        await other.aclose()
    assert got is not None
    assert len(got.transcript) == 1
    assert got.phase_timeline[0].data == {"from": "intro", "to": "technical"}


async def test_events_observations_recordings(store: InterviewStore) -> None:
    rec = await store.create(_plan())
    now = time.time()
    await store.append_event(
        rec.id, InterviewEvent(kind=EventKind.TOOL_CALL, at=now, data={"name": "flag_followup"})
    )
    await store.append_event(
        rec.id, InterviewEvent(kind=EventKind.LATENCY, at=now, data={"ms": 420.0})
    )
    await store.append_observation(
        rec.id,
        Observation(at=now, source="local", kind="face_visible", confidence=0.9, data={"faces": 1}),
    )
    await store.add_recording(
        rec.id,
        Recording(
            kind=RecordingKind.EGRESS, location="/r/a.mp4", duration_s=600.0, egress_id="EG_1"
        ),
    )
    got = await store.get(rec.id)
    assert got is not None
    assert [e.data for e in got.tool_events] == [{"name": "flag_followup"}]
    assert [e.data["ms"] for e in got.latency_samples] == [420.0]
    assert got.observations[0].data == {"faces": 1}
    assert got.recordings[0].location == "/r/a.mp4" and got.recordings[0].created_at is not None


async def test_appends_to_unknown_interview_fail(store: InterviewStore) -> None:
    with pytest.raises(InterviewNotFound):
        await store.append_event(
            "00000000-0000-0000-0000-000000000000", InterviewEvent(kind=EventKind.NOTE, at=0.0)
        )


async def test_list_pages_and_filters(store: InterviewStore) -> None:
    ids = [(await store.create(_plan(f"role {i}"))).id for i in range(5)]
    await store.set_status(ids[0], InterviewStatus.LIVE)
    page, total = await store.list(limit=2)
    assert total == 5 and len(page) == 2
    assert page[0].role == "role 4"  # newest first
    live, live_total = await store.list(status=InterviewStatus.LIVE)
    assert live_total == 1 and live[0].id == ids[0]
    old, _ = await store.list(created_before=datetime.now(UTC) - timedelta(days=1))
    assert old == []


async def test_delete_removes_rows_and_files(store: InterviewStore) -> None:
    rec = await store.create(_plan())
    await store.append_transcript(rec.id, _item(1))
    folder = store.files_dir(rec.id)
    folder.mkdir(parents=True)
    (folder / "audio.ogg").write_bytes(b"x")
    assert await store.delete(rec.id)
    assert await store.get(rec.id) is None
    assert not folder.exists()
    async with store.engine.connect() as conn:
        left = (
            await conn.execute(sa.select(sa.func.count()).select_from(schema.transcript_items))
        ).scalar()
    assert left == 0
    assert not await store.delete(rec.id)


async def test_get_by_room(store: InterviewStore) -> None:
    rec = await store.create(_plan(), room="interview-xyz")
    found = await store.get_by_room("interview-xyz")
    assert found is not None and found.id == rec.id
    assert await store.get_by_room("interview-nope") is None


async def test_migration_matches_schema(store: InterviewStore) -> None:
    """The Alembic revision and `schema.py` must describe the same tables and columns."""

    def columns(sync_conn: sa.Connection) -> dict[str, set[str]]:
        insp = sa.inspect(sync_conn)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in schema.metadata.tables}

    async with store.engine.connect() as conn:
        live = await conn.run_sync(columns)
    declared = {name: {c.name for c in t.columns} for name, t in schema.metadata.tables.items()}
    assert live == declared


async def test_migrate_is_idempotent(store: InterviewStore) -> None:
    await store.migrate()
    rec = await store.create(_plan())
    await store.migrate()
    assert await store.get(rec.id) is not None


async def test_concurrent_migrations_take_turns(tmp_path: Path) -> None:
    """Several processes migrating one fresh PostgreSQL database at once must all succeed."""
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not available locally (set TEST_POSTGRES_URL; CI always does)")
    url, name = await create_pg_database(admin)
    stores = [
        InterviewStore(database_url=database_url_for(url, tmp_path), storage_dir=tmp_path)
        for _ in range(4)
    ]
    try:
        await asyncio.gather(*(s.migrate() for s in stores))
        assert await stores[0].get((await stores[1].create(_plan())).id) is not None
    finally:
        for s in stores:
            await s.aclose()
        await drop_pg_database(admin, name)
