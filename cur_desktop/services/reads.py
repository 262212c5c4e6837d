"""The read side of the workstation: each function runs in one reader snapshot.

Functions take a :class:`sqlalchemy.Connection` (a reader thread of
:class:`cur_desktop.storage.database.DbReaders`, inside one transaction, so a page and its
extras come from one snapshot) and return the values of :mod:`cur_desktop.services.views`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, select

from cur_desktop.contract import wire
from cur_desktop.domain.entities import Answer, Incident
from cur_desktop.domain.enums import AnswerKind, AnswerState, RejectReason, Role, Source, Status
from cur_desktop.domain.status_machine import ANSWER_STATE_TITLES, STATUS_TITLES
from cur_desktop.services.operations import MERGED_NOTE_PREFIX
from cur_desktop.services.supervision import SOURCE_NAMES
from cur_desktop.services.views import (
    ChangeState,
    Draft,
    DuplicateRef,
    HistoryEntry,
    HistoryKind,
    InboxPage,
    InboxRow,
    InboxSnapshot,
    IncidentDetail,
    NamedRef,
    PendingChange,
)
from cur_desktop.storage import drafts, history, inbox, localstate, stats, sync_state
from cur_desktop.storage import search as fts
from cur_desktop.storage.inbox import InboxFilter, InboxSort, PageCursor
from cur_desktop.storage.incidents import get_incident
from cur_desktop.storage.tables import executor_table, incident_table, municipality_table

log = logging.getLogger(__name__)

MUTATION_TITLES: Mapping[str, str] = {
    wire.MutationName.INCIDENT_CREATE.value: "Регистрация инцидента",
    wire.MutationName.INCIDENT_REGISTER.value: "Регистрация обращения",
    wire.MutationName.INCIDENT_CLASSIFY.value: "Классификация",
    wire.MutationName.INCIDENT_TRANSITION.value: "Смена статуса",
    wire.MutationName.INCIDENT_ASSIGN.value: "Назначение",
    wire.MutationName.ANSWER_ADD.value: "Ответ или заметка",
    wire.MutationName.ANSWER_SET_STATE.value: "Смена состояния ответа",
}
"""Russian names of the actions, for the needs-attention list and the history."""

_CHANNEL_TITLES: Mapping[wire.RegistrationChannel, str] = {
    wire.RegistrationChannel.PHONE: "телефонный звонок",
    wire.RegistrationChannel.LETTER: "письмо",
    wire.RegistrationChannel.VISIT: "личный приём",
}

_KIND_TITLES: Mapping[AnswerKind, str] = {
    AnswerKind.INTERIM: "Промежуточный ответ",
    AnswerKind.SOLUTION: "Ответ с решением",
    AnswerKind.FINAL: "Окончательный ответ",
    AnswerKind.INTERNAL_NOTE: "Внутренняя заметка",
}
"""Russian names of the answer kinds in the history: the same as the editor's
(ui/labels.py, translated), so a kind has one name wherever the user sees it."""


@dataclass(frozen=True, slots=True)
class StoredSession:
    """The binding stored in ``sync_state``."""

    login: str | None
    role: Role | None
    region_code: str | None
    server_url: str | None


def session_info(conn: Connection) -> StoredSession:
    """The profile's binding (login, role, region, server)."""
    role = sync_state.get_state(conn, sync_state.KEY_ROLE)
    try:
        parsed = Role(role) if role else None
    except ValueError:
        parsed = None
    return StoredSession(
        login=sync_state.get_state(conn, sync_state.KEY_LOGIN) or None,
        role=parsed,
        region_code=sync_state.get_state(conn, sync_state.KEY_REGION) or None,
        server_url=sync_state.get_state(conn, sync_state.KEY_SERVER_URL) or None,
    )


# --------------------------------------------------------------------------- inbox


def _row(values: Mapping[str, Any], with_draft: set[str], provisional: set[str]) -> InboxRow:
    return InboxRow(
        id=str(values["id"]),
        rowid=int(values["rowid_"]),
        received_at=values["received_at"],
        status=values["status"],
        priority=values["priority"],
        source=values["source"],
        topic_code=values["topic_code"],
        municipality_id=values["municipality_id"],
        executor_id=values["executor_id"],
        assignee=values["assignee"],
        author=values["author"],
        preview=values["preview"],
        first_answer_due=values["first_answer_due"],
        final_answer_due=values["final_answer_due"],
        current_due=values["current_due"],
        current_warn_at=values["current_warn_at"],
        local_changed=bool(values["local_changed"]),
        has_draft=str(values["id"]) in with_draft,
        region_code=values.get("region_code"),
        provisional=str(values["id"]) in provisional,
    )


def _rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[InboxRow]:
    ids = [str(r["id"]) for r in rows]
    with_draft = drafts.incidents_with_drafts(conn, ids)
    provisional = localstate.provisional_incident_ids(conn, ids)
    return [_row(r, with_draft, provisional) for r in rows]


def inbox_page(
    conn: Connection,
    flt: InboxFilter,
    sort: InboxSort,
    after: PageCursor | None,
    limit: int,
) -> InboxPage:
    """One keyset page of the inbox."""
    page = inbox.inbox_page(conn, flt, sort, after=after, limit=limit)
    return InboxPage(rows=_rows(conn, page.rows), next_cursor=page.next_cursor)


def inbox_count(conn: Connection, flt: InboxFilter) -> int:
    """How many incidents match."""
    return inbox.inbox_count(conn, flt)


def inbox_snapshot(
    conn: Connection, flt: InboxFilter, sort: InboxSort, limit: int | None = None
) -> InboxSnapshot:
    """Row keys of the whole view in display order (the first ``limit`` only, if given)."""
    keys = inbox.inbox_rowids(conn, flt, sort, limit=limit)
    return InboxSnapshot(rowids=keys, total=len(keys))


def inbox_rows(conn: Connection, rowids: Sequence[int]) -> list[InboxRow]:
    """Rows for the given keys, in that order."""
    return _rows(conn, inbox.rows_by_rowid(conn, rowids))


def inbox_rows_by_id(conn: Connection, incident_ids: Sequence[str]) -> list[InboxRow]:
    """Rows for the given incident ids, in that order."""
    return _rows(conn, inbox.rows_by_id(conn, incident_ids))


def search(
    conn: Connection, query: str, flt: InboxFilter | None, limit: int, snippets: int | None = None
) -> list[fts.SearchHit]:
    """Full-text search, best first (snippets for the best ``snippets`` hits, default all)."""
    return fts.search(conn, query, flt=flt, limit=limit, snippets=snippets)


# --------------------------------------------------------------------------- one incident


def _entity(incident: wire.IncidentWire) -> Incident:
    return Incident(**incident.model_dump())


def _answer_entity(answer: wire.AnswerWire) -> Answer:
    return Answer(**answer.model_dump())


def draft(conn: Connection, incident_id: str) -> Draft | None:
    """The saved draft of an incident."""
    found = drafts.get_draft(conn, incident_id)
    if found is None:
        return None
    return Draft(
        incident_id=found.incident_id, kind=found.kind, text=found.text, updated_at=found.updated_at
    )


def _pending(row: localstate.OutboxRow) -> PendingChange:
    return PendingChange(
        mutation_id=row.id,
        incident_id=row.entity_id,
        name=row.name.value,
        title=MUTATION_TITLES.get(row.name.value, row.name.value),
        args=dict(row.args),
        created_at=row.created_at,
        state=ChangeState.REJECTED if row.state == localstate.REJECTED else ChangeState.PENDING,
        code=row.reject_code,
        message=row.reject_message,
    )


_SOURCE_TITLES = dict(SOURCE_NAMES)


def _status_title(value: str | None) -> str:
    try:
        return STATUS_TITLES[Status(value)] if value is not None else "—"
    except ValueError:
        return value or "—"


def _event_text(event: history.IncidentEvent, executor_names: Mapping[str, str]) -> str:
    """Russian text of one journalled move (see :mod:`cur_desktop.storage.history`)."""
    if event.field == history.FIELD_STATUS:
        return f"Статус: {_status_title(event.from_value)} → {_status_title(event.to_value)}"
    if event.field == history.FIELD_EXECUTOR:
        if event.to_value is None:
            return "Исполнитель снят"
        return f"Исполнитель: {executor_names.get(event.to_value, event.to_value)}"
    own = event.mutation_id is not None
    if event.to_value is None:
        return "Возвращён в общую очередь" if own else "Никто не ведёт"
    if own and event.actor == event.to_value:
        return "Взят в работу"
    return f"Передан сотруднику {event.to_value}" if own else f"В работе у {event.to_value}"


def _change_state(change: PendingChange | None) -> ChangeState:
    return ChangeState.CONFIRMED if change is None else change.state


def _with_rejection(text: str, change: PendingChange | None) -> str:
    if change is None or change.message is None:
        return text
    return f"{text}: отклонено сервером — {change.message}"


def _answer_changes(pending: Sequence[PendingChange]) -> dict[str, PendingChange]:
    """The latest pending change of each answer (its ``answer.add`` or state move)."""
    found: dict[str, PendingChange] = {}
    for change in pending:
        if change.name == wire.MutationName.ANSWER_ADD.value:
            found[str(change.args.get("id"))] = change
        elif change.name == wire.MutationName.ANSWER_SET_STATE.value:
            found[str(change.args.get("answer_id"))] = change
    return found


def _history(
    incident: wire.IncidentWire,
    answers: Sequence[wire.AnswerWire],
    pending: Sequence[PendingChange],
    events: Sequence[history.IncidentEvent] = (),
    executor_names: Mapping[str, str] | None = None,
) -> list[HistoryEntry]:
    """The card's timeline: registration, every journalled move once (who, when, offline),
    one entry per answer or note, and pending changes that are neither."""
    channel = wire.registration_channel(incident.source, incident.external_id)
    entries = [
        HistoryEntry(
            at=incident.received_at,
            kind=HistoryKind.REGISTERED,
            text=f"Зарегистрирован ({_SOURCE_TITLES.get(incident.source.value, '?')})"
            if channel is None
            else f"Обращение зарегистрировано вручную: {_CHANNEL_TITLES[channel]}",
            actor=incident.author or None,
        )
    ]
    by_mutation = {change.mutation_id: change for change in pending}
    shown: set[int] = set()
    for event in events:
        change = None if event.mutation_id is None else by_mutation.get(event.mutation_id)
        if event.mutation_id is not None:
            shown.add(event.mutation_id)
        entries.append(
            HistoryEntry(
                at=event.at,
                kind=HistoryKind.OPERATION,
                text=_with_rejection(_event_text(event, executor_names or {}), change),
                actor=event.actor,
                state=_change_state(change),
                offline=event.offline,
            )
        )
    of_answer = _answer_changes(pending)
    for answer in answers:
        title = _KIND_TITLES[answer.kind]
        change = of_answer.get(str(answer.id))
        if answer.kind is AnswerKind.INTERNAL_NOTE:
            kind, text, at = HistoryKind.NOTE, title, answer.created_at
        elif answer.state is AnswerState.PUBLISHED:
            kind, text = HistoryKind.ANSWER, f"{title} опубликован"
            at = answer.published_at or answer.created_at
        else:
            kind, text = HistoryKind.ANSWER, f"{title}: {ANSWER_STATE_TITLES[answer.state].lower()}"
            at = answer.created_at
        entries.append(
            HistoryEntry(
                at=at,
                kind=kind,
                text=_with_rejection(text, change),
                actor=answer.author,
                state=_change_state(change),
                quote=answer.text,
            )
        )
    answer_ids = {str(a.id) for a in answers}
    answered = {  # shown on their answer's own entry
        c.mutation_id
        for c in pending
        if c.name in (wire.MutationName.ANSWER_ADD.value, wire.MutationName.ANSWER_SET_STATE.value)
        and str(c.args.get("id", c.args.get("answer_id"))) in answer_ids
    }
    for change in pending:
        if change.mutation_id in shown or change.mutation_id in answered:
            continue
        entries.append(
            HistoryEntry(
                at=change.created_at,
                kind=HistoryKind.OPERATION,
                text=_with_rejection(change.title, change),
                state=change.state,
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def incident_detail(conn: Connection, incident_id: str) -> IncidentDetail | None:
    """Everything the incident card shows, or ``None`` when the incident is unknown here."""
    row = get_incident(conn, incident_id)
    if row is None:
        return None
    incident = localstate.incident_from_row(row)
    key = str(incident.id)
    answers = sorted(
        localstate.load_answers(conn, key, base=False).values(), key=lambda a: a.created_at
    )
    pending = [_pending(r) for r in localstate.outbox_rows(conn, entity_id=key)]
    events = history.events_of(conn, key)
    channel = wire.registration_channel(incident.source, incident.external_id)
    return IncidentDetail(
        incident=_entity(incident),
        answers=[_answer_entity(a) for a in answers],
        current_due=row["current_due"],
        current_warn_at=row["current_warn_at"],
        local_changed=bool(row["local_changed"]),
        draft=draft(conn, key),
        pending=pending,
        history=_history(incident, answers, pending, events, _executor_names(conn, events)),
        provisional=bool(localstate.provisional_incident_ids(conn, [key])),
        channel=None if channel is None else channel.value,
        duplicates=merged_duplicates(conn, answers),
    )


def _executor_names(conn: Connection, events: Sequence[history.IncidentEvent]) -> dict[str, str]:
    ids = {e.to_value for e in events if e.field == history.FIELD_EXECUTOR and e.to_value}
    if not ids:
        return {}
    e = executor_table
    return {
        str(r.id): str(r.name)
        for r in conn.execute(select(e.c.id, e.c.name).where(e.c.id.in_(sorted(ids))))
    }


_MERGED_NOTE = re.compile(re.escape(MERGED_NOTE_PREFIX) + r"([0-9a-fA-F-]{36})")


def merged_duplicates(conn: Connection, answers: Sequence[wire.AnswerWire]) -> list[DuplicateRef]:
    """Incidents merged into this one, from its merge notes (oldest first, known here only).

    :func:`cur_desktop.services.operations.merge_duplicate` leaves on the original an internal
    note naming the duplicate's id; each one found that this workstation holds and that is
    rejected as a duplicate is listed (a merge rejected by the server is not).
    """
    found: list[DuplicateRef] = []
    seen: set[str] = set()
    for answer in answers:
        if answer.kind is not AnswerKind.INTERNAL_NOTE:
            continue
        match = _MERGED_NOTE.match(answer.text)
        if match is None or match.group(1) in seen:
            continue
        seen.add(match.group(1))
        row = get_incident(conn, match.group(1))
        if row is None or row["reject_reason"] != RejectReason.DUPLICATE:
            continue
        found.append(
            DuplicateRef(
                id=str(row["id"]),
                received_at=row["received_at"],
                source=Source(row["source"]),
                author=str(row["author"] or ""),
                preview=str(row["text"])[:120],
            )
        )
    return found


# --------------------------------------------------------------------------- statistics


def period_stats(conn: Connection, flt: InboxFilter, now: datetime) -> stats.PeriodStats:
    """Figures of the incidents matching ``flt``."""
    return stats.period_stats(conn, flt, now)


def month_stats(
    conn: Connection, region_code: str, month_start: datetime, month_end: datetime, now: datetime
) -> list[stats.MunicipalityStats]:
    """Figures per municipality of a region's month."""
    return stats.month_stats_by_municipality(conn, region_code, month_start, month_end, now)


# --------------------------------------------------------------------------- pick lists


def municipalities(conn: Connection) -> list[NamedRef]:
    """Municipalities known locally, by name."""
    m = municipality_table
    return [
        NamedRef(id=str(r.id), name=str(r.name))
        for r in conn.execute(select(m.c.id, m.c.name).order_by(m.c.name, m.c.id))
    ]


def executors(conn: Connection, municipality_id: str | None) -> list[NamedRef]:
    """Executors known locally, by name."""
    e = executor_table
    stmt = select(e.c.id, e.c.name, e.c.municipality_id).order_by(e.c.name, e.c.id)
    if municipality_id is not None:
        stmt = stmt.where(e.c.municipality_id == municipality_id)
    return [
        NamedRef(id=str(r.id), name=str(r.name), municipality_id=r.municipality_id)
        for r in conn.execute(stmt)
    ]


def assignees(conn: Connection) -> list[str]:
    """Logins seen as assignees, sorted."""
    col = incident_table.c.assignee
    return sorted(
        str(v) for v in conn.execute(select(distinct(col)).where(col.is_not(None))).scalars()
    )


def needs_attention(conn: Connection) -> list[PendingChange]:
    """Rejected mutations, oldest first."""
    return [_pending(r) for r in localstate.outbox_rows(conn, state=localstate.REJECTED)]
