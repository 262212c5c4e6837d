"""Who made an incident's latest version: ``incident.changed_by`` (the card's history).

The login of the user whose pushed mutation produced the row's current version; ``NULL`` for a
version the server made by itself (an ingested post) and for rows that exist before this
revision (nothing says who changed them last). Travels as ``IncidentWire.changed_by``.

Revision ID: 0012
Revises: 0006
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("changed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("changed_by")
