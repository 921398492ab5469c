"""Interview cost: tokens by modality and their price, per source (live session, frame
reviews, evaluation), as one JSON document (`interview_store.interview_cost.InterviewCost`).

One JSON column rather than a table of lines: the lines are written by whole sources (the
agent at the end of the interview, the evals worker per evaluation) and read only with the
interview; the list reads `total_usd` from it. Existing rows get NULL (cost unknown).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interviews") as batch:
        batch.add_column(
            sa.Column(
                "cost", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("interviews") as batch:
        batch.drop_column("cost")
