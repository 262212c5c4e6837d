"""SQLModel table definitions of the local store (the client's SQLite file).

The tables live in their own registry (``StoreModel.metadata``) so that they never clash with
the central server's tables when both are imported in one process.

* ``incident`` is what the UI reads: the server-confirmed state with pending local mutations
  applied on top. ``rowid_`` is the local INTEGER PRIMARY KEY (also the FTS rowid); ``id`` is
  the incident's UUID as text.
* ``incident_base`` has the same columns and holds the server-confirmed version of only those
  incidents with pending local mutations (copy-on-write shadow, written by the sync engine).
* ``answer`` / ``answer_base`` mirror ``AnswerWire`` the same way.
* ``outbox`` holds pending (or rejected) mutations; ``sync_state`` is a key/value store.
* ``draft`` holds one answer draft per incident (local only, never pushed).
* ``incident_seen``, ``reminder``, ``deadline_notice``: the operator's own marks, per login
  (local only, never pushed): which version of an incident they last saw (unread markers),
  reminders from promises, and which warning-band notifications were shown.
* ``attachment`` holds evidence files of answers and their upload state (issue 9, evidence).
* ``incident_fts`` (FTS5) is created by the first migration, not declared here.

There are deliberately no foreign keys: pulled pages may carry rows whose parents arrive
later (or have left the caller's view), and the sync engine must be able to apply them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, Table, Text, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from cur_desktop.domain.enums import (
    AnswerKind,
    AnswerState,
    Outcome,
    Priority,
    RejectReason,
    Source,
    Status,
)
from cur_desktop.storage.types import EnumText, UtcEpochMicros


class StoreModel(SQLModel, registry=registry()):
    """Base of every table of the local store; owns the store's own ``MetaData``."""


def _instant(*, nullable: bool = True) -> datetime | None:
    field: datetime | None = Field(default=None, sa_type=UtcEpochMicros, nullable=nullable)
    return field


class IncidentColumns(StoreModel):
    """Columns shared by ``incident`` and ``incident_base`` (not a table itself)."""

    rowid_: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    id: str = Field(sa_type=Text, unique=True, nullable=False)
    source: Source = Field(sa_type=EnumText(Source), nullable=False)
    external_id: str = Field(sa_type=Text, nullable=False)
    link: str = Field(default="", sa_type=Text, nullable=False)
    author: str = Field(default="", sa_type=Text, nullable=False)
    text: str = Field(sa_type=Text, nullable=False)
    received_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)
    region_code: str = Field(sa_type=Text, nullable=False)
    municipality_id: str | None = Field(default=None, sa_type=Text, nullable=True)
    topic_code: str | None = Field(default=None, sa_type=Text, nullable=True)
    subtopic_code: str | None = Field(default=None, sa_type=Text, nullable=True)
    executor_id: str | None = Field(default=None, sa_type=Text, nullable=True)
    assignee: str | None = Field(default=None, sa_type=Text, nullable=True)
    priority: Priority = Field(default=Priority.NORMAL, sa_type=EnumText(Priority), nullable=False)
    status: Status = Field(default=Status.NEW, sa_type=EnumText(Status), nullable=False)
    outcome: Outcome | None = Field(default=None, sa_type=EnumText(Outcome), nullable=True)
    reject_reason: RejectReason | None = Field(
        default=None, sa_type=EnumText(RejectReason), nullable=True
    )
    first_answer_at: datetime | None = _instant()
    first_answer_due: datetime | None = _instant()
    final_answer_due: datetime | None = _instant()
    moderation_due: datetime | None = _instant()
    moderation_warn_at: datetime | None = _instant()
    first_answer_working_us: int | None = Field(default=None, sa_type=Integer, nullable=True)
    version: int = Field(sa_type=Integer, nullable=False)
    updated_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)
    # local computed columns
    first_answer_warn_at: datetime | None = _instant()
    final_answer_warn_at: datetime | None = _instant()
    has_interim: bool = Field(default=False, nullable=False)
    has_final: bool = Field(default=False, nullable=False)
    was_reworked: bool = Field(default=False, nullable=False)
    was_reopened: bool = Field(default=False, nullable=False)
    rating: int | None = Field(default=None, sa_type=Integer, nullable=True)
    local_changed: bool = Field(default=False, nullable=False)
    # the deadline that matters now (domain.current_due), computed on every write of the row
    current_due: datetime | None = _instant()
    current_warn_at: datetime | None = _instant()
    # wire field (revision 0012, added last): the login behind the confirmed version, None for
    # an ingested post or a server that does not say
    changed_by: str | None = Field(default=None, sa_type=Text, nullable=True)


class Incident(IncidentColumns, table=True):
    """What the UI reads: confirmed state plus pending local mutations."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_status_current_due", "status", "current_due"),
        Index("ix_incident_current_due", "current_due"),
        Index("ix_incident_received", "received_at"),
        Index("ix_incident_municipality_received", "municipality_id", "received_at"),
        Index("ix_incident_topic_received", "topic_code", "received_at"),
        Index("ix_incident_topic_source_received", "topic_code", "source", "received_at"),
        Index("ix_incident_region_received", "region_code", "received_at"),
        Index("ix_incident_executor_received", "executor_id", "received_at"),
        Index("ix_incident_source_received", "source", "received_at"),
        Index("ix_incident_assignee_status", "assignee", "status"),
        Index(
            "ix_incident_local_changed",
            "local_changed",
            sqlite_where=text("local_changed = 1"),
        ),
    )


class IncidentBase(IncidentColumns, table=True):
    """Server-confirmed shadow of incidents that have pending local mutations."""

    __tablename__ = "incident_base"


class AnswerColumns(StoreModel):
    """Columns shared by ``answer`` and ``answer_base`` (fields of ``AnswerWire``)."""

    id: str = Field(sa_type=Text, primary_key=True)
    incident_id: str = Field(sa_type=Text, nullable=False, index=True)
    kind: AnswerKind = Field(sa_type=EnumText(AnswerKind), nullable=False)
    state: AnswerState = Field(sa_type=EnumText(AnswerState), nullable=False)
    text: str = Field(sa_type=Text, nullable=False)
    author: str = Field(sa_type=Text, nullable=False)
    created_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)
    published_at: datetime | None = _instant()
    version: int = Field(sa_type=Integer, nullable=False)


class Answer(AnswerColumns, table=True):
    """Answers and notes as the UI sees them (confirmed + pending)."""

    __tablename__ = "answer"


class AnswerBase(AnswerColumns, table=True):
    """Server-confirmed shadow of answers that have pending local mutations."""

    __tablename__ = "answer_base"


class Municipality(StoreModel, table=True):
    """A municipality of a region (``MunicipalityWire``)."""

    __tablename__ = "municipality"

    id: str = Field(sa_type=Text, primary_key=True)
    region_code: str = Field(sa_type=Text, nullable=False, index=True)
    name: str = Field(sa_type=Text, nullable=False)
    population: int | None = Field(default=None, sa_type=Integer, nullable=True)


class Executor(StoreModel, table=True):
    """An executor body (``ExecutorWire``)."""

    __tablename__ = "executor"

    id: str = Field(sa_type=Text, primary_key=True)
    region_code: str = Field(sa_type=Text, nullable=False, index=True)
    name: str = Field(sa_type=Text, nullable=False)
    municipality_id: str | None = Field(default=None, sa_type=Text, nullable=True)


class Outbox(StoreModel, table=True):
    """A pending or rejected local mutation; ``id`` is the client's gap-free sequence."""

    __tablename__ = "outbox"

    id: int = Field(sa_type=Integer, primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(sa_type=Text, nullable=False)
    args_json: str = Field(sa_type=Text, nullable=False)
    base_version: int | None = Field(default=None, sa_type=Integer, nullable=True)
    created_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)
    state: str = Field(
        default="pending",
        sa_type=Text,
        nullable=False,
        sa_column_kwargs={"server_default": "pending"},
    )
    reject_code: str | None = Field(default=None, sa_type=Text, nullable=True)
    reject_message: str | None = Field(default=None, sa_type=Text, nullable=True)
    attempts: int = Field(
        default=0, sa_type=Integer, nullable=False, sa_column_kwargs={"server_default": "0"}
    )
    entity_id: str | None = Field(default=None, sa_type=Text, nullable=True, index=True)


class Draft(StoreModel, table=True):
    """An answer draft of an incident, kept on this workstation only (never pushed)."""

    __tablename__ = "draft"

    incident_id: str = Field(sa_type=Text, primary_key=True)
    kind: AnswerKind = Field(sa_type=EnumText(AnswerKind), nullable=False)
    text: str = Field(sa_type=Text, nullable=False)
    updated_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)


class Attachment(StoreModel, table=True):
    """Evidence of an answer (a photo or a scanned act), kept in the profile's attachments/.

    ``state``: ``draft`` (in the editor, removable), ``pending`` (the answer was sent; the file
    waits for upload), ``uploading`` (``bytes_sent`` acknowledged by the server), ``uploaded``,
    ``remote`` (metadata pulled from the server; ``local_name`` empty until downloaded),
    ``failed`` (the server refused the file; ``error`` says why).
    """

    __tablename__ = "attachment"

    id: str = Field(sa_type=Text, primary_key=True)
    incident_id: str = Field(sa_type=Text, nullable=False, index=True)
    answer_id: str | None = Field(default=None, sa_type=Text, nullable=True)
    file_name: str = Field(sa_type=Text, nullable=False)
    content_type: str = Field(sa_type=Text, nullable=False)
    size: int = Field(sa_type=Integer, nullable=False)
    sha256: str = Field(sa_type=Text, nullable=False)
    local_name: str | None = Field(default=None, sa_type=Text, nullable=True)
    state: str = Field(sa_type=Text, nullable=False, index=True)
    bytes_sent: int = Field(default=0, sa_type=Integer, nullable=False)
    error: str | None = Field(default=None, sa_type=Text, nullable=True)
    author: str | None = Field(default=None, sa_type=Text, nullable=True)
    created_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)


class SyncState(StoreModel, table=True):
    """Key/value state of the sync engine (client_id, cursor, last_mutation_id, ...)."""

    __tablename__ = "sync_state"

    key: str = Field(sa_type=Text, primary_key=True)
    value: str = Field(sa_type=Text, nullable=False)


class IncidentSeen(StoreModel, table=True):
    """The incident version ``login`` last saw (unread when the incident's is newer)."""

    __tablename__ = "incident_seen"

    login: str = Field(sa_type=Text, primary_key=True)
    incident_id: str = Field(sa_type=Text, primary_key=True)
    seen_version: int = Field(sa_type=Integer, nullable=False)


class Reminder(StoreModel, table=True):
    """A reminder ``login`` set on an incident (one per incident; local only)."""

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_login_remind_at", "login", "remind_at"),)

    login: str = Field(sa_type=Text, primary_key=True)
    incident_id: str = Field(sa_type=Text, primary_key=True)
    remind_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)
    note: str = Field(default="", sa_type=Text, nullable=False)
    created_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)


class DeadlineNotice(StoreModel, table=True):
    """A warning-band notification already shown to ``login`` for an incident's deadline."""

    __tablename__ = "deadline_notice"

    login: str = Field(sa_type=Text, primary_key=True)
    incident_id: str = Field(sa_type=Text, primary_key=True)
    due: datetime = Field(sa_type=UtcEpochMicros, primary_key=True)
    shown_at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)


class IncidentEvent(StoreModel, table=True):
    """One move of an incident's status, assignee or executor, for the card's history.

    Written in the same transaction as the move: by the workstation for its own changes
    (``actor`` is the login, ``offline`` whether it was made without a connection,
    ``mutation_id`` the outbox row), and by the ``incident_event_pulled`` trigger (revisions
    0011, 0012) for a confirmed version pulled from the server that differs from what was shown
    (``actor`` the version's ``changed_by``, ``NULL`` when the server does not say, e.g. an
    ingested post; ``at`` the version's ``updated_at``). Local only, never pushed.
    """

    __tablename__ = "incident_event"
    __table_args__ = (Index("ix_incident_event_incident_at", "incident_id", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    incident_id: str = Field(sa_type=Text, nullable=False)
    at: datetime = Field(sa_type=UtcEpochMicros, nullable=False)
    field: str = Field(sa_type=Text, nullable=False)
    from_value: str | None = Field(default=None, sa_type=Text, nullable=True)
    to_value: str | None = Field(default=None, sa_type=Text, nullable=True)
    actor: str | None = Field(default=None, sa_type=Text, nullable=True)
    offline: bool = Field(default=False, nullable=False)
    mutation_id: int | None = Field(default=None, sa_type=Integer, nullable=True)


def _table(model: type[StoreModel]) -> Table:
    # SQLModel declares no ``__table__`` attribute on the class for type checkers
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


incident_table: Table = _table(Incident)
incident_base_table: Table = _table(IncidentBase)
answer_table: Table = _table(Answer)
answer_base_table: Table = _table(AnswerBase)
municipality_table: Table = _table(Municipality)
executor_table: Table = _table(Executor)
outbox_table: Table = _table(Outbox)
sync_state_table: Table = _table(SyncState)
draft_table: Table = _table(Draft)
incident_seen_table: Table = _table(IncidentSeen)
reminder_table: Table = _table(Reminder)
deadline_notice_table: Table = _table(DeadlineNotice)
attachment_table: Table = _table(Attachment)
incident_event_table: Table = _table(IncidentEvent)

metadata = StoreModel.metadata

FTS_TABLE = "incident_fts"
"""Name of the FTS5 virtual table (created by migration; rowid = incident.rowid_)."""

INCIDENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in incident_table.columns)
"""Column names of ``incident`` (and ``incident_base``) in table order."""
