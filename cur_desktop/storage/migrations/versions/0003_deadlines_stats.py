"""Moderation deadline and the cached working time to the first answer (issue 7).

Adds to ``incident`` and its shadow ``incident_base`` the fields the server now sends with
every incident (``cur_desktop.wire.IncidentWire``):

* ``moderation_due`` / ``moderation_warn_at``: INTEGER µs since the epoch (UTC), like every
  instant of the store;
* ``first_answer_working_us``: working time from receipt to the first public answer in the
  region's business calendar, INTEGER µs, computed once by the server when the first answer
  is known; the SQL statistics take their working-time figures from it.

Rows already in the file keep ``NULL`` until the server sends them again (the next change of
the incident, or a full resync): no moderation timer, no working-time figure for them.

Revision ID: 0003_deadlines_stats
Revises: 0002_incident_filter_indexes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_deadlines_stats"
down_revision: str | None = "0002_incident_filter_indexes"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("incident", "incident_base")
NEW_COLUMNS = ("moderation_due", "moderation_warn_at", "first_answer_working_us")


def upgrade() -> None:
    """Add the three nullable INTEGER columns to both incident tables (no table rebuild)."""
    for table in TABLES:
        for name in NEW_COLUMNS:
            op.add_column(table, sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the three columns again (SQLite ≥ 3.35 drops a column in place)."""
    for table in TABLES:
        for name in reversed(NEW_COLUMNS):
            op.drop_column(table, name)
