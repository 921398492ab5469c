"""Tables of invitations, candidate profiles, consent and outgoing webhooks (revision 0005),
declared on the one `schema.metadata` so the migration test compares them like every other.

`interview_people` is a side table keyed by interview rather than new columns on
`interviews`: an interview made by the agent's tests or an old release has no row, and
reading the record stays one query for the processes that never care (agent, evals).
Secrets (profile keys, invitation links) are stored only as SHA-256 hashes; a webhook's
signing secret is stored as is, because the server must sign with it.
"""

from __future__ import annotations

import sqlalchemy as sa

from .schema import JsonType, Timestamp, metadata

candidate_profiles = sa.Table(
    "candidate_profiles",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

interview_templates = sa.Table(
    "interview_templates",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("created_by", sa.String(400), nullable=False),
    # the TemplateBody as JSON (questions with their hidden ideal answers)
    sa.Column("body", JsonType, nullable=False),
)

invitations = sa.Table(
    "invitations",
    metadata,
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
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("opened_at", Timestamp, nullable=True),
    sa.Column(
        "interview_id",
        sa.String(36),
        sa.ForeignKey("interviews.id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    ),
    sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
    # set when a recruiter withdraws the link before it was used (revision 0006)
    sa.Column("revoked_at", Timestamp, nullable=True),
)

interview_people = sa.Table(
    "interview_people",
    metadata,
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
    sa.Column("consent", JsonType, nullable=True),
)

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("events", JsonType, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "endpoint_id",
        sa.String(36),
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("interview_id", sa.String(36), nullable=False),
    sa.Column("payload", JsonType, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=True),
    sa.Column("delivered_at", Timestamp, nullable=True),
    # the outbox is filled idempotently: one delivery per endpoint, event and interview
    sa.UniqueConstraint("endpoint_id", "event", "interview_id", name="uq_webhook_delivery"),
)
