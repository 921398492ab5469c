"""Initial interview record schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JsonType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def _interview_fk() -> sa.ForeignKey:
    return sa.ForeignKey("interviews.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "interviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("room", sa.String(64), nullable=False, unique=True),
        sa.Column("candidate_identity", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.Text, nullable=True),
        sa.Column("plan", JsonType, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.Column("ended_at", Timestamp, nullable=True),
        sa.Column("evaluated_at", Timestamp, nullable=True),
        sa.Column("report", JsonType, nullable=True),
        sa.Column("overall_score", sa.Float, nullable=True),
        sa.Column("flags", JsonType, nullable=True),
        sa.Column("session_report", JsonType, nullable=True),
    )
    op.create_index("ix_interviews_status", "interviews", ["status"])
    op.create_index("ix_interviews_created_at", "interviews", ["created_at"])
    op.create_table(
        "transcript_items",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("interview_id", sa.String(36), _interview_fk(), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start_time", sa.Float, nullable=False),
        sa.Column("end_time", sa.Float, nullable=False),
        sa.Column("phase", sa.String(32), nullable=True),
        sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("interview_id", "item_id", name="uq_transcript_item"),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("interview_id", sa.String(36), _interview_fk(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("phase", sa.String(32), nullable=True),
        sa.Column("data", JsonType, nullable=False),
    )
    op.create_index("ix_events_interview_id", "events", ["interview_id"])
    op.create_table(
        "observations",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("interview_id", sa.String(36), _interview_fk(), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(32), nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("data", JsonType, nullable=False),
    )
    op.create_index("ix_observations_interview_id", "observations", ["interview_id"])
    op.create_table(
        "recordings",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("interview_id", sa.String(36), _interview_fk(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("location", sa.Text, nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("egress_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_recordings_interview_id", "recordings", ["interview_id"])


def downgrade() -> None:
    for table in ("recordings", "observations", "events", "transcript_items", "interviews"):
        op.drop_table(table)
