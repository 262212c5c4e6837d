"""Read-side values the workstation hands to the window: plain frozen dataclasses, no SQL.

Every instant is timezone-aware (UTC); the window converts to the region's local time.
Entities are the domain's (:mod:`cur_desktop.domain.entities`), so the window never sees a
database row or a wire model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cur_desktop.domain.entities import Answer, Incident
from cur_desktop.domain.enums import AnswerKind, Priority, Role, Source, Status


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One line of the inbox: what the list shows, without the full text.

    ``rowid`` is the local row key (stable while the incident exists on this workstation; the
    key of :class:`InboxSnapshot`). ``preview`` is the first characters of the text.
    ``current_due`` / ``current_warn_at``: the deadline that matters now (see
    :attr:`IncidentDetail.current_due`); ``None`` when no timer runs. ``local_changed``: the
    row shows changes of this workstation not yet confirmed by the server. ``has_draft``: an
    answer draft is saved for it here. ``region_code``: whose working-time clock its timers run on.
    """

    id: str
    rowid: int
    received_at: datetime
    status: Status
    priority: Priority
    source: Source
    topic_code: str | None
    municipality_id: str | None
    executor_id: str | None
    assignee: str | None
    author: str
    preview: str
    first_answer_due: datetime | None
    final_answer_due: datetime | None
    current_due: datetime | None
    current_warn_at: datetime | None
    local_changed: bool
    has_draft: bool
    region_code: str | None = None
    provisional: bool = False
    """Registered on this workstation and not yet confirmed: its timer is provisional."""


@dataclass(frozen=True, slots=True)
class InboxSnapshot:
    """The row keys of a whole inbox view, in display order (compact: 8 bytes a row).

    ``rowids`` is an ``array('q')``; fetch the visible window with
    :meth:`Workstation.inbox_rows`. ``total == len(rowids)``.
    """

    rowids: Any  # array.array[int]; typed loosely: array is not generic before Python 3.12
    total: int


@dataclass(frozen=True, slots=True)
class InboxPage:
    """A keyset page of inbox rows and the cursor of the next page (``None`` at the end)."""

    rows: list[InboxRow]
    next_cursor: Any  # cur_desktop.storage.inbox.PageCursor, opaque to the window


class HistoryKind(StrEnum):
    """Kinds of entries of an incident's history."""

    REGISTERED = "registered"
    ANSWER = "answer"
    NOTE = "note"
    FIRST_ANSWER = "first_answer"
    OPERATION = "operation"


class ChangeState(StrEnum):
    """Where a change made on this workstation stands."""

    CONFIRMED = "confirmed"
    PENDING = "pending"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of an incident's history, oldest first; ``text`` is Russian, ready to show."""

    at: datetime
    kind: HistoryKind
    text: str
    actor: str | None = None
    state: ChangeState = ChangeState.CONFIRMED
    offline: bool = False
    """The change was made on this workstation without a connection to the server."""
    quote: str = ""
    """The text of a note or an answer (the card shows its beginning and all of it on hover)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """An answer draft kept on this workstation only (never sent until "send")."""

    incident_id: str
    kind: AnswerKind
    text: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A change of this workstation on an incident: waiting to be sent, or rejected.

    ``title`` is the Russian name of the action (e.g. «Смена статуса»); ``message`` is the
    server's reason for a rejected one.
    """

    mutation_id: int
    incident_id: str | None
    name: str
    title: str
    args: dict[str, Any]
    created_at: datetime
    state: ChangeState
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class DuplicateRef:
    """An incident merged into another as its duplicate, as the card lists it."""

    id: str
    received_at: datetime
    source: Source
    author: str
    preview: str


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """An incident with everything its card shows.

    ``answers`` holds public answers and internal notes (``kind``) oldest first.
    ``current_due`` is the deadline that matters now: the first-answer due until the first
    public answer; the final-answer due while the incident is on control; ``None`` when
    closed or rejected (or when no deadline applies). ``pending`` lists this workstation's
    changes on it that wait for the server or were rejected by it. ``provisional``: registered
    here and not yet confirmed by the server, so its deadlines are this workstation's own
    computation. ``channel``: how the resident reached the centre when the incident was
    registered by hand (``phone`` / ``letter`` / ``visit``; ``None`` for a post).
    ``duplicates``: the incidents merged into this one, known here.
    """

    incident: Incident
    answers: list[Answer]
    current_due: datetime | None
    current_warn_at: datetime | None
    local_changed: bool
    draft: Draft | None
    pending: list[PendingChange]
    history: list[HistoryEntry] = field(default_factory=list)
    provisional: bool = False
    channel: str | None = None
    duplicates: list[DuplicateRef] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Who is working and against which server (``None``: the profile was never bound)."""

    login: str | None
    role: Role | None
    region_code: str | None
    server_url: str | None
    can_sync: bool

    @property
    def supervises(self) -> bool:
        """Supervisors and admins may reassign and approve or return answers."""
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class NamedRef:
    """A municipality or an executor as pick lists show it."""

    id: str
    name: str
    municipality_id: str | None = None
