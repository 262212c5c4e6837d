"""Pure mutation rules shared by the central server and the client (no I/O).

Both sides apply a pushed mutation with these functions, through the mutation's declaration in
:mod:`cur_desktop.contract.registry` (the one table that routes a name to its rule), so the
state the client shows while a mutation is pending is the state the server will confirm (or
the reason it will refuse).
The rules (see DESIGN.md, "Sync contract"):

* ``incident.create``: a retry of the same id returns the stored incident unchanged;
* ``incident.transition``: ``from -> to`` applies if the incident is at ``from``, succeeds
  quietly if it is already at ``to``, otherwise it is a ``status_conflict``; a move the status
  machine forbids is an ``illegal_transition``, and so is a move into ``sent_to_executor``
  while the incident has no executor (``domain.status_machine.routing_refusal``);
* ``incident.assign``: compare-and-set on the assignee (``assign_conflict`` names the holder);
* answers are append-only rows with their own ids; a state change is ``from -> to`` too;
* ``version`` grows by one on every effective change; a no-op keeps it.

Client clocks decide nothing: ``now`` is the applier's clock (the server's, on the server).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.domain.status_machine import (
    ANSWER_STATE_TITLES,
    STATUS_TITLES,
    IllegalTransitionError,
    check_answer_transition,
    check_transition,
    routing_refusal,
)

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=BaseModel)


class MutationRejected(Exception):  # noqa: N818 (name fixed by the shared contract)
    """A mutation the rules refuse; ``message`` is Russian and shown to the operator."""

    def __init__(self, code: wire.RejectCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"MutationRejected({self.code.value!r}, {self.message!r})"


def status_label(status: Status) -> str:
    """Russian name of a status, for messages (lower case, to sit inside a sentence)."""
    title = STATUS_TITLES.get(status, status.value)
    return title[:1].lower() + title[1:]


def answer_state_label(state: AnswerState) -> str:
    """Russian name of an answer state, for messages (lower case)."""
    title = ANSWER_STATE_TITLES.get(state, state.value)
    return title[:1].lower() + title[1:]


def errors_text(exc: ValidationError) -> str:
    """Short, readable summary of pydantic errors (field: problem; ...)."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "данные"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _as(model: type[_M], args: BaseModel | dict[str, Any], name: wire.MutationName) -> _M:
    """Accept parsed args of ``model`` or a raw dict; anything else is ``invalid``."""
    if isinstance(args, model):
        return args
    if isinstance(args, dict):
        try:
            return model.model_validate(args)
        except ValidationError as exc:
            raise MutationRejected(
                wire.RejectCode.INVALID, f"Неверные данные действия «{name}»: {errors_text(exc)}"
            ) from exc
    raise MutationRejected(wire.RejectCode.INVALID, f"Неверные данные действия «{name}»")


def _existing(current: wire.IncidentWire | None) -> wire.IncidentWire:
    if current is None:
        raise MutationRejected(wire.RejectCode.NOT_FOUND, "Инцидент не найден")
    return current


def create_incident(
    current: wire.IncidentWire | None,
    args: wire.IncidentCreateArgs | dict[str, Any],
    *,
    region_code: str,
    now: datetime,
) -> wire.IncidentWire:
    """``incident.create``: a new incident in ``region_code``; a retry of the same id returns
    the stored incident unchanged; another incident with that id is a ``duplicate``."""
    create = _as(wire.IncidentCreateArgs, args, wire.MutationName.INCIDENT_CREATE)
    return _create(current, create, region_code=region_code, now=now)


def classify_incident(
    current: wire.IncidentWire | None,
    args: wire.IncidentClassifyArgs | dict[str, Any],
    *,
    now: datetime,
) -> wire.IncidentWire:
    """``incident.classify``: set the fields given (``None`` leaves a field unchanged)."""
    parsed = _as(wire.IncidentClassifyArgs, args, wire.MutationName.INCIDENT_CLASSIFY)
    return _classify(_existing(current), parsed, now=now)


def transition_incident(
    current: wire.IncidentWire | None,
    args: wire.IncidentTransitionArgs | dict[str, Any],
    *,
    now: datetime,
) -> wire.IncidentWire:
    """``incident.transition``: ``from -> to`` (see the module docstring)."""
    parsed = _as(wire.IncidentTransitionArgs, args, wire.MutationName.INCIDENT_TRANSITION)
    return _transition(_existing(current), parsed, now=now)


def assign_incident(
    current: wire.IncidentWire | None,
    args: wire.IncidentAssignArgs | dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> wire.IncidentWire:
    """``incident.assign``: compare-and-set on the assignee."""
    parsed = _as(wire.IncidentAssignArgs, args, wire.MutationName.INCIDENT_ASSIGN)
    return _assign(_existing(current), parsed, actor=actor, now=now)


def _create(
    current: wire.IncidentWire | None,
    args: wire.IncidentCreateArgs,
    *,
    region_code: str,
    now: datetime,
) -> wire.IncidentWire:
    if current is not None:
        if current.id == args.id:
            return current  # a retry of the same create
        raise MutationRejected(
            wire.RejectCode.DUPLICATE, "Инцидент с таким идентификатором уже существует"
        )
    return wire.IncidentWire(
        id=args.id,
        source=args.source,
        external_id=args.external_id,
        link=args.link,
        author=args.author,
        text=args.text,
        received_at=args.received_at,
        region_code=region_code,
        municipality_id=args.municipality_id,
        topic_code=args.topic_code,
        subtopic_code=args.subtopic_code,
        priority=args.priority,
        version=1,
        updated_at=now,
    )


def _changed(current: wire.IncidentWire, now: datetime, **fields: Any) -> wire.IncidentWire:
    """Return ``current`` with ``fields`` set, or ``current`` itself when nothing differs."""
    effective = {k: v for k, v in fields.items() if getattr(current, k) != v}
    if not effective:
        return current
    return current.model_copy(
        update={**effective, "version": current.version + 1, "updated_at": now}
    )


def _classify(
    current: wire.IncidentWire, args: wire.IncidentClassifyArgs, *, now: datetime
) -> wire.IncidentWire:
    fields = {
        k: v
        for k, v in args.model_dump(exclude={"incident_id"}).items()
        if v is not None  # None means "leave unchanged"
    }
    return _changed(current, now, **fields)


def _transition(
    current: wire.IncidentWire, args: wire.IncidentTransitionArgs, *, now: datetime
) -> wire.IncidentWire:
    if current.status == args.to_status and args.from_status != args.to_status:
        return current  # someone (or an earlier retry) already moved it there
    if current.status != args.from_status:
        raise MutationRejected(
            wire.RejectCode.STATUS_CONFLICT,
            f"Статус инцидента уже «{status_label(current.status)}», "
            f"а не «{status_label(args.from_status)}»: действие не выполнено",
        )
    try:
        check_transition(
            args.from_status,
            args.to_status,
            outcome=args.outcome,
            reject_reason=args.reject_reason,
        )
    except IllegalTransitionError as exc:
        raise MutationRejected(wire.RejectCode.ILLEGAL_TRANSITION, str(exc)) from exc
    refusal = routing_refusal(args.from_status, args.to_status, current.executor_id)
    if refusal is not None:
        raise MutationRejected(wire.RejectCode.ILLEGAL_TRANSITION, refusal)
    terminal_fields: dict[str, Any] = {
        "outcome": args.outcome if args.to_status is Status.CLOSED else None,
        "reject_reason": args.reject_reason if args.to_status is Status.REJECTED else None,
    }
    return _changed(current, now, status=args.to_status, **terminal_fields)


def _assign(
    current: wire.IncidentWire, args: wire.IncidentAssignArgs, *, actor: str, now: datetime
) -> wire.IncidentWire:
    if current.assignee == args.assignee:
        return current
    if current.assignee != args.expected:
        if current.assignee is None:
            message = "Инцидент уже освобождён: назначение изменилось, обновите карточку"
        else:
            message = f"Инцидент уже в работе у сотрудника {current.assignee}"
        raise MutationRejected(wire.RejectCode.ASSIGN_CONFLICT, message)
    log.debug("%s assigns incident %s to %s", actor, current.id, args.assignee)
    return _changed(current, now, assignee=args.assignee)


def apply_answer_add(
    existing: wire.AnswerWire | None,
    args: wire.AnswerAddArgs | dict[str, Any],
    *,
    author: str,
    now: datetime,
) -> wire.AnswerWire:
    """Append an answer; the same id again returns ``existing`` unchanged (a retry)."""
    add = _as(wire.AnswerAddArgs, args, wire.MutationName.ANSWER_ADD)
    if existing is not None:
        if existing.id == add.id and existing.incident_id == add.incident_id:
            return existing
        raise MutationRejected(
            wire.RejectCode.DUPLICATE, "Ответ с таким идентификатором уже существует"
        )
    if add.kind is AnswerKind.INTERNAL_NOTE and add.state is AnswerState.PUBLISHED:
        raise MutationRejected(wire.RejectCode.INVALID, "Внутреннюю заметку нельзя опубликовать")
    if add.state not in (AnswerState.DRAFT, AnswerState.ON_APPROVAL, AnswerState.PUBLISHED):
        raise MutationRejected(
            wire.RejectCode.INVALID,
            "Новый ответ может быть только черновиком, на согласовании или опубликованным",
        )
    return wire.AnswerWire(
        id=add.id,
        incident_id=add.incident_id,
        kind=add.kind,
        state=add.state,
        text=add.text,
        author=author,
        created_at=now,
        published_at=now if add.state is AnswerState.PUBLISHED else None,
        version=1,
    )


def apply_answer_state(
    current: wire.AnswerWire | None,
    args: wire.AnswerSetStateArgs | dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> wire.AnswerWire:
    """Move an answer ``from_state -> to_state`` with the same rules as a status change."""
    move = _as(wire.AnswerSetStateArgs, args, wire.MutationName.ANSWER_SET_STATE)
    if current is None:
        raise MutationRejected(wire.RejectCode.NOT_FOUND, "Ответ не найден")
    if current.state == move.to_state and move.from_state != move.to_state:
        return current
    if current.state != move.from_state:
        raise MutationRejected(
            wire.RejectCode.STATUS_CONFLICT,
            f"Ответ уже в состоянии «{answer_state_label(current.state)}», "
            f"а не «{answer_state_label(move.from_state)}»",
        )
    try:
        check_answer_transition(move.from_state, move.to_state)
    except IllegalTransitionError as exc:
        raise MutationRejected(wire.RejectCode.ILLEGAL_TRANSITION, str(exc)) from exc
    if move.to_state is AnswerState.PUBLISHED and not current.kind.is_public:
        raise MutationRejected(wire.RejectCode.INVALID, "Внутреннюю заметку нельзя опубликовать")
    log.debug("%s moves answer %s to %s", actor, current.id, move.to_state)
    return current.model_copy(
        update={
            "state": move.to_state,
            "published_at": now if move.to_state is AnswerState.PUBLISHED else None,
            "version": current.version + 1,
        }
    )


def apply_answer_published(
    incident: wire.IncidentWire, answer: wire.AnswerWire, *, now: datetime
) -> wire.IncidentWire:
    """Record the first public answer on the incident (``first_answer_at``), once.

    Returns ``incident`` unchanged unless ``answer`` is a published public answer and the
    incident has no first answer yet.
    """
    if (
        answer.state is not AnswerState.PUBLISHED
        or not answer.kind.is_public
        or incident.first_answer_at is not None
    ):
        return incident
    return _changed(incident, now, first_answer_at=answer.published_at or now)
