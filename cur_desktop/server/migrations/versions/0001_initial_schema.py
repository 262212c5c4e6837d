"""Initial schema: users, tokens, incidents, answers, reference data, clients, counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 19:46:17.255572
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_app_user_seq"), ["seq"], unique=False)

    op.create_table(
        "client",
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("last_mutation_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_login"), ["login"], unique=False)

    op.create_table(
        "executor",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("municipality_id", sa.String(length=100), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("executor", schema=None) as batch_op:
        batch_op.create_index("ix_executor_region_seq", ["region_code", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_executor_seq"), ["seq"], unique=False)

    op.create_table(
        "incident",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("municipality_id", sa.String(length=100), nullable=True),
        sa.Column("topic_code", sa.String(length=50), nullable=True),
        sa.Column("subtopic_code", sa.String(length=50), nullable=True),
        sa.Column("executor_id", sa.String(length=100), nullable=True),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("reject_reason", sa.String(length=30), nullable=True),
        sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_answer_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_answer_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_incident_source_external_id"),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_region_received", ["region_code", "received_at"], unique=False
        )
        batch_op.create_index("ix_incident_region_seq", ["region_code", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_seq"), ["seq"], unique=False)

    op.create_table(
        "meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compaction_horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "municipality",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.create_index("ix_municipality_region_seq", ["region_code", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_municipality_seq"), ["seq"], unique=False)

    op.create_table(
        "seq_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "answer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_answer_region_seq", ["region_code", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_seq"), ["seq"], unique=False)

    op.create_table(
        "token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_token_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_token_user_id"), ["user_id"], unique=False)
    seq_counter = sa.table(
        "seq_counter", sa.column("id", sa.Integer), sa.column("value", sa.BigInteger)
    )
    meta = sa.table(
        "meta", sa.column("id", sa.Integer), sa.column("compaction_horizon", sa.BigInteger)
    )
    op.bulk_insert(seq_counter, [{"id": 1, "value": 0}])
    op.bulk_insert(meta, [{"id": 1, "compaction_horizon": 0}])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_token_expires_at"))

    op.drop_table("token")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_seq"))
        batch_op.drop_index("ix_answer_region_seq")
        batch_op.drop_index(batch_op.f("ix_answer_incident_id"))

    op.drop_table("answer")
    op.drop_table("seq_counter")
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipality_seq"))
        batch_op.drop_index("ix_municipality_region_seq")

    op.drop_table("municipality")
    op.drop_table("meta")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_seq"))
        batch_op.drop_index("ix_incident_region_seq")
        batch_op.drop_index("ix_incident_region_received")

    op.drop_table("incident")
    with op.batch_alter_table("executor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_executor_seq"))
        batch_op.drop_index("ix_executor_region_seq")

    op.drop_table("executor")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_login"))

    op.drop_table("client")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_seq"))
        batch_op.drop_index(batch_op.f("ix_app_user_region_code"))

    op.drop_table("app_user")
