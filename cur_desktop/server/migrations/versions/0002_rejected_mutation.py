"""Remember rejected mutations, so a retried push gets the same rejection back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "rejected_mutation",
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "mutation_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("rejected_mutation")
