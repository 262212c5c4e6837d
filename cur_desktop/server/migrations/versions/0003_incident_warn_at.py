"""Warning instants of the first and the final answer on incidents (they travel on the wire).

Rows that exist before this revision keep ``NULL``: their deadlines were computed without a
warning instant, and a ``NULL`` warning simply never turns a timer amber.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = ("first_answer_warn_at", "final_answer_warn_at")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("incident") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
