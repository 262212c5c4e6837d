"""The operator's own marks: unread state, reminders, shown deadline notifications.

* ``incident_seen``: the incident version each login last saw (unread markers);
* ``reminder``: one reminder per login and incident (from a promise in an answer);
* ``deadline_notice``: warning-band notifications already shown (login, incident, due), so a
  notification fires once per deadline, also across restarts.

All three are local to the workstation and never pushed.

Revision ID: 0005_inbox_marks
Revises: 0008_stats_rollup (re-chained after main merged it)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_inbox_marks"
down_revision: str | None = "0008_stats_rollup"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "incident_seen",
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("seen_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("login", "incident_id"),
    )
    op.create_table(
        "reminder",
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("remind_at", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("login", "incident_id"),
    )
    op.create_index("ix_reminder_login_remind_at", "reminder", ["login", "remind_at"])
    op.create_table(
        "deadline_notice",
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("login", "incident_id", "due"),
    )


def downgrade() -> None:
    """Drop the three tables (the marks are lost)."""
    op.drop_table("deadline_notice")
    op.drop_index("ix_reminder_login_remind_at", table_name="reminder")
    op.drop_table("reminder")
    op.drop_table("incident_seen")
