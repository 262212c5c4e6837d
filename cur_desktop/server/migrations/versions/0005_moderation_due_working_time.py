"""Moderation deadline and the cached working time to the first answer on incidents.

* ``moderation_due`` / ``moderation_warn_at``: moderation's deadline travels on the wire like
  the others (the server computes it at ingestion, create and reclassification);
* ``first_answer_working_us``: working time from receipt to the first public answer in the
  region's business calendar, computed once when the first answer is known (statistics).

Rows that exist before this revision keep ``NULL``: no moderation timer, and their answer
time counts in the wall-clock figures only; a reclassification fills the deadlines in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"  # 0004 (issue 6) merged alongside
branch_labels: str | None = None
depends_on: str | None = None

_INSTANTS = ("moderation_due", "moderation_warn_at")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident") as batch:
        for name in _INSTANTS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("first_answer_working_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("first_answer_working_us")
        for name in reversed(_INSTANTS):
            batch.drop_column(name)
