"""Who made a pulled version: ``changed_by`` on ``incident`` / ``incident_base``, journalled.

* ``incident.changed_by`` and ``incident_base.changed_by`` (the shadow mirrors the wire
  columns): the login the server names as the author of the confirmed version
  (``IncidentWire.changed_by``); ``NULL`` for an ingested post, a server that does not say,
  and rows stored before this revision (until the server sends them again);
* trigger ``incident_event_pulled`` again, now journalling ``NEW.changed_by`` as the actor of
  a colleague's move (revision 0011 wrote ``NULL``: the wire did not say who).

Journal rows written before this revision keep no actor (nothing local says who it was).

Revision ID: 0012_changed_by
Revises: 0011_history
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012_changed_by"
down_revision: str | None = "0011_history"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("incident", "incident_base")
WATCHED = (("status", "status"), ("assignee", "assignee"), ("executor", "executor_id"))
"""(``field`` value in the journal, column of ``incident``), as in revision 0011."""


def _insert(field: str, column: str, actor: str) -> str:
    return (
        "INSERT INTO incident_event (incident_id, at, field, from_value, to_value, actor,"
        " offline, mutation_id)"
        f" SELECT NEW.id, NEW.updated_at, '{field}', OLD.{column}, NEW.{column}, {actor}, 0, NULL"
        f" WHERE OLD.{column} IS NOT NEW.{column};"
    )


def _create_trigger(actor: str) -> None:
    body = " ".join(_insert(field, column, actor) for field, column in WATCHED)
    columns = ", ".join(column for _, column in WATCHED)
    op.execute(
        f"CREATE TRIGGER incident_event_pulled AFTER UPDATE OF {columns} ON incident"
        f" WHEN NEW.local_changed = 0 BEGIN {body} END"
    )


def upgrade() -> None:
    """Add the column to the view and its shadow; journal the version's author."""
    for table in TABLES:
        # plain ADD COLUMN (no table copy): a big store upgrades in an instant
        op.add_column(table, sa.Column("changed_by", sa.Text(), nullable=True))
    op.execute("DROP TRIGGER IF EXISTS incident_event_pulled")
    _create_trigger("NEW.changed_by")


def downgrade() -> None:
    """Back to revision 0011: the trigger without an actor, the columns dropped."""
    op.execute("DROP TRIGGER IF EXISTS incident_event_pulled")
    _create_trigger("NULL")
    for table in TABLES:
        op.drop_column(table, "changed_by")
