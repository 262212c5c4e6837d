"""The incident and answer life cycles: every legal move, refused moves and their messages."""

from __future__ import annotations

from dataclasses import replace
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
    routing_refusal,
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


_NO_EXECUTOR = (
    "Нельзя перевести инцидент из статуса «{}» в «Направлен исполнителю»: не выбран "
    "исполнитель. Выберите исполнителя и сохраните классификацию"
)


@pytest.mark.parametrize(
    "current", [Status.MODERATION, Status.REWORK, Status.REOPENED], ids=lambda s: s.value
)
def test_a_move_into_sent_to_executor_needs_an_executor(current: Status) -> None:
    """Every status the table lets into sent_to_executor: refused without an executor."""
    assert routing_refusal(current, Status.SENT_TO_EXECUTOR, None) == _NO_EXECUTOR.format(
        STATUS_TITLES[current]
    )
    assert routing_refusal(current, Status.SENT_TO_EXECUTOR, "") is not None
    assert routing_refusal(current, Status.SENT_TO_EXECUTOR, "ex-roads") is None


def test_routing_refusal_concerns_only_the_move_into_sent_to_executor() -> None:
    assert routing_refusal(Status.MODERATION, Status.PRIMARY_ANSWERED, None) is None  # interim
    assert routing_refusal(Status.MODERATION, Status.REJECTED, None) is None
    assert routing_refusal(Status.SENT_TO_EXECUTOR, Status.SENT_TO_EXECUTOR, None) is None


def test_incident_entity_refuses_routing_without_an_executor() -> None:
    incident = Incident(
        id=uuid4(),
        source=Source.VK,
        external_id="vk-2",
        text="Яма на дороге",
        received_at=datetime(2025, 3, 3, 9, tzinfo=UTC),
        region_code="RU-TUL",
        status=Status.MODERATION,
    )
    with pytest.raises(IllegalTransitionError) as caught:
        incident.with_status(Status.SENT_TO_EXECUTOR)
    assert str(caught.value) == _NO_EXECUTOR.format("На модерации")
    routed = replace(incident, executor_id="ex-roads").with_status(Status.SENT_TO_EXECUTOR)
    assert (routed.status, routed.executor_id) == (Status.SENT_TO_EXECUTOR, "ex-roads")


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


# Messages a user reads when a move is refused (issue 7: each branch of the message is held).


@pytest.mark.parametrize(
    ("current", "target", "why"),
    [
        (
            Status.MODERATION,
            Status.CLOSED,
            "из этого статуса можно перейти только в «Направлен исполнителю», "
            "«Дан первичный ответ», «Отклонён»",
        ),
        (Status.CLOSED, Status.MODERATION, "закрытый инцидент можно только переоткрыть"),
        (Status.ON_CONTROL, Status.ON_CONTROL, "инцидент уже в статусе «На контроле»"),
        (Status.MODERATION, Status.MODERATION, "инцидент уже в статусе «На модерации»"),
    ],
)
def test_refused_incident_moves_say_why(current: Status, target: Status, why: str) -> None:
    with pytest.raises(IllegalTransitionError) as info:
        check_transition(current, target)
    assert str(info.value).endswith(f": {why}")
    assert (info.value.from_state, info.value.to_state) == (current, target)


@pytest.mark.parametrize(
    ("current", "target", "why"),
    [
        (
            AnswerState.DRAFT,
            AnswerState.APPROVED,
            "из этого состояния можно перейти только в «На согласовании», «Опубликован»",
        ),
        (AnswerState.PUBLISHED, AnswerState.DRAFT, "опубликованный ответ изменить нельзя"),
        (AnswerState.DRAFT, AnswerState.DRAFT, "ответ уже в состоянии «Черновик»"),
    ],
)
def test_refused_answer_moves_say_why(current: AnswerState, target: AnswerState, why: str) -> None:
    with pytest.raises(IllegalTransitionError) as info:
        check_answer_transition(current, target)
    assert str(info.value).endswith(f": {why}")


def test_new_entities_start_at_version_1() -> None:
    from cur_desktop.domain.entities import Answer
    from cur_desktop.domain.enums import AnswerKind

    at = datetime(2025, 3, 3, 9, tzinfo=UTC)
    incident = Incident(
        id=uuid4(),
        source=Source.VK,
        external_id="vk-1",
        text="Яма",
        received_at=at,
        region_code="RU-TUL",
    )
    answer = Answer(
        id=uuid4(),
        incident_id=incident.id,
        kind=AnswerKind.INTERIM,
        text="Взято в работу",
        author="tul.op",
        created_at=at,
    )
    assert (incident.version, answer.version) == (1, 1)
    assert (incident.moderation_due, incident.first_answer_working_us) == (None, None)
    answered_at_once = Incident(
        id=uuid4(),
        source=Source.VK,
        external_id="vk-0",
        text="Яма",
        received_at=at,
        region_code="RU-TUL",
        first_answer_working_us=0,  # answered outside working hours: zero working time
    )
    assert answered_at_once.first_answer_working_us == 0
    with pytest.raises(ValueError, match="first_answer_working_us"):
        Incident(
            id=uuid4(),
            source=Source.VK,
            external_id="vk-2",
            text="Яма",
            received_at=at,
            region_code="RU-TUL",
            first_answer_working_us=-1,
        )


def test_answer_entity_checks_its_instants_and_notes() -> None:
    from cur_desktop.domain.entities import Answer
    from cur_desktop.domain.enums import AnswerKind

    at = datetime(2025, 3, 3, 9, tzinfo=UTC)
    common = {"id": uuid4(), "incident_id": uuid4(), "author": "tul.op", "created_at": at}
    published = Answer(
        kind=AnswerKind.SOLUTION,
        text="Яму заделали",
        state=AnswerState.PUBLISHED,
        published_at=at,
        **common,  # type: ignore[arg-type]
    )
    assert published.published_at == at
    draft_note = Answer(kind=AnswerKind.INTERNAL_NOTE, text="Позвонить", **common)  # type: ignore[arg-type]
    assert draft_note.state is AnswerState.DRAFT
    with pytest.raises(ValueError, match="published_at"):
        Answer(
            kind=AnswerKind.SOLUTION,
            text="Яму заделали",
            published_at=datetime(2025, 3, 3, 9),  # naive on purpose
            **common,  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="never published"):
        Answer(
            kind=AnswerKind.INTERNAL_NOTE,
            text="Позвонить",
            state=AnswerState.PUBLISHED,
            published_at=at,
            **common,  # type: ignore[arg-type]
        )


def test_entities_are_frozen_values() -> None:
    from cur_desktop.domain.entities import Answer, Executor, Municipality, User
    from cur_desktop.domain.enums import AnswerKind, Role

    at = datetime(2025, 3, 3, 9, tzinfo=UTC)
    incident_id = uuid4()
    values = [
        Incident(
            id=incident_id,
            source=Source.VK,
            external_id="vk-1",
            text="Яма",
            received_at=at,
            region_code="RU-TUL",
        ),
        Answer(
            id=incident_id,
            incident_id=incident_id,
            kind=AnswerKind.INTERIM,
            text="Взято в работу",
            author="tul.op",
            created_at=at,
        ),
        Municipality(id="m-tula", region_code="RU-TUL", name="Тула", population=1),
        Executor(id="ex-1", region_code="RU-TUL", name="УК «Дом»"),
        User(login="tul.op", role=Role.OPERATOR, region_code="RU-TUL"),
    ]
    from dataclasses import fields

    for value in values:
        assert {value: 1}[value] == 1  # hashable
        with pytest.raises(AttributeError):
            setattr(value, fields(value)[0].name, "other")
