"""Evidence attachments of answers: the ``attachment`` table (files live in attachments/).

Revision ID: 0007_evidence
Revises: 0004_workstation
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_evidence"
down_revision: str | None = "0004_workstation"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the attachment table."""
    op.create_table(
        "attachment",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("answer_id", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("local_name", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("bytes_sent", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachment_incident_id", "attachment", ["incident_id"])
    op.create_index("ix_attachment_state", "attachment", ["state"])


def downgrade() -> None:
    """Drop the attachment table (the files in attachments/ are left alone)."""
    op.drop_index("ix_attachment_state", table_name="attachment")
    op.drop_index("ix_attachment_incident_id", table_name="attachment")
    op.drop_table("attachment")
