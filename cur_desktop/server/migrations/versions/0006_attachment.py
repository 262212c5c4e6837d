"""Evidence attachments: the ``attachment`` table of resumable uploads (issue 9, evidence).

Revision ID: 0006
Revises: 0011
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = (
    "0011"  # chained after main's audit log at the merge (the lead re-chains)
)
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(10), nullable=False),
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("answer_id", sa.String(36), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_attachment_incident_id", "attachment", ["incident_id"])
    op.create_index("ix_attachment_region_seq", "attachment", ["region_code", "seq"])


def downgrade() -> None:
    """Revert this revision (the files under the data directory are left alone)."""
    op.drop_index("ix_attachment_region_seq", table_name="attachment")
    op.drop_index("ix_attachment_incident_id", table_name="attachment")
    op.drop_table("attachment")
