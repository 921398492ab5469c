"""SQLAlchemy Core tables. Alembic migrations in `migrations/` are the source of truth for
the database; these definitions must match the latest revision (a test checks that)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

JsonType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)

interviews = sa.Table(
    "interviews",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("room", sa.String(64), nullable=False, unique=True),
    sa.Column("candidate_identity", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("failure_reason", sa.Text, nullable=True),
    sa.Column("plan", JsonType, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, index=True),
    sa.Column("started_at", Timestamp, nullable=True),
    sa.Column("ended_at", Timestamp, nullable=True),
    sa.Column("evaluated_at", Timestamp, nullable=True),
    sa.Column("report", JsonType, nullable=True),
    sa.Column("overall_score", sa.Float, nullable=True),
    sa.Column("flags", JsonType, nullable=True),
    sa.Column("session_report", JsonType, nullable=True),
    # whether report.html was drawn for the stored report (revision 0002)
    sa.Column("report_render_state", sa.String(16), nullable=True),
    sa.Column("report_render_error", sa.Text, nullable=True),
    # what the interview cost, by source (revision 0003; interview_cost.InterviewCost)
    sa.Column("cost", JsonType, nullable=True),
)


def _fk() -> sa.ForeignKey:
    return sa.ForeignKey("interviews.id", ondelete="CASCADE")


transcript_items = sa.Table(
    "transcript_items",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("interview_id", sa.String(36), _fk(), nullable=False),
    sa.Column("item_id", sa.String(128), nullable=False),
    sa.Column("speaker", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("start_time", sa.Float, nullable=False),
    sa.Column("end_time", sa.Float, nullable=False),
    sa.Column("phase", sa.String(32), nullable=True),
    sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("interview_id", "item_id", name="uq_transcript_item"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("interview_id", sa.String(36), _fk(), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("phase", sa.String(32), nullable=True),
    sa.Column("data", JsonType, nullable=False),
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("interview_id", sa.String(36), _fk(), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("phase", sa.String(32), nullable=True),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("data", JsonType, nullable=False),
)

recordings = sa.Table(
    "recordings",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("interview_id", sa.String(36), _fk(), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("location", sa.Text, nullable=True),
    sa.Column("duration_s", sa.Float, nullable=True),
    sa.Column("egress_id", sa.String(64), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)
