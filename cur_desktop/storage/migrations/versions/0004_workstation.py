"""The workstation's local additions: answer drafts and the "current due" of each incident.

* ``draft``: one answer draft per incident, kept on this workstation only (never pushed);
* ``incident.current_due`` / ``current_warn_at`` (and the same columns of the shadow
  ``incident_base``, which shares the incident's columns): the deadline that matters now
  (:func:`cur_desktop.domain.current_due.current_deadline`), filled here for existing rows
  and kept by every later write of a row;
* the inbox's due sort moves from ``first_answer_due`` to ``current_due``: the indexes
  ``ix_incident_due`` / ``ix_incident_status_due`` are replaced by ``ix_incident_current_due``
  / ``ix_incident_status_current_due`` (analysed when the file holds planner statistics).

Revision ID: 0004_workstation
Revises: 0003_deadlines_stats
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_workstation"
down_revision: str | None = "0003_deadlines_stats"
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = ("incident", "incident_base")
_CURRENT = (
    "CASE WHEN status IN ('closed', 'rejected') THEN NULL "
    "WHEN first_answer_at IS NULL THEN {first} "
    "WHEN status = 'on_control' THEN {final} ELSE NULL END"
)
NEW_INDEXES: dict[str, list[str]] = {
    "ix_incident_current_due": ["current_due"],
    "ix_incident_status_current_due": ["status", "current_due"],
}
OLD_INDEXES: dict[str, list[str]] = {
    "ix_incident_due": ["first_answer_due"],
    "ix_incident_status_due": ["status", "first_answer_due"],
}


def upgrade() -> None:
    """Add the draft table and the current-due columns; fill them; swap the due indexes."""
    op.create_table(
        "draft",
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    for table in _TABLES:
        op.add_column(table, sa.Column("current_due", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("current_warn_at", sa.Integer(), nullable=True))
        due = _CURRENT.format(first="first_answer_due", final="final_answer_due")
        warn = _CURRENT.format(first="first_answer_warn_at", final="final_answer_warn_at")
        op.execute(f"UPDATE {table} SET current_due = {due}, current_warn_at = {warn}")
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="incident")
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
    """Back to revision 0003's schema (drafts are lost)."""
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="incident")
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, "incident", columns, unique=False)
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("current_warn_at")
            batch.drop_column("current_due")
    op.drop_table("draft")
