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
    InvalidReport,
    InvalidTransition,
    Observation,
    ObservationKind,
    Phase,
    Recording,
    RecordingKind,
    ReportFlag,
    ReportRender,
    ReportRenderState,
    TranscriptItem,
    database_url_for,
    schema,
)
from tests.conftest import create_pg_database, drop_pg_database, postgres_admin_url
from tests.fake_interview import stored_report


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
    report = stored_report(rec.id, flags=[ReportFlag.SCORE_DISAGREEMENT])
    await store.save_report(rec.id, report)
    got = await store.get(rec.id)
    assert got is not None
    assert got.status == InterviewStatus.EVALUATED
    assert got.started_at and got.ended_at and got.evaluated_at
    assert got.started_at <= got.ended_at <= got.evaluated_at
    assert got.report == report and got.report_issue is None
    # the list's columns are copies of the report's own fields
    assert got.overall_score == 3.5 and got.flags == ["score_disagreement"]


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
        Observation(
            at=now,
            source="local",
            kind=ObservationKind.FACE_STATE,
            phase=Phase.CODING,
            confidence=0.9,
            data={"faces": 1},
        ),
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
    assert got.observations[0].kind is ObservationKind.FACE_STATE
    assert got.observations[0].phase is Phase.CODING
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


async def _ended(store: InterviewStore) -> str:
    rec = await store.create(_plan())
    await store.set_status(rec.id, InterviewStatus.ENDED)
    return rec.id


async def test_save_report_validates_before_writing(store: InterviewStore) -> None:
    """A report mutated into something a reader could not load is refused; nothing changes."""
    iid = await _ended(store)
    bad = stored_report(iid)
    bad.overall_score = "high"  # type: ignore[assignment]  # no validate_assignment
    with pytest.raises(InvalidReport, match="overall_score"):
        await store.save_report(iid, bad)
    with pytest.raises(InvalidReport, match="for interview"):
        await store.save_report(iid, stored_report("00000000-0000-4000-8000-000000000000"))
    got = await store.get(iid)
    assert got is not None and got.report is None and got.status == InterviewStatus.ENDED


async def test_report_of_another_schema_version_is_reported_not_raised(
    store: InterviewStore,
) -> None:
    """A report stored by the first release (schema 1, an untyped dict) keeps the record, the
    list and the detail readable and says what to do."""
    iid = await _ended(store)
    legacy = {"schema_version": 1, "status": "scored", "overall_score": 4.0, "metrics": {}}
    broken = {**stored_report(iid).model_dump(mode="json"), "status": "mostly_fine"}
    for stored, expected in ((legacy, "schema version 1"), (broken, "invalid (status")):
        t = schema.interviews
        async with store.engine.begin() as conn:
            await conn.execute(t.update().where(t.c.id == iid).values(report=stored))
        got = await store.get(iid)
        assert got is not None and got.report is None
        assert got.report_issue is not None and expected in got.report_issue
        assert "python -m evals report" in got.report_issue or "re-run" in got.report_issue
        page, total = await store.list()
        assert total == 1 and page[0].id == iid


async def test_render_state_is_stored_and_reset_by_a_new_report(store: InterviewStore) -> None:
    iid = await _ended(store)
    got = await store.get(iid)
    assert got is not None and got.report_render.state == ReportRenderState.NOT_READY
    await store.save_report(iid, stored_report(iid))
    failed = ReportRender(state=ReportRenderState.FAILED, error="drawing failed (ValueError)")
    await store.set_report_render(iid, failed)
    got = await store.get(iid)
    assert got is not None and got.report_render == failed
    await store.save_report(iid, stored_report(iid))  # re-evaluation: page not drawn yet
    got = await store.get(iid)
    assert got is not None and got.report_render == ReportRender()


def test_vocabulary_rejects_unknown_words() -> None:
    with pytest.raises(ValueError, match="phase"):
        TranscriptItem(
            item_id="x", speaker="candidate", text="t", start_time=0, end_time=1, phase="lunch"
        )
    with pytest.raises(ValueError, match="kind"):
        Observation(at=0, source="local", kind="mood")
    with pytest.raises(ValueError, match="kind"):
        InterviewEvent(kind="gossip", at=0)


async def test_upgrade_from_0001_keeps_existing_interviews(tmp_path: Path) -> None:
    """A database created by the first release (revision 0001) gains the render columns and
    its records stay readable (render state not_ready, legacy report reported)."""
    from alembic import command
    from alembic.config import Config

    from interview_store.store import _MIGRATIONS_DIR

    store = InterviewStore(database_url=database_url_for(None, tmp_path), storage_dir=tmp_path)

    def upgrade_to(connection: sa.Connection, revision: str) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS_DIR))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    try:
        async with store.engine.begin() as conn:
            await conn.run_sync(upgrade_to, "0001")
            await conn.execute(
                sa.text(
                    "INSERT INTO interviews (id, room, candidate_identity, status, plan, "
                    "created_at, report, flags) VALUES (:id, 'interview-old', 'c', 'evaluated', "
                    ":plan, :created, :report, '[]')"
                ),
                {
                    "id": "11111111-1111-4111-8111-111111111111",
                    "plan": '{"role": "Old role", "level": "beginner", "interview_type": "mixed"}',
                    "created": datetime.now(UTC),
                    "report": '{"schema_version": 1, "status": "scored"}',
                },
            )
        await store.migrate()
        got = await store.get("11111111-1111-4111-8111-111111111111")
        assert got is not None and got.plan.role == "Old role"
        assert got.report_render.state == ReportRenderState.NOT_READY
        assert got.report is None and "schema version 1" in (got.report_issue or "")
    finally:
        await store.aclose()
