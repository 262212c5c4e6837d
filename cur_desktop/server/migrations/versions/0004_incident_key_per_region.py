"""Incidents are unique per (region, source, external id), no longer per (source, external id).

An incident created in one region under a post's source and external id must neither block
the ingestion of that post for another region nor reveal that another region holds it
(issue 6, findings 4 and 5). Existing rows satisfy the narrower key already.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_OLD = "uq_incident_source_external_id"
_NEW = "uq_incident_region_source_external_id"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident") as batch:
        batch.drop_constraint(_OLD, type_="unique")
        batch.create_unique_constraint(_NEW, ["region_code", "source", "external_id"])


def downgrade() -> None:
    """Revert this revision (fails if two regions now share a source and external id)."""
    with op.batch_alter_table("incident") as batch:
        batch.drop_constraint(_NEW, type_="unique")
        batch.create_unique_constraint(_OLD, ["source", "external_id"])
