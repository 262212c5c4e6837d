"""Applying pushed mutations (``POST /api/v1/sync/push``), one transaction per mutation.

Per client: ``last_mutation_id`` is remembered; a mutation with ``id <= last`` is answered
``already_processed`` (or, if it was rejected, with the same rejection again: the client may
never have heard it); ``id > last + 1`` stops the batch with a gap (409, where to resume);
a rejected mutation still moves ``last_mutation_id`` (it has been answered). Every write
transaction takes the seq counter's lock first, so writers never deadlock and commit in seq
order. The rules themselves live in :mod:`cur_desktop.contract.mutations`, shared with the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import (
    MutationRejected,
    apply_answer_add,
    apply_answer_published,
    apply_answer_state,
    apply_incident_mutation,
    parse_args,
)
from cur_desktop.domain.enums import AnswerState, Role, Status
from cur_desktop.reference import checks as validation
from cur_desktop.server import deadline_policy, faults, reclassify
from cur_desktop.server.auth import Caller
from cur_desktop.server.convert import (
    answer_to_wire,
    answer_values,
    incident_to_wire,
    incident_values,
)
from cur_desktop.server.db import Database, allocate_seq, lock_counter
from cur_desktop.server.tables import (
    Answer,
    Client,
    Executor,
    Incident,
    Municipality,
    RejectedMutation,
    User,
)

log = logging.getLogger(__name__)

_SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
_INCIDENT_TABLE = cast(Table, Incident.__table__)
_INCIDENT_FIELDS = tuple(wire.IncidentWire.model_fields)
_NOT_FOUND = "Инцидент не найден"
_CANNOT_APPLY = (
    "Сервер не смог применить это изменение (внутренняя ошибка записана в журнал сервера); "
    "исправьте данные или удалите изменение"
)


class ClientOwnershipError(PermissionError):
    """The client id belongs to another login (answered with 403)."""


@dataclass
class PushOutcome:
    """The answer to a push (or the gap that stopped it) and the regions changed."""

    results: list[wire.MutationResult]
    last_mutation_id: int
    gap: wire.PushGap | None = None
    changed_regions: set[str] = field(default_factory=set)

    def response(self) -> wire.PushResponse:
        """The wire answer when there was no gap."""
        return wire.PushResponse(results=self.results, last_mutation_id=self.last_mutation_id)


def push(db: Database, caller: Caller, request: wire.PushRequest, *, now: datetime) -> PushOutcome:
    """Apply ``request``'s mutations in order; see the module docstring."""
    client_id = str(request.client_id)
    with db.write() as session:
        lock_counter(session)  # two first pushes of one new client must not race
        client = session.get(Client, client_id)
        if client is None:
            client = Client(client_id=client_id, login=caller.login, last_mutation_id=0)
            session.add(client)
        elif client.login != caller.login:
            raise ClientOwnershipError(client_id)
        last = client.last_mutation_id
    outcome = PushOutcome(results=[], last_mutation_id=last)
    for mutation in request.mutations:
        with db.write() as session:
            lock_counter(session)
            client = session.get(Client, client_id, with_for_update=True)
            if client is None:  # pragma: no cover - created above, never deleted
                raise RuntimeError("client row vanished")
            last = client.last_mutation_id
            if mutation.id <= last:
                outcome.last_mutation_id = last  # a concurrent push may have moved it
                outcome.results.append(_answered_before(session, client_id, mutation.id))
                continue
            if mutation.id > last + 1:
                outcome.gap = wire.PushGap(
                    message=(
                        f"Пропуск в последовательности изменений: ожидалось №{last + 1}, "
                        f"получено №{mutation.id}"
                    ),
                    expected_id=last + 1,
                )
                outcome.last_mutation_id = last
                return outcome
            faults.POISON.check(mutation)  # test hook (docs/SERVER.md); inert when unset
            try:
                with session.begin_nested():
                    regions = _apply_guarded(session, caller, mutation, now=now)
            except MutationRejected as exc:
                log.info(
                    "mutation %d %s of %s rejected: %s",
                    mutation.id,
                    mutation.name,
                    caller.login,
                    exc.code,
                )
                outcome.results.append(
                    wire.MutationResult(
                        id=mutation.id,
                        outcome=wire.MutationOutcome.REJECTED,
                        code=exc.code,
                        message=exc.message,
                    )
                )
                session.add(
                    RejectedMutation(
                        client_id=client_id,
                        mutation_id=mutation.id,
                        code=exc.code.value,
                        message=exc.message,
                    )
                )
            else:
                outcome.changed_regions |= regions
                outcome.results.append(
                    wire.MutationResult(id=mutation.id, outcome=wire.MutationOutcome.APPLIED)
                )
            client.last_mutation_id = mutation.id
            outcome.last_mutation_id = mutation.id
        faults.PUSH_COMMITS.after_push_commit()  # test hook (docs/SERVER.md); inert when unset
    return outcome


def _apply_guarded(
    session: Session, caller: Caller, mutation: wire.Mutation, *, now: datetime
) -> set[str]:
    """:func:`apply_mutation`, with any failure of this one change turned into a rejection.

    One change the server cannot apply must never make the push answer 500: the client would
    take it for a passing fault and send it again forever, and nothing after it would move.
    Only the database being unreachable (``OperationalError``) still propagates (a 5xx the
    client retries); a constraint violation or a bug on this mutation's data is its rejection.
    """
    try:
        return apply_mutation(session, caller, mutation, now=now)
    except MutationRejected:
        raise
    except (OperationalError, InterfaceError):
        raise
    except DBAPIError as exc:  # a constraint or a value the database refuses
        log.warning("mutation %d %s refused by the database: %s", mutation.id, mutation.name, exc)
        raise MutationRejected(
            wire.RejectCode.INVALID, "Изменение конфликтует с уже сохранёнными данными"
        ) from exc
    except Exception as exc:
        log.exception(
            "mutation %d %s of %s could not be applied", mutation.id, mutation.name, caller.login
        )
        raise MutationRejected(wire.RejectCode.INVALID, _CANNOT_APPLY) from exc


def _answered_before(session: Session, client_id: str, mutation_id: int) -> wire.MutationResult:
    """The answer for a mutation pushed again: its rejection if it was rejected."""
    rejected = session.get(RejectedMutation, (client_id, mutation_id))
    if rejected is None:
        return wire.MutationResult(id=mutation_id, outcome=wire.MutationOutcome.ALREADY_PROCESSED)
    return wire.MutationResult(
        id=mutation_id,
        outcome=wire.MutationOutcome.REJECTED,
        code=wire.RejectCode(rejected.code),
        message=rejected.message,
    )


def apply_mutation(
    session: Session, caller: Caller, mutation: wire.Mutation, *, now: datetime
) -> set[str]:
    """Apply one mutation inside the caller's transaction; returns the regions it changed.

    Raises :class:`MutationRejected` (the transaction's savepoint is then rolled back).
    """
    if caller.role is Role.FEDERAL_ANALYST:
        raise MutationRejected(
            wire.RejectCode.FORBIDDEN, "Роль «федеральный аналитик» — только просмотр"
        )
    args = parse_args(mutation.name, mutation.args)
    if isinstance(args, wire.ClientSkipArgs):
        log.info("mutation %d of %s: set aside by the client (no-op)", mutation.id, caller.login)
        return set()
    _check_codes(args)
    if isinstance(args, wire.IncidentCreateArgs):
        return _create(session, caller, args, now=now)
    if isinstance(args, wire.AnswerAddArgs):
        return _answer_add(session, caller, args, now=now)
    if isinstance(args, wire.AnswerSetStateArgs):
        return _answer_state(session, caller, args, now=now)
    if isinstance(
        args, wire.IncidentClassifyArgs | wire.IncidentTransitionArgs | wire.IncidentAssignArgs
    ):
        row = _incident_for_write(session, caller, args.incident_id)
        _check_refs(session, row.region_code, args)
        if isinstance(args, wire.IncidentAssignArgs):
            _check_assign(session, caller, row.region_code, args)
        current = incident_to_wire(row)
        new = apply_incident_mutation(
            current,
            mutation.name,
            args,
            actor=caller.login,
            region_code=row.region_code,
            now=now,
        )
        if isinstance(args, wire.IncidentClassifyArgs):
            _check_source_free(session, current, new)
            new = reclassify.recompute(session, current, new, now=now)
        return _save_incident(session, current, new)
    raise MutationRejected(wire.RejectCode.INVALID, f"Неизвестное действие: {mutation.name}")


def _check_codes(args: BaseModel) -> None:
    """Topic and subtopic codes must be in the catalogue (reference data)."""
    problem = validation.topic_problem(
        getattr(args, "topic_code", None), getattr(args, "subtopic_code", None)
    )
    if problem is not None:
        raise MutationRejected(wire.RejectCode.INVALID, problem)


def _incident_for_write(session: Session, caller: Caller, incident_id: UUID) -> Incident:
    row = session.get(Incident, str(incident_id), with_for_update=True)
    if row is None or not caller.can_read(row.region_code):
        raise MutationRejected(wire.RejectCode.NOT_FOUND, _NOT_FOUND)
    if not caller.can_write(row.region_code):
        raise MutationRejected(wire.RejectCode.FORBIDDEN, "Нет прав на изменение этого инцидента")
    return row


def _check_refs(session: Session, region_code: str, args: BaseModel) -> None:
    """Municipality and executor ids must exist in the incident's region."""
    municipality_id = getattr(args, "municipality_id", None)
    if municipality_id is not None:
        found = session.execute(
            select(Municipality.id).where(
                Municipality.id == municipality_id, Municipality.region_code == region_code
            )
        ).first()
        if found is None:
            raise MutationRejected(
                wire.RejectCode.INVALID, f"Муниципалитет {municipality_id} не найден в регионе"
            )
    executor_id = getattr(args, "executor_id", None)
    if executor_id is not None:
        found = session.execute(
            select(Executor.id).where(
                Executor.id == executor_id, Executor.region_code == region_code
            )
        ).first()
        if found is None:
            raise MutationRejected(
                wire.RejectCode.INVALID, f"Исполнитель {executor_id} не найден в регионе"
            )


def _check_source_free(
    session: Session, current: wire.IncidentWire, new: wire.IncidentWire
) -> None:
    """A new source must not collide with another incident's ``(source, external_id)``."""
    if new.source == current.source:
        return
    taken = session.execute(
        select(Incident.id).where(
            Incident.source == new.source.value, Incident.external_id == new.external_id
        )
    ).first()
    if taken is not None:
        raise MutationRejected(
            wire.RejectCode.DUPLICATE,
            "Инцидент из этого источника с таким внешним номером уже зарегистрирован",
        )


def _check_assign(
    session: Session, caller: Caller, region_code: str, args: wire.IncidentAssignArgs
) -> None:
    own = (None, caller.login)
    if caller.role not in _SUPERVISING_ROLES and (
        args.assignee not in own or args.expected not in own
    ):
        raise MutationRejected(
            wire.RejectCode.FORBIDDEN,
            "Оператор может взять в работу или освободить только свой инцидент; "
            "переназначает руководитель",
        )
    if args.assignee is not None:
        user = session.execute(
            select(User.id).where(
                User.login == args.assignee, User.region_code == region_code, User.active
            )
        ).first()
        if user is None:
            raise MutationRejected(
                wire.RejectCode.INVALID, f"Сотрудник {args.assignee} не найден в регионе"
            )


def _save_incident(
    session: Session, current: wire.IncidentWire | None, new: wire.IncidentWire
) -> set[str]:
    if current is not None and new.version == current.version:
        return set()  # nothing changed
    new = _with_working_time(_with_final_deadline(session, new))
    values = incident_values(new)
    values["seq"] = allocate_seq(session)
    if current is None:
        session.execute(insert(Incident).values(**values))
    else:
        # Only the columns that changed: building a 25-column UPDATE costs more than running it.
        # A Core statement: the ORM row of this transaction is not read again after this.
        changed = {k: values[k] for k in _INCIDENT_FIELDS if getattr(new, k) != getattr(current, k)}
        changed["seq"] = values["seq"]
        session.execute(
            _INCIDENT_TABLE.update().where(_INCIDENT_TABLE.c.id == values["id"]), changed
        )
    return {new.region_code}


def _with_final_deadline(session: Session, new: wire.IncidentWire) -> wire.IncidentWire:
    """Set the final-answer deadline of an incident that is on control and has none yet.

    The server's post-processing of the pure rules (:mod:`cur_desktop.contract.mutations` knows
    no SLA):
    counted from the earliest published interim answer, else from ``first_answer_at``, else
    from the incident's ``updated_at`` (the moment of this change). Set once: a later return
    to ``on_control`` keeps the first deadline.
    """
    if new.status is not Status.ON_CONTROL or new.final_answer_due is not None:
        return new
    start = reclassify.final_start(session, new) or new.updated_at
    final = deadline_policy.final_answer(
        new.region_code,
        new.source,
        new.topic_code,
        new.priority,
        interim_at=start,
        received_at=new.received_at,
    )
    return new.model_copy(
        update={"final_answer_due": final.due, "final_answer_warn_at": final.warn_at}
    )


def _with_working_time(new: wire.IncidentWire) -> wire.IncidentWire:
    """Cache the working time to the first answer once it is known (statistics in SQL)."""
    if new.first_answer_at is None or new.first_answer_working_us is not None:
        return new
    spent = deadline_policy.working_time_us(new.region_code, new.received_at, new.first_answer_at)
    return new.model_copy(update={"first_answer_working_us": spent})


def _create(
    session: Session, caller: Caller, args: wire.IncidentCreateArgs, *, now: datetime
) -> set[str]:
    region_code = caller.region_code
    if region_code is None:
        raise MutationRejected(
            wire.RejectCode.INVALID, "Создавать инциденты может только сотрудник региона"
        )
    row = session.get(Incident, str(args.id), with_for_update=True)
    current = None
    if row is not None:
        if row.region_code != region_code:
            # Ids are random (UUID v4, ingestion's too): the same answer as for any incident the
            # caller cannot see; whether another region holds this id is not revealed.
            raise MutationRejected(wire.RejectCode.NOT_FOUND, _NOT_FOUND)
        current = incident_to_wire(row)
    else:
        problem = validation.instant_problem(args.received_at, now)
        if problem is not None:
            raise MutationRejected(wire.RejectCode.INVALID, problem)
        _check_refs(session, region_code, args)
        # Unique per region: another region's incident with this pair neither blocks the
        # create nor is revealed by it.
        taken = session.execute(
            select(Incident.id).where(
                Incident.region_code == region_code,
                Incident.source == args.source.value,
                Incident.external_id == args.external_id,
            )
        ).first()
        if taken is not None:
            raise MutationRejected(
                wire.RejectCode.DUPLICATE,
                "Инцидент из этого источника с таким внешним номером уже зарегистрирован",
            )
    new = apply_incident_mutation(
        current,
        wire.MutationName.INCIDENT_CREATE,
        args,
        actor=caller.login,
        region_code=region_code,
        now=now,
    )
    if current is not None:
        return set()
    keys = (region_code, new.source, new.topic_code, new.priority, new.received_at)
    first = deadline_policy.first_answer(*keys)
    moderation = deadline_policy.moderation(*keys)
    new = new.model_copy(
        update={
            "first_answer_due": first.due,
            "first_answer_warn_at": first.warn_at,
            "moderation_due": moderation.due,
            "moderation_warn_at": moderation.warn_at,
        }
    )
    return _save_incident(session, None, new)


def _answer_add(
    session: Session, caller: Caller, args: wire.AnswerAddArgs, *, now: datetime
) -> set[str]:
    incident_row = _incident_for_write(session, caller, args.incident_id)
    existing_row = session.get(Answer, str(args.id), with_for_update=True)
    if existing_row is not None and existing_row.region_code != incident_row.region_code:
        raise MutationRejected(wire.RejectCode.NOT_FOUND, "Ответ не найден")
    existing = None if existing_row is None else answer_to_wire(existing_row)
    answer = apply_answer_add(existing, args, author=caller.login, now=now)
    if existing is not None:
        return set()
    values = answer_values(answer)
    values["region_code"] = incident_row.region_code
    values["seq"] = allocate_seq(session)
    session.execute(insert(Answer).values(**values))
    _after_answer(session, incident_row, answer, now=now)
    return {incident_row.region_code}


def _answer_state(
    session: Session, caller: Caller, args: wire.AnswerSetStateArgs, *, now: datetime
) -> set[str]:
    row = session.get(Answer, str(args.answer_id), with_for_update=True)
    if row is None or not caller.can_read(row.region_code):
        raise MutationRejected(wire.RejectCode.NOT_FOUND, "Ответ не найден")
    incident_row = _incident_for_write(session, caller, UUID(row.incident_id))
    if (
        args.to_state in (AnswerState.APPROVED, AnswerState.RETURNED)
        and caller.role not in _SUPERVISING_ROLES
    ):
        raise MutationRejected(
            wire.RejectCode.FORBIDDEN, "Согласовать или вернуть ответ может только руководитель"
        )
    current = answer_to_wire(row)
    answer = apply_answer_state(current, args, actor=caller.login, now=now)
    if answer.version == current.version:
        return set()
    values = answer_values(answer)
    values["seq"] = allocate_seq(session)
    session.execute(update(Answer).where(Answer.id == row.id).values(**values))
    _after_answer(session, incident_row, answer, now=now)
    return {row.region_code}


def _after_answer(
    session: Session, incident_row: Incident, answer: wire.AnswerWire, *, now: datetime
) -> None:
    """The first published public answer sets the incident's ``first_answer_at``."""
    current = incident_to_wire(incident_row)
    new = apply_answer_published(current, answer, now=now)
    _save_incident(session, current, new)
