"""The operator's and supervisor's actions, turned into mutations of the sync contract.

Each function runs inside ONE write transaction (a :class:`DbWriter` job of
:class:`cur_desktop.services.workstation.Workstation`), checks what the person may do against
what this workstation shows, and records one or more mutations through
:func:`cur_desktop.storage.outbox.record_local_mutation` (which applies the contract's rule,
:mod:`cur_desktop.contract.mutations`, to the view and queues the mutation in the outbox in the
same transaction). Refusals raise :class:`OperationError` or the rule's ``MutationRejected``;
either rolls the whole transaction back, so a multi-step action (route = classify +
transitions) is all or nothing.

The follow-up of a published answer (status moved forward) is a design choice of ours,
recorded in docs/SERVICES.md.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from cur_desktop.contract import wire
from cur_desktop.domain.enums import (
    AnswerKind,
    AnswerState,
    Outcome,
    Priority,
    RejectReason,
    Role,
    Source,
    Status,
)
from cur_desktop.domain.status_machine import (
    STATUS_TITLES,
    TRANSITIONS,
    executor_refusal,
    routing_refusal,
)
from cur_desktop.reference.data import load_topics
from cur_desktop.services.outcomes import (
    CODE_FORBIDDEN,
    CODE_INVALID,
    CODE_NOT_FOUND,
    Changes,
    OperationError,
)
from cur_desktop.storage import attachments, drafts, localstate, outbox, sync_state
from cur_desktop.storage.tables import executor_table, municipality_table

log = logging.getLogger(__name__)

_SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
MAX_NOTE_PREVIEW = 300
MERGED_NOTE_PREFIX = "Присоединён дубликат "
"""Start of the note :func:`merge_duplicate` leaves on the original (the card lists them)."""


# --------------------------------------------------------------------------- helpers


def _incident(conn: Connection, incident_id: str) -> wire.IncidentWire:
    incident = localstate.load_view_incident(conn, _uuid_text(incident_id))
    if incident is None:
        raise OperationError("Инцидент не найден", CODE_NOT_FOUND)
    return incident


def _uuid_text(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise OperationError("Неверный идентификатор", CODE_INVALID) from exc


def _me(conn: Connection) -> str:
    login = sync_state.get_state(conn, sync_state.KEY_LOGIN)
    if not login:
        raise OperationError(
            "Профиль не привязан к пользователю: сначала войдите на сервер ЦУР", CODE_FORBIDDEN
        )
    return login


def _role(conn: Connection) -> Role | None:
    value = sync_state.get_state(conn, sync_state.KEY_ROLE)
    try:
        return None if not value else Role(value)
    except ValueError:
        return None


def _require_supervisor(conn: Connection, what: str) -> None:
    if _role(conn) not in _SUPERVISING:
        raise OperationError(f"{what} может только руководитель", CODE_FORBIDDEN)


def _record(
    conn: Connection, name: wire.MutationName, args: Mapping[str, Any], now: datetime
) -> int:
    return outbox.record_local_mutation(conn, name, args, now=now)


def _transition(
    conn: Connection,
    incident_id: str,
    from_status: Status,
    to_status: Status,
    now: datetime,
    *,
    outcome: Outcome | None = None,
    reject_reason: RejectReason | None = None,
) -> int:
    args: dict[str, Any] = {
        "incident_id": incident_id,
        "from_status": from_status.value,
        "to_status": to_status.value,
    }
    if outcome is not None:
        args["outcome"] = outcome.value
    if reject_reason is not None:
        args["reject_reason"] = reject_reason.value
    return _record(conn, wire.MutationName.INCIDENT_TRANSITION, args, now)


def _clean_text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise OperationError(f"{what}: текст пуст", CODE_INVALID)
    if len(cleaned.encode()) > wire.MAX_TEXT_BYTES:
        raise OperationError(f"{what}: текст слишком длинный", CODE_INVALID)
    return cleaned


def _add_answer(
    conn: Connection,
    incident_id: str,
    kind: AnswerKind,
    state: AnswerState,
    text: str,
    *,
    now: datetime,
    with_evidence: bool = False,
) -> tuple[str, int]:
    """Record ``answer.add``; ``with_evidence``: the incident's draft attachments go with it."""
    answer_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": answer_id,
        "incident_id": incident_id,
        "kind": kind.value,
        "state": state.value,
        "text": text,
    }
    if with_evidence and (evidence := attachments.bind_drafts(conn, incident_id, answer_id)):
        args["attachment_ids"] = evidence
    mutation_id = _record(conn, wire.MutationName.ANSWER_ADD, args, now)
    return answer_id, mutation_id


# Forward order of the life cycle: a published answer only ever moves the status forward.
_RANK: Mapping[Status, int] = {
    Status.NEW: 0,
    Status.REOPENED: 1,
    Status.MODERATION: 1,
    Status.SENT_TO_EXECUTOR: 2,
    Status.REWORK: 2,
    Status.ANSWER_REVIEW: 3,
    Status.PRIMARY_ANSWERED: 4,
    Status.ON_CONTROL: 5,
    Status.CLOSED: 6,
}


def forward_path(current: Status, target: Status) -> list[Status]:
    """Shortest chain of allowed moves from ``current`` to ``target`` that only goes forward.

    Forward: each step raises the stage (``_RANK``); ``rejected`` is never passed. Empty when
    ``current`` is ``target``, or already past it, or no forward chain exists.
    """
    if current not in _RANK or target not in _RANK or _RANK[target] <= _RANK[current]:
        return []
    previous: dict[Status, Status] = {}
    queue = deque([current])
    while queue:
        here = queue.popleft()
        if here is target:
            path = [here]
            while path[-1] is not current:
                path.append(previous[path[-1]])
            return list(reversed(path))[1:]
        for nxt in sorted(TRANSITIONS[here], key=lambda s: _RANK.get(s, 99)):
            if nxt in _RANK and _RANK[nxt] > _RANK[here] and nxt not in previous:
                previous[nxt] = here
                queue.append(nxt)
    return []


_PUBLISH_TARGET: Mapping[AnswerKind, Status] = {
    AnswerKind.SOLUTION: Status.PRIMARY_ANSWERED,
    AnswerKind.INTERIM: Status.ON_CONTROL,
    AnswerKind.FINAL: Status.CLOSED,
}


def _after_publish(
    conn: Connection, incident_id: str, kind: AnswerKind, now: datetime, outcome: Outcome
) -> list[int]:
    """Move the status forward after a published answer of ``kind`` (see docs/SERVICES.md)."""
    target = _PUBLISH_TARGET.get(kind)
    if target is None:
        return []
    current = _incident(conn, incident_id).status
    ids: list[int] = []
    for step in forward_path(current, target):
        ids.append(
            _transition(
                conn,
                incident_id,
                current,
                step,
                now,
                outcome=outcome if step is Status.CLOSED else None,
            )
        )
        current = step
    return ids


# --------------------------------------------------------------------------- registration

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of this computer's clock a hand-entered received time may lie."""


def register_incident(
    conn: Connection,
    now: datetime,
    *,
    channel: str,
    text: str,
    author: str = "",
    contact: str = "",
    received_at: datetime | None = None,
    region_code: str | None = None,
    municipality_id: str | None = None,
    topic_code: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> Changes:
    """Register by hand what a resident said by phone, in a letter or in person.

    ``channel``: ``phone``, ``letter`` or ``visit`` (:class:`wire.RegistrationChannel`).
    Recorded at once through the outbox (works offline) as ``incident.register`` with a new id;
    its deadlines are computed here by the region's rules and are provisional until the server
    confirms the incident. The region is the signed-in user's: another one is refused (the
    server takes the caller's region anyway). ``received_at`` defaults to ``now``.
    """
    _me(conn)
    try:
        how = wire.RegistrationChannel(channel)
    except ValueError as exc:
        raise OperationError(f"Неизвестный канал обращения: {channel}", CODE_INVALID) from exc
    own_region = sync_state.get_state(conn, sync_state.KEY_REGION)
    if not own_region:
        raise OperationError(
            "Профиль не привязан к региону: сначала войдите на сервер ЦУР", CODE_FORBIDDEN
        )
    if region_code is not None and region_code != own_region:
        raise OperationError(
            f"Регистрировать обращения можно только в своём регионе ({own_region})",
            CODE_FORBIDDEN,
        )
    if not text.strip():
        raise OperationError("Введите текст обращения", CODE_INVALID)
    received = now if received_at is None else received_at
    if received.tzinfo is None:
        raise OperationError("Время поступления без часового пояса", CODE_INVALID)
    if received > now + FUTURE_TOLERANCE:
        raise OperationError("Время поступления не может быть в будущем", CODE_INVALID)
    _check_topic(topic_code, None)
    if municipality_id is not None:
        _check_municipality(conn, municipality_id)
    key = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": key,
        "channel": how.value,
        "author": author.strip(),
        "contact": contact.strip(),
        "text": text.strip(),
        "received_at": received.isoformat(),
        "priority": priority.value,
    }
    if municipality_id is not None:
        args["municipality_id"] = municipality_id
    if topic_code is not None:
        args["topic_code"] = topic_code
    mutation_id = _record(conn, wire.MutationName.INCIDENT_REGISTER, args, now)
    log.info("registered incident %s by hand (%s)", key, how.value)
    return Changes.local([key], [mutation_id])


# --------------------------------------------------------------------------- assignment


def take(conn: Connection, incident_id: str, now: datetime) -> Changes:
    """Assign a free incident to the logged-in user (see ``Workstation.take``)."""
    me = _me(conn)
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    if incident.assignee == me:
        return Changes.local(())
    mid = _record(
        conn,
        wire.MutationName.INCIDENT_ASSIGN,
        {"incident_id": key, "expected": None, "assignee": me},
        now,
    )
    return Changes.local([key], [mid])


def release(conn: Connection, incident_id: str, now: datetime) -> Changes:
    """Give back an incident the logged-in user holds."""
    me = _me(conn)
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    if incident.assignee is None:
        return Changes.local(())
    if incident.assignee != me:
        raise OperationError(
            f"Инцидент в работе у сотрудника {incident.assignee}, а не у вас", CODE_FORBIDDEN
        )
    mid = _record(
        conn,
        wire.MutationName.INCIDENT_ASSIGN,
        {"incident_id": key, "expected": me, "assignee": None},
        now,
    )
    return Changes.local([key], [mid])


def assign(
    conn: Connection,
    incident_id: str,
    assignee: str | None,
    now: datetime,
    *,
    held: bool = False,
) -> Changes:
    """Assign / reassign (compare-and-set against the assignee shown here)."""
    me = _me(conn)
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    target = assignee.strip() if assignee is not None else None
    if target == "":
        raise OperationError("Укажите сотрудника", CODE_INVALID)
    if held and incident.assignee is None:
        raise OperationError(
            "Инцидент ни на кого не назначен: назначьте его, а не переназначайте", CODE_INVALID
        )
    if incident.assignee == target:
        return Changes.local(())
    if not (incident.assignee in (None, me) and target in (None, me)):
        _require_supervisor(conn, "Назначать и переназначать инциденты")
    mid = _record(
        conn,
        wire.MutationName.INCIDENT_ASSIGN,
        {"incident_id": key, "expected": incident.assignee, "assignee": target},
        now,
    )
    return Changes.local([key], [mid])


# --------------------------------------------------------------------------- classification


def _check_municipality(conn: Connection, municipality_id: str) -> None:
    found = conn.execute(
        select(municipality_table.c.id).where(municipality_table.c.id == municipality_id)
    ).first()
    if found is None:
        raise OperationError(f"Муниципалитет {municipality_id} не найден", CODE_INVALID)


def _check_topic(topic_code: str | None, subtopic_code: str | None) -> None:
    topics = {t.code: t for t in load_topics()}
    if topic_code is not None and topic_code not in topics:
        raise OperationError(f"Неизвестная тема: {topic_code}", CODE_INVALID)
    if subtopic_code is not None:
        owner = topics.get(subtopic_code.split(".", 1)[0])
        if owner is None or subtopic_code not in {s.code for s in owner.subtopics}:
            raise OperationError(f"Неизвестная подтема: {subtopic_code}", CODE_INVALID)
        if topic_code is not None and owner.code != topic_code:
            raise OperationError("Подтема не относится к выбранной теме", CODE_INVALID)


def classify(
    conn: Connection,
    incident_id: str,
    now: datetime,
    *,
    topic_code: str | None = None,
    subtopic_code: str | None = None,
    municipality_id: str | None = None,
    priority: Priority | None = None,
    source: Source | None = None,
) -> Changes:
    """Set classification fields; a new incident moves to moderation with it."""
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    if all(v is None for v in (topic_code, subtopic_code, municipality_id, priority, source)):
        raise OperationError("Нечего менять: не выбрано ни одного поля", CODE_INVALID)
    _check_topic(topic_code, subtopic_code)
    if municipality_id is not None:
        _check_municipality(conn, municipality_id)
    args: dict[str, Any] = {"incident_id": key}
    for name, value in (
        ("topic_code", topic_code),
        ("subtopic_code", subtopic_code),
        ("municipality_id", municipality_id),
        ("priority", None if priority is None else priority.value),
        ("source", None if source is None else source.value),
    ):
        if value is not None:
            args[name] = value
    ids = [_record(conn, wire.MutationName.INCIDENT_CLASSIFY, args, now)]
    if incident.status is Status.NEW:
        ids.append(_transition(conn, key, Status.NEW, Status.MODERATION, now))
    return Changes.local([key], ids)


def route_to_executor(
    conn: Connection, incident_id: str, executor_id: str, now: datetime
) -> Changes:
    """Set the executor and move the status to ``sent_to_executor`` (see the Workstation)."""
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    found = conn.execute(
        select(executor_table.c.id).where(executor_table.c.id == executor_id)
    ).first()
    if found is None:
        raise OperationError(f"Исполнитель {executor_id} не найден", CODE_INVALID)
    status = incident.status
    chain: list[Status]
    if status is Status.SENT_TO_EXECUTOR:
        chain = []
    elif status is Status.NEW:
        chain = [Status.MODERATION, Status.SENT_TO_EXECUTOR]
    elif Status.SENT_TO_EXECUTOR in TRANSITIONS[status]:
        chain = [Status.SENT_TO_EXECUTOR]
    else:
        raise OperationError(
            f"Инцидент в статусе «{STATUS_TITLES[status]}» нельзя направить исполнителю",
            "illegal_transition",
        )
    ids: list[int] = []
    if incident.executor_id != executor_id:
        ids.append(
            _record(
                conn,
                wire.MutationName.INCIDENT_CLASSIFY,
                {"incident_id": key, "executor_id": executor_id},
                now,
            )
        )
    for step in chain:
        ids.append(_transition(conn, key, status, step, now))
        status = step
    return Changes.local([key] if ids else [], ids)


# --------------------------------------------------------------------------- status


def change_status(
    conn: Connection,
    incident_id: str,
    to_status: Status,
    now: datetime,
    *,
    outcome: Outcome | None = None,
    reject_reason: RejectReason | None = None,
) -> Changes:
    """Move the status from what this workstation shows to ``to_status``."""
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    if incident.status is to_status:
        return Changes.local(())
    refusal = routing_refusal(incident.status, to_status, incident.executor_id)
    if refusal is not None:
        raise OperationError(refusal, wire.RejectCode.ILLEGAL_TRANSITION.value)
    mid = _transition(
        conn, key, incident.status, to_status, now, outcome=outcome, reject_reason=reject_reason
    )
    return Changes.local([key], [mid])


def reject(
    conn: Connection,
    incident_id: str,
    reason: RejectReason,
    comment: str | None,
    now: datetime,
) -> Changes:
    """Reject with ``reason``; ``comment`` becomes an internal note."""
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    ids = [_transition(conn, key, incident.status, Status.REJECTED, now, reject_reason=reason)]
    if comment is not None and comment.strip():
        _, mid = _add_answer(
            conn,
            key,
            AnswerKind.INTERNAL_NOTE,
            AnswerState.DRAFT,
            _clean_text(comment, "Комментарий"),
            now=now,
        )
        ids.append(mid)
    return Changes.local([key], ids)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_NOTE_PREVIEW else flat[: MAX_NOTE_PREVIEW - 1] + "…"


def merge_duplicate(conn: Connection, duplicate_id: str, into_id: str, now: datetime) -> Changes:
    """Reject the duplicate as such, with cross-referencing notes on both incidents."""
    duplicate = _incident(conn, duplicate_id)
    primary = _incident(conn, into_id)
    dup_key, primary_key = str(duplicate.id), str(primary.id)
    if dup_key == primary_key:
        raise OperationError("Инцидент нельзя объединить с самим собой", CODE_INVALID)
    if primary.status is Status.REJECTED:
        raise OperationError(
            "Основной инцидент отклонён: объединяйте с действующим инцидентом", CODE_INVALID
        )
    ids = [
        _transition(
            conn,
            dup_key,
            duplicate.status,
            Status.REJECTED,
            now,
            reject_reason=RejectReason.DUPLICATE,
        )
    ]
    _, mid = _add_answer(
        conn,
        dup_key,
        AnswerKind.INTERNAL_NOTE,
        AnswerState.DRAFT,
        f"Дубликат: объединён с инцидентом {primary_key} ({primary.source.value}, "
        f"{primary.external_id}).",
        now=now,
    )
    ids.append(mid)
    link = f" {duplicate.link}" if duplicate.link else ""
    author = duplicate.author or "автор не указан"
    _, mid = _add_answer(
        conn,
        primary_key,
        AnswerKind.INTERNAL_NOTE,
        AnswerState.DRAFT,
        f"{MERGED_NOTE_PREFIX}{dup_key} ({duplicate.source.value}{link}), {author}: "
        f"{_short(duplicate.text)}",
        now=now,
    )
    ids.append(mid)
    return Changes.local([dup_key, primary_key], ids)


# --------------------------------------------------------------------------- answers


def save_draft(
    conn: Connection, incident_id: str, kind: AnswerKind, text: str, now: datetime
) -> Changes:
    """Keep (or with empty text, delete) the incident's draft; nothing is queued."""
    key = str(_incident(conn, incident_id).id)
    if not kind.is_public:
        raise OperationError("Черновик — это ответ жителю; заметку добавьте сразу", CODE_INVALID)
    if not text.strip():
        drafts.delete_draft(conn, key)
    else:
        if len(text.encode()) > wire.MAX_TEXT_BYTES:
            raise OperationError("Черновик: текст слишком длинный", CODE_INVALID)
        drafts.save_draft(conn, key, kind, text, now)
    return Changes.local([key])


def discard_draft(conn: Connection, incident_id: str, now: datetime) -> Changes:
    """Delete the incident's draft."""
    key = _uuid_text(incident_id)
    return Changes.local([key] if drafts.delete_draft(conn, key) else [])


def send_answer(
    conn: Connection,
    incident_id: str,
    kind: AnswerKind,
    text: str,
    now: datetime,
    *,
    for_approval: bool,
    outcome: Outcome,
) -> Changes:
    """Queue a public answer (published or for approval), drop the draft, move the status."""
    incident = _incident(conn, incident_id)
    key = str(incident.id)
    if not kind.is_public:
        raise OperationError(
            "Внутренняя заметка не отправляется жителю: добавьте её как заметку", CODE_INVALID
        )
    body = _clean_text(text, "Ответ")
    state = AnswerState.ON_APPROVAL if for_approval else AnswerState.PUBLISHED
    refusal = executor_refusal(kind, state, incident.executor_id)
    if refusal is not None:  # the server refuses it too (contract.registry)
        raise OperationError(refusal, CODE_INVALID)
    _, mid = _add_answer(conn, key, kind, state, body, now=now, with_evidence=True)
    ids = [mid]
    drafts.delete_draft(conn, key)
    if not for_approval:
        ids += _after_publish(conn, key, kind, now, outcome)
    return Changes.local([key], ids)


def _answer(conn: Connection, answer_id: str) -> tuple[str, wire.AnswerWire]:
    key = _uuid_text(answer_id)
    incident_id = localstate.incident_of_answer(conn, key)
    if incident_id is None:
        raise OperationError("Ответ не найден", CODE_NOT_FOUND)
    answer = localstate.load_answers(conn, incident_id, base=False).get(key)
    if answer is None:
        raise OperationError("Ответ не найден", CODE_NOT_FOUND)
    return incident_id, answer


def _set_answer_state(
    conn: Connection, answer: wire.AnswerWire, to_state: AnswerState, now: datetime
) -> int:
    return _record(
        conn,
        wire.MutationName.ANSWER_SET_STATE,
        {
            "answer_id": str(answer.id),
            "from_state": answer.state.value,
            "to_state": to_state.value,
        },
        now,
    )


def publish_answer(conn: Connection, answer_id: str, now: datetime, *, outcome: Outcome) -> Changes:
    """Publish an approved answer and move the status forward."""
    incident_id, answer = _answer(conn, answer_id)
    refusal = executor_refusal(
        answer.kind, AnswerState.PUBLISHED, _incident(conn, incident_id).executor_id
    )
    if refusal is not None:
        raise OperationError(refusal, CODE_INVALID)
    ids = [_set_answer_state(conn, answer, AnswerState.PUBLISHED, now)]
    ids += _after_publish(conn, incident_id, answer.kind, now, outcome)
    return Changes.local([incident_id], ids)


def add_note(conn: Connection, incident_id: str, text: str, now: datetime) -> Changes:
    """Queue an internal note."""
    key = str(_incident(conn, incident_id).id)
    _, mid = _add_answer(
        conn,
        key,
        AnswerKind.INTERNAL_NOTE,
        AnswerState.DRAFT,
        _clean_text(text, "Внутренняя заметка"),
        now=now,
    )
    return Changes.local([key], [mid])


def approve_answer(conn: Connection, answer_id: str, now: datetime) -> Changes:
    """Approve an answer on approval (supervisors)."""
    _require_supervisor(conn, "Согласовать ответ")
    incident_id, answer = _answer(conn, answer_id)
    mid = _set_answer_state(conn, answer, AnswerState.APPROVED, now)
    return Changes.local([incident_id], [mid])


def return_answer(conn: Connection, answer_id: str, reason: str | None, now: datetime) -> Changes:
    """Return an answer for correction (supervisors), with the reason as a note."""
    _require_supervisor(conn, "Вернуть ответ на исправление")
    incident_id, answer = _answer(conn, answer_id)
    ids = [_set_answer_state(conn, answer, AnswerState.RETURNED, now)]
    if reason is not None and reason.strip():
        _, mid = _add_answer(
            conn,
            incident_id,
            AnswerKind.INTERNAL_NOTE,
            AnswerState.DRAFT,
            "Ответ возвращён на исправление: " + _clean_text(reason, "Причина возврата"),
            now=now,
        )
        ids.append(mid)
    return Changes.local([incident_id], ids)


# --------------------------------------------------------------------------- needs attention


def _rejected(conn: Connection, mutation_id: int) -> localstate.OutboxRow:
    row = localstate.get_outbox_row(conn, mutation_id)
    if row is None or row.state != localstate.REJECTED:
        raise OperationError("Такого отклонённого изменения нет", CODE_NOT_FOUND)
    return row


def retry_rejected(conn: Connection, mutation_id: int, now: datetime) -> Changes:
    """Queue a rejected mutation again, unchanged."""
    row = _rejected(conn, mutation_id)
    new_id = outbox.retry(conn, mutation_id, now=now)
    return Changes.local([row.entity_id] if row.entity_id else [], [new_id])


def edit_rejected(
    conn: Connection, mutation_id: int, new_args: Mapping[str, Any], now: datetime
) -> Changes:
    """Replace a rejected mutation by the same action with ``new_args``."""
    row = _rejected(conn, mutation_id)
    new_id = outbox.edit(conn, mutation_id, new_args, now=now)
    touched = {row.entity_id} if row.entity_id else set()
    new_row = localstate.get_outbox_row(conn, new_id)
    if new_row is not None and new_row.entity_id:
        touched.add(new_row.entity_id)
    return Changes.local(touched, [new_id])


def discard_rejected(conn: Connection, mutation_id: int, now: datetime) -> Changes:
    """Drop a rejected mutation for good."""
    row = _rejected(conn, mutation_id)
    outbox.discard(conn, mutation_id)
    log.debug("discarded rejected mutation %d at %s", mutation_id, now)
    return Changes.local([row.entity_id] if row.entity_id else [])
