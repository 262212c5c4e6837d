"""Add two indexes of ``incident`` that the million-row benchmark asked for.

* ``ix_incident_topic_source_received (topic_code, source, received_at)``: a topic + source
  filter (its count and its newest-first pages) no longer walks every row of the topic;
* ``ix_incident_region_received (region_code, received_at)``: month statistics of one region
  read only that region's rows of the month instead of every region's.

Only indexes are created: rows, the FTS5 index and every other object stay as they are. When the
file already holds planner statistics (``sqlite_stat1``, written by ``ANALYZE``), the two new
indexes are analysed as well, so the planner does not weigh them with default guesses next to
measured neighbours (``ANALYZE <index>`` reads only that index).

Revision ID: 0002_incident_filter_indexes
Revises: 0001_initial
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0002_incident_filter_indexes"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None

NEW_INDEXES: dict[str, list[str]] = {
    "ix_incident_topic_source_received": ["topic_code", "source", "received_at"],
    "ix_incident_region_received": ["region_code", "received_at"],
}


def upgrade() -> None:
    """Create the two indexes; analyse them when the file has planner statistics."""
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "incident", columns, unique=False)
    bind = op.get_bind()
    has_stats = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if has_stats is not None:
        for name in NEW_INDEXES:
            bind.exec_driver_sql(f"ANALYZE {name}")


def downgrade() -> None:
    """Drop the two indexes (and their planner statistics, which SQLite removes with them)."""
    for name in reversed(NEW_INDEXES):
        op.drop_index(name, table_name="incident")
