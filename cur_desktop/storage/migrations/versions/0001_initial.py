"""Create the whole local store: tables, indexes and the FTS5 index of incident texts.

Instants are INTEGER microseconds since the epoch (UTC); enums are TEXT values. The FTS5 table
``incident_fts`` is contentless (rowid = ``incident.rowid_``) and holds one column of
Snowball-stemmed, lower-cased tokens of author + text, written by
``cur_desktop.storage.incidents``.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

FTS_DDL = (
    "CREATE VIRTUAL TABLE incident_fts USING fts5("
    "tokens, content='', tokenize='unicode61 remove_diacritics 0')"
)


def _incident_columns() -> list[sa.Column[Any]]:
    """Columns shared by ``incident`` and its copy-on-write shadow ``incident_base``."""
    return [
        sa.Column("rowid_", sa.Integer(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=True),
        sa.Column("topic_code", sa.Text(), nullable=True),
        sa.Column("subtopic_code", sa.Text(), nullable=True),
        sa.Column("executor_id", sa.Text(), nullable=True),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("first_answer_at", sa.Integer(), nullable=True),
        sa.Column("first_answer_due", sa.Integer(), nullable=True),
        sa.Column("final_answer_due", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.Column("first_answer_warn_at", sa.Integer(), nullable=True),
        sa.Column("final_answer_warn_at", sa.Integer(), nullable=True),
        sa.Column("has_interim", sa.Boolean(), nullable=False),
        sa.Column("has_final", sa.Boolean(), nullable=False),
        sa.Column("was_reworked", sa.Boolean(), nullable=False),
        sa.Column("was_reopened", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("local_changed", sa.Boolean(), nullable=False),
    ]


def _answer_columns() -> list[sa.Column[Any]]:
    """Columns shared by ``answer`` and its copy-on-write shadow ``answer_base``."""
    return [
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    """Create every table, index and the FTS5 table."""
    op.create_table(
        "answer",
        *_answer_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_answer_incident_id"), "answer", ["incident_id"], unique=False)
    op.create_table(
        "answer_base",
        *_answer_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_answer_base_incident_id"), "answer_base", ["incident_id"], unique=False
    )
    op.create_table(
        "executor",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_executor_region_code"), "executor", ["region_code"], unique=False)
    op.create_table(
        "incident",
        *_incident_columns(),
        sa.PrimaryKeyConstraint("rowid_"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_incident_assignee_status", "incident", ["assignee", "status"], unique=False)
    op.create_index("ix_incident_due", "incident", ["first_answer_due"], unique=False)
    op.create_index(
        "ix_incident_executor_received", "incident", ["executor_id", "received_at"], unique=False
    )
    op.create_index(
        "ix_incident_local_changed",
        "incident",
        ["local_changed"],
        unique=False,
        sqlite_where=sa.text("local_changed = 1"),
    )
    op.create_index(
        "ix_incident_municipality_received",
        "incident",
        ["municipality_id", "received_at"],
        unique=False,
    )
    op.create_index("ix_incident_received", "incident", ["received_at"], unique=False)
    op.create_index(
        "ix_incident_source_received", "incident", ["source", "received_at"], unique=False
    )
    op.create_index(
        "ix_incident_status_due", "incident", ["status", "first_answer_due"], unique=False
    )
    op.create_index(
        "ix_incident_topic_received", "incident", ["topic_code", "received_at"], unique=False
    )
    op.create_table(
        "incident_base",
        *_incident_columns(),
        sa.PrimaryKeyConstraint("rowid_"),
        sa.UniqueConstraint("id"),
    )
    op.create_table(
        "municipality",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_municipality_region_code"), "municipality", ["region_code"], unique=False
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("args_json", sa.Text(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), server_default="pending", nullable=False),
        sa.Column("reject_code", sa.Text(), nullable=True),
        sa.Column("reject_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outbox_entity_id"), "outbox", ["entity_id"], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.execute(FTS_DDL)


def downgrade() -> None:
    """Drop everything."""
    op.execute("DROP TABLE IF EXISTS incident_fts")
    op.drop_table("sync_state")
    op.drop_index(op.f("ix_outbox_entity_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_municipality_region_code"), table_name="municipality")
    op.drop_table("municipality")
    op.drop_table("incident_base")
    op.drop_index("ix_incident_topic_received", table_name="incident")
    op.drop_index("ix_incident_status_due", table_name="incident")
    op.drop_index("ix_incident_received", table_name="incident")
    op.drop_index("ix_incident_municipality_received", table_name="incident")
    op.drop_index(
        "ix_incident_local_changed",
        table_name="incident",
        sqlite_where=sa.text("local_changed = 1"),
    )
    op.drop_index("ix_incident_executor_received", table_name="incident")
    op.drop_index("ix_incident_due", table_name="incident")
    op.drop_index("ix_incident_assignee_status", table_name="incident")
    op.drop_table("incident")
    op.drop_index(op.f("ix_executor_region_code"), table_name="executor")
    op.drop_table("executor")
    op.drop_index(op.f("ix_answer_base_incident_id"), table_name="answer_base")
    op.drop_table("answer_base")
    op.drop_index(op.f("ix_answer_incident_id"), table_name="answer")
    op.drop_table("answer")
