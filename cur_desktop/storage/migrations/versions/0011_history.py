"""The incident history journal: status, assignee and executor moves with who, when, offline.

* ``incident_event``: one row per move (see :class:`cur_desktop.storage.tables.IncidentEvent`);
* trigger ``incident_event_pulled``: when a confirmed row (``local_changed = 0``) written into
  ``incident`` changes its status, assignee or executor, the move is journalled with the
  version's ``updated_at`` and no actor (the wire does not say who made it). The workstation's
  own moves are journalled by the services layer and never reach this trigger twice: the view
  row already shows them when their confirmation arrives.

Incidents already in the store get no back-filled rows (nothing local says how they got there).

Revision ID: 0011_history
Revises: 0005_inbox_marks
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_history"
down_revision: str | None = "0005_inbox_marks"
branch_labels: str | None = None
depends_on: str | None = None

WATCHED = (("status", "status"), ("assignee", "assignee"), ("executor", "executor_id"))
"""(``field`` value in the journal, column of ``incident``)."""


def _insert(field: str, column: str) -> str:
    return (
        "INSERT INTO incident_event (incident_id, at, field, from_value, to_value, actor,"
        " offline, mutation_id)"
        f" SELECT NEW.id, NEW.updated_at, '{field}', OLD.{column}, NEW.{column}, NULL, 0, NULL"
        f" WHERE OLD.{column} IS NOT NEW.{column};"
    )


def upgrade() -> None:
    """Create the journal and the trigger that journals pulled moves."""
    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("mutation_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_event_incident_at", "incident_event", ["incident_id", "at"])
    body = " ".join(_insert(field, column) for field, column in WATCHED)
    columns = ", ".join(column for _, column in WATCHED)
    op.execute(
        f"CREATE TRIGGER incident_event_pulled AFTER UPDATE OF {columns} ON incident"
        f" WHEN NEW.local_changed = 0 BEGIN {body} END"
    )


def downgrade() -> None:
    """Drop the trigger and the journal (the history loses the moves it held)."""
    op.execute("DROP TRIGGER IF EXISTS incident_event_pulled")
    op.drop_index("ix_incident_event_incident_at", table_name="incident_event")
    op.drop_table("incident_event")
