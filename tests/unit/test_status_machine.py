"""The incident and answer life cycles: every legal move, refused moves and their messages."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from cur_desktop.domain.entities import Incident
from cur_desktop.domain.enums import AnswerState, Outcome, RejectReason, Source, Status
from cur_desktop.domain.status_machine import (
    ANSWER_STATE_TITLES,
    ANSWER_TRANSITIONS,
    STATUS_TITLES,
    TRANSITIONS,
    IllegalTransitionError,
    can_answer_transition,
    can_transition,
    check_answer_transition,
    check_transition,
)

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [(a, b) for a in Status for b in Status if b not in TRANSITIONS[a]]


def _check(current: Status, target: Status) -> None:
    """check_transition with the outcome or reason the target needs."""
    check_transition(
        current,
        target,
        outcome=Outcome.SOLVED if target is Status.CLOSED else None,
        reject_reason=RejectReason.SPAM if target is Status.REJECTED else None,
    )


def test_every_status_has_a_row_and_a_title() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert set(STATUS_TITLES) == set(Status)
    assert set(ANSWER_TRANSITIONS) == set(AnswerState)
    assert set(ANSWER_STATE_TITLES) == set(AnswerState)


def test_the_domain_life_cycle_is_reachable() -> None:
    """Every status can be reached from ``new`` and every non-terminal one can end."""
    seen = {Status.NEW}
    frontier = [Status.NEW]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Status)
    # no status is a dead end
    assert all(TRANSITIONS[s] for s in Status)


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_move_is_allowed(current: Status, target: Status) -> None:
    assert can_transition(current, target)
    _check(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_move_is_refused_naming_both_statuses(current: Status, target: Status) -> None:
    assert not can_transition(current, target)
    with pytest.raises(IllegalTransitionError) as info:
        _check(current, target)
    message = str(info.value)
    assert f"«{STATUS_TITLES[current]}»" in message
    assert f"«{STATUS_TITLES[target]}»" in message
    assert message.startswith("Нельзя перевести инцидент")
    assert info.value.from_state is current
    assert info.value.to_state is target
    assert isinstance(info.value, ValueError)


def test_closed_incident_can_only_be_reopened() -> None:
    with pytest.raises(IllegalTransitionError) as info:
        check_transition(Status.CLOSED, Status.MODERATION)
    assert str(info.value) == (
        "Нельзя перевести инцидент из статуса «Закрыт» в «На модерации»: "
        "закрытый инцидент можно только переоткрыть"
    )
    check_transition(Status.CLOSED, Status.REOPENED)


def test_closing_needs_an_outcome() -> None:
    with pytest.raises(IllegalTransitionError, match="укажите результат"):
        check_transition(Status.PRIMARY_ANSWERED, Status.CLOSED)
    check_transition(Status.PRIMARY_ANSWERED, Status.CLOSED, outcome=Outcome.IMPOSSIBLE)


def test_rejecting_needs_a_reason() -> None:
    with pytest.raises(IllegalTransitionError, match="укажите причину"):
        check_transition(Status.NEW, Status.REJECTED)
    check_transition(Status.NEW, Status.REJECTED, reject_reason=RejectReason.DUPLICATE)


def test_outcome_on_a_non_closing_move_is_refused() -> None:
    with pytest.raises(IllegalTransitionError, match="только при закрытии"):
        check_transition(Status.NEW, Status.MODERATION, outcome=Outcome.SOLVED)
    with pytest.raises(IllegalTransitionError, match="только при отклонении"):
        check_transition(Status.NEW, Status.MODERATION, reject_reason=RejectReason.SPAM)


def test_same_status_is_refused_with_its_own_reason() -> None:
    with pytest.raises(IllegalTransitionError, match="уже в статусе «На контроле»"):
        check_transition(Status.ON_CONTROL, Status.ON_CONTROL)


def test_incident_with_status_follows_the_table() -> None:
    incident = Incident(
        id=uuid4(),
        source=Source.VK,
        external_id="vk-1",
        text="Яма на дороге",
        received_at=datetime(2025, 3, 3, 9, tzinfo=UTC),
        region_code="RU-TUL",
    )
    moved = incident.with_status(Status.MODERATION).with_status(
        Status.REJECTED, reject_reason=RejectReason.DUPLICATE
    )
    assert moved.status is Status.REJECTED
    assert moved.reject_reason is RejectReason.DUPLICATE
    assert not moved.is_open
    back = moved.with_status(Status.MODERATION)
    assert back.reject_reason is None
    assert back.is_open
    with pytest.raises(IllegalTransitionError):
        incident.with_status(Status.CLOSED, outcome=Outcome.SOLVED)
    assert incident.status is Status.NEW  # frozen: the original is untouched


def test_incident_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Incident(
            id=uuid4(),
            source=Source.VK,
            external_id="vk-2",
            text="x",
            received_at=datetime(2025, 3, 3, 9),  # naive on purpose
            region_code="RU-TUL",
        )


ANSWER_LEGAL = [
    (AnswerState.DRAFT, AnswerState.ON_APPROVAL),
    (AnswerState.DRAFT, AnswerState.PUBLISHED),
    (AnswerState.ON_APPROVAL, AnswerState.APPROVED),
    (AnswerState.ON_APPROVAL, AnswerState.RETURNED),
    (AnswerState.APPROVED, AnswerState.PUBLISHED),
    (AnswerState.RETURNED, AnswerState.DRAFT),
    (AnswerState.RETURNED, AnswerState.ON_APPROVAL),
]


def test_answer_table_is_exactly_the_brief() -> None:
    table = {(a, b) for a, targets in ANSWER_TRANSITIONS.items() for b in targets}
    assert table == set(ANSWER_LEGAL)


@pytest.mark.parametrize(("current", "target"), ANSWER_LEGAL)
def test_answer_legal_move(current: AnswerState, target: AnswerState) -> None:
    assert can_answer_transition(current, target)
    check_answer_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (AnswerState.PUBLISHED, AnswerState.DRAFT),
        (AnswerState.ON_APPROVAL, AnswerState.PUBLISHED),
        (AnswerState.DRAFT, AnswerState.APPROVED),
        (AnswerState.APPROVED, AnswerState.RETURNED),
    ],
)
def test_answer_illegal_move(current: AnswerState, target: AnswerState) -> None:
    assert not can_answer_transition(current, target)
    with pytest.raises(IllegalTransitionError) as info:
        check_answer_transition(current, target)
    assert f"«{ANSWER_STATE_TITLES[current]}»" in str(info.value)
    assert f"«{ANSWER_STATE_TITLES[target]}»" in str(info.value)


def test_entity_fields_match_the_wire_schemas() -> None:
    """Mapping between entities and wire models is a plain field copy."""
    from dataclasses import fields

    from cur_desktop.contract import wire
    from cur_desktop.domain.entities import Answer, Executor, Municipality

    pairs = [
        (Incident, wire.IncidentWire),
        (Answer, wire.AnswerWire),
        (Municipality, wire.MunicipalityWire),
        (Executor, wire.ExecutorWire),
    ]
    for entity, model in pairs:
        assert {f.name for f in fields(entity)} == set(model.model_fields), entity.__name__


def test_incident_round_trips_through_the_wire() -> None:
    from dataclasses import asdict

    from cur_desktop.contract import wire

    incident = Incident(
        id=uuid4(),
        source=Source.POS,
        external_id="pos-77",
        text="Не вывозят мусор",
        received_at=datetime(2025, 3, 3, 9, tzinfo=UTC),
        region_code="RU-NEN",
        updated_at=datetime(2025, 3, 3, 9, 5, tzinfo=UTC),
    )
    model = wire.IncidentWire(**asdict(incident))
    assert Incident(**model.model_dump()) == incident
