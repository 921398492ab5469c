"""People around an interview: candidate profiles (a browser-held key, hashed), interview
templates and single-use invitation links (hashed), the consent and links of each interview
(`interview_people`), and outgoing webhook endpoints with their delivery log (an outbox).

Existing interviews get no `interview_people` row: they have no recorded consent and belong
to no profile. The new `abandoned` status needs no DDL (status is a string column).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "candidate_profiles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", _ts, nullable=False),
    )
    op.create_table(
        "interview_templates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("created_by", sa.String(400), nullable=False),
        sa.Column("body", _json, nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "template_id",
            sa.String(36),
            sa.ForeignKey("interview_templates.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("candidate_name", sa.String(100), nullable=True),
        sa.Column("candidate_email", sa.String(254), nullable=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("expires_at", _ts, nullable=False),
        sa.Column("opened_at", _ts, nullable=True),
        sa.Column(
            "interview_id",
            sa.String(36),
            sa.ForeignKey("interviews.id", ondelete="SET NULL"),
            nullable=True,
            unique=True,
        ),
        sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "interview_people",
        sa.Column(
            "interview_id",
            sa.String(36),
            sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "profile_id",
            sa.String(36),
            sa.ForeignKey("candidate_profiles.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("invitation_id", sa.String(36), nullable=True, index=True),
        sa.Column("consent", _json, nullable=True),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("events", _json, nullable=False),
        sa.Column("created_at", _ts, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "endpoint_id",
            sa.String(36),
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("interview_id", sa.String(36), nullable=False),
        sa.Column("payload", _json, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("next_attempt_at", _ts, nullable=True),
        sa.Column("delivered_at", _ts, nullable=True),
        sa.UniqueConstraint("endpoint_id", "event", "interview_id", name="uq_webhook_delivery"),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("interview_people")
    op.drop_table("invitations")
    op.drop_table("interview_templates")
    op.drop_table("candidate_profiles")
