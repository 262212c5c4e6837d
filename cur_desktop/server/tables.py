"""Tables of the central server (SQLAlchemy 2 declarative, SQLite and PostgreSQL alike).

Every synced table carries ``seq``: the number the server gave the row's last change (see
:func:`cur_desktop.server.db.allocate_seq`); pulls read rows with ``seq > cursor``. Datetimes
are stored in UTC and always come back timezone-aware (:class:`UtcDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected datetime value {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the server's tables."""


class User(Base):
    """A person who logs in: operator, supervisor, federal analyst or admin."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str | None] = mapped_column(String(10), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Token(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class Incident(Base):
    """An incident; columns mirror :class:`cur_desktop.contract.wire.IncidentWire`."""

    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint(
            "region_code", "source", "external_id", name="uq_incident_region_source_external_id"
        ),
        Index("ix_incident_region_seq", "region_code", "seq"),
        Index("ix_incident_region_received", "region_code", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(2000), default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    region_code: Mapped[str] = mapped_column(String(10))
    municipality_id: Mapped[str | None] = mapped_column(String(100))
    topic_code: Mapped[str | None] = mapped_column(String(50))
    subtopic_code: Mapped[str | None] = mapped_column(String(50))
    executor_id: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(30))
    reject_reason: Mapped[str | None] = mapped_column(String(30))
    first_answer_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_answer_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    final_answer_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_answer_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    final_answer_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    moderation_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    moderation_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_answer_working_us: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # login whose mutation produced this version; NULL for ingested posts (revision 0012)
    changed_by: Mapped[str | None] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Answer(Base):
    """An answer or an internal note; ``region_code`` is copied from its incident for scoping."""

    __tablename__ = "answer"
    __table_args__ = (Index("ix_answer_region_seq", "region_code", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Municipality(Base):
    """A municipality of a region (reference data that travels in pulls)."""

    __tablename__ = "municipality"
    __table_args__ = (Index("ix_municipality_region_seq", "region_code", "seq"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    population: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Executor(Base):
    """An executor (ministry, municipality, УК, РСО ...) of a region."""

    __tablename__ = "executor"
    __table_args__ = (Index("ix_executor_region_seq", "region_code", "seq"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(500))
    municipality_id: Mapped[str | None] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Client(Base):
    """A client installation: the login it belongs to and the last mutation it pushed."""

    __tablename__ = "client"

    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    login: Mapped[str] = mapped_column(String(100), index=True)
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)


class RejectedMutation(Base):
    """A mutation the server rejected: its verdict, repeated when the client pushes it again.

    A client that never heard the answer (lost on the way) pushes the mutation again; it is
    then at or below ``last_mutation_id`` and must get the same rejection back, not
    ``already_processed``, or the client would take it as accepted and drop it silently.
    """

    __tablename__ = "rejected_mutation"

    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text)


class SeqCounter(Base):
    """The one-row counter of change numbers (``id`` is always 1)."""

    __tablename__ = "seq_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Meta(Base):
    """The one-row server metadata (``id`` is always 1): the compaction horizon."""

    __tablename__ = "meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    compaction_horizon: Mapped[int] = mapped_column(BigInteger, default=0)


class Attachment(Base):
    """Evidence (photo, scanned act) of an answer: a resumable upload and, once complete, a file.

    ``received`` counts the bytes stored so far; ``seq`` is given when the upload completes
    (the listing ``GET /attachments`` reads complete rows with ``seq > after``). The file lives
    under the server's data directory (``server/evidence_store.py``), never in the database.
    """

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_region_seq", "region_code", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(10))
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    answer_id: Mapped[str | None] = mapped_column(String(36))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    seq: Mapped[int | None] = mapped_column(BigInteger)


class AuditEntry(Base):
    """One administration action (user or reference change): never updated, never deleted.

    ``details`` is a JSON object of what changed (old and new values; never a password).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_region_at", "region_code", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(10))
    details: Mapped[str] = mapped_column(Text)
