"""One declaration per mutation: its name, argument model, what it touches, who may, its rule.

:data:`REGISTRY` is the single table every side dispatches through:

* the server (:func:`cur_desktop.server.push.apply_mutation`): parse the args, check who may
  (:attr:`MutationSpec.permission`) and the region's references and users the args name,
  load the incident with its answers, run the rule, store what changed;
* the client's local apply (:func:`cur_desktop.storage.outbox.record_local_mutation`): the
  same parse, permission and rule against what the operator sees, before anything is written;
* the rebase (:func:`cur_desktop.storage.localstate.rebase`): the same rule again over the
  confirmed state, for every pending mutation.

A rule is pure: it changes an :class:`IncidentState` (one incident and its answers, the unit
of copy-on-write and of a server transaction) in place or raises
:class:`~cur_desktop.contract.mutations.MutationRejected`; ``ctx.now`` is the applier's clock.
The name and argument model are the wire schema (:mod:`cur_desktop.contract.wire`); the
rule's building blocks live in :mod:`cur_desktop.contract.mutations`.

Adding a mutation: a ``MutationName`` member and an args model in ``wire.py``, a rule and a
``MutationSpec`` here (see docs/SYNC.md, "Adding a mutation"). Server, client and rebase need
no change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import (
    MutationRejected,
    apply_answer_add,
    apply_answer_published,
    apply_answer_state,
    assign_incident,
    classify_incident,
    create_incident,
    errors_text,
    transition_incident,
)
from cur_desktop.domain.enums import AnswerState, Role
from cur_desktop.domain.status_machine import executor_refusal

log = logging.getLogger(__name__)

A = TypeVar("A", bound=BaseModel)

SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass
class IncidentState:
    """One incident (``None``: not there) with its answers by id, as the rules see it."""

    incident: wire.IncidentWire | None
    answers: dict[str, wire.AnswerWire] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Who applies a mutation, in which region (for a created incident), at which instant."""

    actor: str
    region_code: str
    now: datetime


AnswerLookup = Callable[[str], str | None]
"""Answer id -> id of its incident, where the applier can see it (``None``: unknown)."""


def anyone(_role: Role, _login: str, _args: Any) -> str | None:
    """Permission of mutations every writing role may push."""
    return None


@dataclass(frozen=True, slots=True)
class MutationSpec(Generic[A]):
    """The declaration of one mutation.

    ``touches``: the entity kind it writes (``incident`` or ``answer``), ``None`` for a
    mutation that writes nothing (a placeholder). ``incident_of(args, lookup)``: the incident
    it belongs to (its copy-on-write unit and its server transaction's lock), ``None`` for one
    that belongs to none. ``permission(role, login, args)``: ``None`` if allowed, else the
    refusal's Russian message (code ``forbidden``). ``references``: arg fields naming a
    municipality or an executor, which must exist in the incident's region
    (``municipality_id``, ``executor_id``). ``users``: arg fields naming an active user of the
    region. ``creates_incident``: the mutation brings a new incident (region from the caller;
    the id, and the source + external id, must be new; the server computes its first
    deadline).
    """

    name: wire.MutationName
    args: type[A]
    touches: wire.EntityKind | None
    rule: Callable[[IncidentState, A, RuleContext], None]
    incident_of: Callable[[A, AnswerLookup], str | None]
    permission: Callable[[Role, str, A], str | None] = anyone
    references: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    creates_incident: bool = False

    def parse(self, raw: Mapping[str, Any] | BaseModel) -> A:
        """Validate raw args (or pass parsed ones through); ``invalid`` when they do not fit."""
        if isinstance(raw, self.args):
            return raw
        data = raw.model_dump() if isinstance(raw, BaseModel) else dict(raw)
        try:
            return self.args.model_validate(data)
        except ValidationError as exc:
            raise MutationRejected(
                wire.RejectCode.INVALID,
                f"Неверные данные действия «{self.name}»: {errors_text(exc)}",
            ) from exc


# --------------------------------------------------------------------------- rules


def _create(state: IncidentState, args: wire.IncidentCreateArgs, ctx: RuleContext) -> None:
    state.incident = create_incident(state.incident, args, region_code=ctx.region_code, now=ctx.now)


def _register(state: IncidentState, args: wire.IncidentRegisterArgs, ctx: RuleContext) -> None:
    state.incident = create_incident(
        state.incident, args.as_create(), region_code=ctx.region_code, now=ctx.now
    )


def _classify(state: IncidentState, args: wire.IncidentClassifyArgs, ctx: RuleContext) -> None:
    state.incident = classify_incident(state.incident, args, now=ctx.now)


def _transition(state: IncidentState, args: wire.IncidentTransitionArgs, ctx: RuleContext) -> None:
    state.incident = transition_incident(state.incident, args, now=ctx.now)


def _assign(state: IncidentState, args: wire.IncidentAssignArgs, ctx: RuleContext) -> None:
    state.incident = assign_incident(state.incident, args, actor=ctx.actor, now=ctx.now)


def _answer_add(state: IncidentState, args: wire.AnswerAddArgs, ctx: RuleContext) -> None:
    if state.incident is None:
        raise MutationRejected(wire.RejectCode.NOT_FOUND, "Инцидент не найден")
    existing = state.answers.get(str(args.id))
    refusal = executor_refusal(args.kind, args.state, state.incident.executor_id)
    if existing is None and refusal is not None:
        raise MutationRejected(wire.RejectCode.INVALID, refusal)
    answer = apply_answer_add(existing, args, author=ctx.actor, now=ctx.now)
    state.answers[str(answer.id)] = answer
    state.incident = apply_answer_published(state.incident, answer, now=ctx.now)


def _answer_set_state(
    state: IncidentState, args: wire.AnswerSetStateArgs, ctx: RuleContext
) -> None:
    current = state.answers.get(str(args.answer_id))
    if current is not None and state.incident is not None and current.state != args.to_state:
        refusal = executor_refusal(current.kind, args.to_state, state.incident.executor_id)
        if refusal is not None:
            raise MutationRejected(wire.RejectCode.INVALID, refusal)
    answer = apply_answer_state(current, args, actor=ctx.actor, now=ctx.now)
    state.answers[str(answer.id)] = answer
    if state.incident is not None:
        state.incident = apply_answer_published(state.incident, answer, now=ctx.now)


def _placeholder(_state: IncidentState, _args: wire.ClientSkipArgs, _ctx: RuleContext) -> None:
    """``client.skip``: sent under the id of a change the client set aside; changes nothing."""


# --------------------------------------------------------------------------- whose incident


def _by_incident_id(args: Any, _lookup: AnswerLookup) -> str:
    return str(UUID(str(args.incident_id)))


def _by_own_id(args: Any, _lookup: AnswerLookup) -> str:
    return str(UUID(str(args.id)))


def _no_incident(_args: Any, _lookup: AnswerLookup) -> str | None:
    return None


def _by_answer(args: wire.AnswerSetStateArgs, lookup: AnswerLookup) -> str:
    incident_id = lookup(str(args.answer_id))
    if incident_id is None:
        raise MutationRejected(wire.RejectCode.NOT_FOUND, "Ответ не найден")
    return incident_id


# --------------------------------------------------------------------------- who may


def _assign_permission(role: Role, login: str, args: wire.IncidentAssignArgs) -> str | None:
    own = (None, login)
    if role in SUPERVISING_ROLES or (args.assignee in own and args.expected in own):
        return None
    return (
        "Оператор может взять в работу или освободить только свой инцидент; "
        "переназначает руководитель"
    )


def _answer_state_permission(role: Role, _login: str, args: wire.AnswerSetStateArgs) -> str | None:
    if args.to_state in (AnswerState.APPROVED, AnswerState.RETURNED) and (
        role not in SUPERVISING_ROLES
    ):
        return "Согласовать или вернуть ответ может только руководитель"
    return None


# --------------------------------------------------------------------------- the table


def _declare(*specs: MutationSpec[Any]) -> dict[wire.MutationName, MutationSpec[Any]]:
    table: dict[wire.MutationName, MutationSpec[Any]] = {}
    for spec in specs:
        if spec.name in table:
            raise ValueError(f"mutation {spec.name} declared twice")
        table[spec.name] = spec
    missing = set(wire.MutationName) - set(table)
    if missing:
        raise ValueError(f"mutations without a declaration: {sorted(missing)}")
    return table


M = wire.MutationName
INCIDENT = wire.EntityKind.INCIDENT
ANSWER = wire.EntityKind.ANSWER

REGISTRY: Mapping[wire.MutationName, MutationSpec[Any]] = _declare(
    MutationSpec(
        name=M.INCIDENT_CREATE,
        args=wire.IncidentCreateArgs,
        touches=INCIDENT,
        rule=_create,
        incident_of=_by_own_id,
        references=("municipality_id",),
        creates_incident=True,
    ),
    MutationSpec(
        name=M.INCIDENT_REGISTER,
        args=wire.IncidentRegisterArgs,
        touches=INCIDENT,
        rule=_register,
        incident_of=_by_own_id,
        references=("municipality_id",),
        creates_incident=True,
    ),
    MutationSpec(
        name=M.INCIDENT_CLASSIFY,
        args=wire.IncidentClassifyArgs,
        touches=INCIDENT,
        rule=_classify,
        incident_of=_by_incident_id,
        references=("municipality_id", "executor_id"),
    ),
    MutationSpec(
        name=M.INCIDENT_TRANSITION,
        args=wire.IncidentTransitionArgs,
        touches=INCIDENT,
        rule=_transition,
        incident_of=_by_incident_id,
    ),
    MutationSpec(
        name=M.INCIDENT_ASSIGN,
        args=wire.IncidentAssignArgs,
        touches=INCIDENT,
        rule=_assign,
        incident_of=_by_incident_id,
        permission=_assign_permission,
        users=("assignee",),
    ),
    MutationSpec(
        name=M.ANSWER_ADD,
        args=wire.AnswerAddArgs,
        touches=ANSWER,
        rule=_answer_add,
        incident_of=_by_incident_id,
    ),
    MutationSpec(
        name=M.ANSWER_SET_STATE,
        args=wire.AnswerSetStateArgs,
        touches=ANSWER,
        rule=_answer_set_state,
        incident_of=_by_answer,
        permission=_answer_state_permission,
    ),
    MutationSpec(
        name=M.CLIENT_SKIP,
        args=wire.ClientSkipArgs,
        touches=None,
        rule=_placeholder,
        incident_of=_no_incident,
    ),
)
"""Every mutation of the contract, by name (a name without a declaration fails at import)."""


def spec_of(name: wire.MutationName | str) -> MutationSpec[Any]:
    """The declaration of ``name``; an unknown name is refused with ``invalid``."""
    try:
        return REGISTRY[wire.MutationName(name)]
    except ValueError as exc:
        raise MutationRejected(wire.RejectCode.INVALID, f"Неизвестное действие: {name}") from exc


def parse(name: wire.MutationName | str, raw: Mapping[str, Any] | BaseModel) -> BaseModel:
    """Validate the args of mutation ``name``."""
    parsed: BaseModel = spec_of(name).parse(raw)
    return parsed


def apply(
    state: IncidentState,
    name: wire.MutationName | str,
    args: Mapping[str, Any] | BaseModel,
    ctx: RuleContext,
) -> None:
    """Apply mutation ``name`` to ``state`` in place; ``MutationRejected`` leaves it untouched.

    The rule works on copies of the wire models (they are frozen), so a refusal halfway
    leaves ``state`` as it was only if the rule raises before assigning; every rule here
    checks first and assigns last.
    """
    spec = spec_of(name)
    spec.rule(state, spec.parse(args), ctx)


def permission_refusal(
    name: wire.MutationName | str, role: Role, login: str, args: BaseModel
) -> str | None:
    """Why ``role``/``login`` may not push this mutation (``None``: allowed)."""
    spec = spec_of(name)
    return spec.permission(role, login, spec.parse(args))
