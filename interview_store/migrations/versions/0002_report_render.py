"""Report render state: whether report.html was drawn for the stored report, and why not.

Before this revision a report whose page failed to render was stored, the interview marked
evaluated, and the recruiter met a bare 404. Existing rows get NULL (read as not_ready); the
stored reports of schema version 1 are reported as such on read and re-evaluated on demand.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interviews") as batch:
        batch.add_column(sa.Column("report_render_state", sa.String(16), nullable=True))
        batch.add_column(sa.Column("report_render_error", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interviews") as batch:
        batch.drop_column("report_render_error")
        batch.drop_column("report_render_state")
