"""A recruiter may withdraw an invitation before it is used: `invitations.revoked_at`.

An invitation's status is computed from stored times (see `people_store.invitation_status`),
not stored as text, so revoking needs a column of its own; existing invitations get NULL
(not revoked).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("revoked_at")
