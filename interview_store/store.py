"""Async storage of interview records on SQLite (default) or PostgreSQL, one code path.

Transcript items, events, observations and recordings are append-only rows written the
moment they happen, so a crashed worker loses nothing it already reported. Status moves
are conditional UPDATEs, so two processes racing (webhook vs. agent) cannot regress it.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import schema
from .config import StoreSettings
from .evaluation_report import (
    REPORT_SCHEMA_VERSION,
    Report,
    ReportRender,
    ReportRenderState,
)
from .interview_cost import CostLine, CostSource, InterviewCost
from .models import (
    InterviewEvent,
    InterviewPlan,
    InterviewRecord,
    InterviewSummary,
    Observation,
    Recording,
    TranscriptItem,
)
from .recording_layout import interview_folder
from .vocabulary import InterviewStatus

_MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x1E7E_5707  # arbitrary, constant: one advisory lock for schema upgrades

# status -> the statuses it may be entered from
# (preparing -> created happens only through `save_plan`, which writes the plan with it)
_ENTERED_FROM: dict[InterviewStatus, tuple[InterviewStatus, ...]] = {
    InterviewStatus.LIVE: (InterviewStatus.CREATED,),
    InterviewStatus.ENDED: (
        InterviewStatus.PREPARING,
        InterviewStatus.CREATED,
        InterviewStatus.LIVE,
    ),
    InterviewStatus.EVALUATED: (InterviewStatus.ENDED, InterviewStatus.EVALUATED),
    InterviewStatus.FAILED: (
        InterviewStatus.PREPARING,
        InterviewStatus.CREATED,
        InterviewStatus.LIVE,
        InterviewStatus.ENDED,
    ),
    # a join token that expired unused (`people_store.abandon_unused` does it in bulk)
    InterviewStatus.ABANDONED: (InterviewStatus.PREPARING, InterviewStatus.CREATED),
}


class InterviewNotFound(LookupError):
    pass


class InvalidReport(ValueError):
    """A report that does not match the current `Report` schema: refused, nothing written."""


class InvalidTransition(RuntimeError):
    def __init__(self, interview_id: str, current: InterviewStatus, wanted: InterviewStatus):
        super().__init__(f"interview {interview_id} is {current}; cannot become {wanted}")
        self.current = current
        self.wanted = wanted


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every timestamp we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class InterviewStore:
    def __init__(self, *, database_url: str, storage_dir: Path) -> None:
        self._storage_dir = storage_dir
        self._engine = self._create_engine(database_url)

    @classmethod
    def from_settings(cls, settings: StoreSettings) -> InterviewStore:
        return cls(database_url=settings.resolved_database_url, storage_dir=settings.storage_dir)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def storage_dir(self) -> Path:
        return self._storage_dir

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def _create_engine(self, url: str) -> AsyncEngine:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # hide_parameters: error messages must never carry CV text or names into logs
            engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

            @sa.event.listens_for(engine.sync_engine, "connect")
            def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
                # WAL lets the token server read while an agent writes; FKs for cascades
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.close()

            return engine
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)

    async def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (creates it on first use)."""
        async with self._engine.begin() as conn:
            if self.dialect == "postgresql":
                # processes starting together (token server, evals worker, a rolling deploy)
                # take turns: the second finds the schema already at head
                await conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            await conn.run_sync(_upgrade_to_head)

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def aclose(self) -> None:
        await self._engine.dispose()

    def files_dir(self, interview_id: str) -> Path:
        """Per-interview folder for recordings and rendered reports (not created here); the
        layout is `recording_layout`'s, shared with the agent and egress."""
        return self._storage_dir / interview_folder(interview_id)

    # --- interviews ---------------------------------------------------------------

    async def create(
        self,
        plan: InterviewPlan,
        *,
        interview_id: str | None = None,
        room: str | None = None,
        candidate_identity: str | None = None,
        preparing: bool = False,
    ) -> InterviewRecord:
        """Insert a new interview: `created`, or `preparing` when its plan is still being
        written (then `save_plan` completes it)."""
        interview_id = interview_id or str(uuid.uuid4())
        status = InterviewStatus.PREPARING if preparing else InterviewStatus.CREATED
        row: dict[str, Any] = {
            "id": interview_id,
            "room": room or f"interview-{interview_id}",
            "candidate_identity": candidate_identity or f"candidate-{uuid.uuid4().hex[:12]}",
            "status": status.value,
            "plan": plan.model_dump(mode="json"),
            "created_at": _now(),
            "flags": [],
        }
        async with self._engine.begin() as conn:
            await conn.execute(schema.interviews.insert().values(**row))
        # a new record has no child rows and no lifecycle stamps yet: build it from what was
        # written instead of re-reading five tables (the token server's hot path)
        unset = ("failure_reason", "started_at", "ended_at", "evaluated_at", "overall_score")
        written = {**row, **dict.fromkeys(unset)}
        return InterviewRecord(
            **_summary_fields(written),
            plan=InterviewPlan.model_validate(row["plan"]),
            candidate_identity=row["candidate_identity"],
        )

    async def get(self, interview_id: str) -> InterviewRecord | None:
        return await self._get_where(schema.interviews.c.id == interview_id)

    async def get_by_room(self, room: str) -> InterviewRecord | None:
        return await self._get_where(schema.interviews.c.room == room)

    async def _get_where(self, condition: sa.ColumnElement[bool]) -> InterviewRecord | None:
        t = schema
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(t.interviews).where(condition))).first()
            if row is None:
                return None
            interview_id = row._mapping["id"]

            async def rows(table: sa.Table) -> list[RowMapping]:
                q = sa.select(table).where(table.c.interview_id == interview_id)
                return [r._mapping for r in await conn.execute(q.order_by(table.c.seq))]

            transcript = await rows(t.transcript_items)
            events = await rows(t.events)
            observations = await rows(t.observations)
            recordings = await rows(t.recordings)
        m = row._mapping
        report, report_issue = _read_report(m["report"])
        return InterviewRecord(
            **_summary_fields(m),
            plan=InterviewPlan.model_validate(m["plan"]),
            candidate_identity=m["candidate_identity"],
            evaluated_at=_aware(m["evaluated_at"]),
            report=report,
            report_issue=report_issue,
            report_render=ReportRender(
                state=m["report_render_state"] or ReportRenderState.NOT_READY,
                error=m["report_render_error"],
            ),
            session_report=m["session_report"],
            cost=_read_cost(m["cost"]),
            transcript=[
                TranscriptItem.model_validate(_fields(r, TranscriptItem)) for r in transcript
            ],
            events=[InterviewEvent.model_validate(_fields(r, InterviewEvent)) for r in events],
            observations=[
                Observation.model_validate(_fields(r, Observation)) for r in observations
            ],
            recordings=[
                Recording.model_validate(
                    {**_fields(r, Recording), "created_at": _aware(r["created_at"])}
                )
                for r in recordings
            ],
        )

    async def list(
        self,
        *,
        status: InterviewStatus | None = None,
        limit: int = 50,
        offset: int = 0,
        created_before: datetime | None = None,
        exclude: Sequence[InterviewStatus] = (),
    ) -> tuple[list[InterviewSummary], int]:
        """Newest first. Returns one page and the total number of matches (`exclude`: statuses
        left out when no `status` is asked for, e.g. abandoned ones in the default list)."""
        t = schema.interviews
        where = []
        if status is not None:
            where.append(t.c.status == status.value)
        elif exclude:
            where.append(t.c.status.not_in([s.value for s in exclude]))
        if created_before is not None:
            where.append(t.c.created_at < created_before)
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(sa.select(sa.func.count()).select_from(t).where(*where))
            ).scalar_one()
            q = (
                sa.select(t)
                .where(*where)
                .order_by(t.c.created_at.desc(), t.c.id)
                .limit(limit)
                .offset(offset)
            )
            rows = (await conn.execute(q)).all()
        return [InterviewSummary(**_summary_fields(r._mapping)) for r in rows], total

    async def set_status(
        self, interview_id: str, status: InterviewStatus, *, reason: str | None = None
    ) -> None:
        """Move along created → live → ended → evaluated (or → failed with a reason)."""
        t = schema.interviews
        values: dict[str, Any] = {"status": status.value}
        now = _now()
        if status == InterviewStatus.LIVE:
            values["started_at"] = now
        elif status == InterviewStatus.ENDED:
            values["ended_at"] = now
        elif status == InterviewStatus.FAILED:
            values["failure_reason"] = reason or "unknown"
            values["ended_at"] = sa.func.coalesce(t.c.ended_at, now)
        elif status == InterviewStatus.EVALUATED:
            values["evaluated_at"] = now
        allowed = [s.value for s in _ENTERED_FROM[status]]
        async with self._engine.begin() as conn:
            q = t.update().where(t.c.id == interview_id, t.c.status.in_(allowed)).values(**values)
            if (await conn.execute(q)).rowcount == 1:
                return
            current = (
                await conn.execute(sa.select(t.c.status).where(t.c.id == interview_id))
            ).scalar()
        if current is None:
            raise InterviewNotFound(interview_id)
        raise InvalidTransition(interview_id, InterviewStatus(current), status)

    async def save_plan(self, interview_id: str, plan: InterviewPlan) -> bool:
        """Store the finished plan of a `preparing` interview and make it `created`, in one
        conditional UPDATE. Returns False (nothing written) when the interview is no longer
        preparing: ended or failed meanwhile, or a second preparer finished first."""
        t = schema.interviews
        checked = InterviewPlan.model_validate(plan.model_dump(mode="json"))
        q = (
            t.update()
            .where(t.c.id == interview_id, t.c.status == InterviewStatus.PREPARING.value)
            .values(plan=checked.model_dump(mode="json"), status=InterviewStatus.CREATED.value)
        )
        async with self._engine.begin() as conn:
            if (await conn.execute(q)).rowcount == 1:
                return True
            exists = (await conn.execute(sa.select(t.c.id).where(t.c.id == interview_id))).first()
        if exists is None:
            raise InterviewNotFound(interview_id)
        return False

    async def save_report(self, interview_id: str, report: Report) -> None:
        """Store the evaluation and mark the interview evaluated (re-evaluation allowed; a
        `failed` interview keeps its status and reason, with `evaluated_at` set).

        The report is validated again here (a model can be mutated after it was built), so
        nothing that a reader could not load is ever written. Its page is not drawn yet:
        the render state goes back to not_ready until `set_report_render` says otherwise.
        The list's score and flags columns are copies of the report's own fields.
        """
        try:
            checked = Report.model_validate(report.model_dump(warnings=False))
        except ValidationError as e:
            raise InvalidReport(f"report does not match the schema: {_first_error(e)}") from None
        data = checked.model_dump(mode="json")
        if report.interview_id != interview_id:
            raise InvalidReport(f"report is for interview {report.interview_id}")
        await self._update(
            interview_id,
            report=data,
            overall_score=report.overall_score,
            flags=[f.value for f in report.flags],
            report_render_state=ReportRenderState.NOT_READY.value,
            report_render_error=None,
        )
        try:
            await self.set_status(interview_id, InterviewStatus.EVALUATED)
        except InvalidTransition as e:
            if e.current != InterviewStatus.FAILED:
                raise
            # cut short (the interviewer died mid-interview): the report of its partial
            # transcript is stored, the interview stays `failed` with its reason
            await self._update(interview_id, evaluated_at=_now())

    async def set_report_render(self, interview_id: str, render: ReportRender) -> None:
        """Record whether report.html was drawn for the stored report (and why not)."""
        await self._update(
            interview_id,
            report_render_state=render.state.value,
            report_render_error=render.error,
        )

    async def save_cost(
        self,
        interview_id: str,
        source: CostSource,
        lines: Sequence[CostLine],
        *,
        prices_as_of: date,
    ) -> InterviewCost:
        """Replace `source`'s cost lines (read, merge, write in one transaction, the row locked
        on PostgreSQL: the agent and the evals worker write different sources of one row)."""
        t = schema.interviews
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(t.c.cost).where(t.c.id == interview_id).with_for_update()
                )
            ).first()
            if row is None:
                raise InterviewNotFound(interview_id)
            current = _read_cost(row._mapping["cost"]) or InterviewCost()
            cost = current.replacing(source, lines, prices_as_of=prices_as_of)
            await conn.execute(
                t.update().where(t.c.id == interview_id).values(cost=cost.model_dump(mode="json"))
            )
        return cost

    async def save_session_report(self, interview_id: str, session_report: dict[str, Any]) -> None:
        await self._update(interview_id, session_report=session_report)

    async def delete(self, interview_id: str) -> bool:
        """Remove the record, its rows (ON DELETE CASCADE) and its files. Returns False if it
        did not exist."""
        t = schema.interviews
        async with self._engine.begin() as conn:
            deleted = (await conn.execute(t.delete().where(t.c.id == interview_id))).rowcount
        if deleted:
            folder = self.files_dir(interview_id)
            await asyncio.to_thread(shutil.rmtree, folder, True)
        return bool(deleted)

    # --- append-only streams ------------------------------------------------------

    async def append_transcript(self, interview_id: str, item: TranscriptItem) -> bool:
        """Idempotent on `item.item_id`: returns False when the item was already stored."""
        values = {"interview_id": interview_id, **item.model_dump()}
        insert = self._insert_ignoring_duplicates(schema.transcript_items, values)
        async with self._engine.begin() as conn:
            return (await conn.execute(insert)).rowcount == 1

    async def append_event(self, interview_id: str, event: InterviewEvent) -> None:
        await self._append(schema.events, interview_id, event.model_dump(mode="json"))

    async def append_observation(self, interview_id: str, observation: Observation) -> None:
        await self._append(schema.observations, interview_id, observation.model_dump(mode="json"))

    async def add_recording(self, interview_id: str, recording: Recording) -> None:
        values = recording.model_dump()
        values["created_at"] = recording.created_at or _now()
        await self._append(schema.recordings, interview_id, values)

    # --- internals ----------------------------------------------------------------

    async def _append(self, table: sa.Table, interview_id: str, values: dict[str, Any]) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(table.insert().values(interview_id=interview_id, **values))
        except sa.exc.IntegrityError as e:
            raise InterviewNotFound(interview_id) from e

    async def _update(self, interview_id: str, **values: Any) -> None:
        t = schema.interviews
        async with self._engine.begin() as conn:
            if (
                await conn.execute(t.update().where(t.c.id == interview_id).values(**values))
            ).rowcount != 1:
                raise InterviewNotFound(interview_id)

    def _insert_ignoring_duplicates(self, table: sa.Table, values: dict[str, Any]) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table).values(**values).on_conflict_do_nothing()
        return sqlite.insert(table).values(**values).on_conflict_do_nothing()


def _upgrade_to_head(connection: Connection) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


def _read_report(stored: Any) -> tuple[Report | None, str | None]:
    """A stored report, or why it cannot be read: another schema version or invalid data
    must not make the record (and with it the recruiter's page) unreadable."""
    if stored is None:
        return None, None
    version = stored.get("schema_version") if isinstance(stored, dict) else None
    if version != REPORT_SCHEMA_VERSION:
        return None, (
            f"the stored report has schema version {version}, this version reads "
            f"{REPORT_SCHEMA_VERSION}; re-run the evaluation (python -m evals report <id>)"
        )
    try:
        return Report.model_validate(stored), None
    except ValidationError as e:
        return None, f"the stored report is invalid ({_first_error(e)}); re-run the evaluation"


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "report"
    return f"{where}: {first['msg']} ({error.error_count()} error(s))"


def _fields(row: RowMapping, model: type[Any]) -> dict[str, Any]:
    return {k: row[k] for k in model.model_fields if k in row}


def _summary_fields(m: Mapping[Any, Any]) -> dict[str, Any]:
    plan = m["plan"]
    return {
        "id": m["id"],
        "room": m["room"],
        "status": m["status"],
        "failure_reason": m["failure_reason"],
        "role": plan["role"],
        "level": plan["level"],
        "interview_type": plan["interview_type"],
        "candidate_name": plan.get("candidate_name"),
        "created_at": _aware(m["created_at"]),
        "started_at": _aware(m["started_at"]),
        "ended_at": _aware(m["ended_at"]),
        "overall_score": m["overall_score"],
        "flags": m["flags"] or [],
        "cost_usd": cost.total_usd if (cost := _read_cost(m.get("cost"))) is not None else None,
    }


def _read_cost(stored: Any) -> InterviewCost | None:
    """A stored cost, or None when absent or unreadable (a cost must never make the record
    unreadable; it is recomputed by the next interview's writers, not repaired here)."""
    if stored is None:
        return None
    try:
        return InterviewCost.model_validate(stored)
    except ValidationError:
        return None
