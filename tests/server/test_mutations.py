"""The shared mutation rules (cur_desktop.contract.mutations), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from cur_desktop.contract import registry, wire
from cur_desktop.contract.mutations import (
    MutationRejected,
    apply_answer_add,
    apply_answer_published,
    apply_answer_state,
)
from cur_desktop.domain.enums import AnswerKind, AnswerState, Outcome, Status

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
M = wire.MutationName


def _incident(**fields: object) -> wire.IncidentWire:
    base: dict[str, object] = {
        "id": uuid4(),
        "source": "vk",
        "external_id": "vk-1",
        "text": "Яма на дороге",
        "received_at": NOW - timedelta(hours=1),
        "region_code": "RU-TUL",
        "version": 3,
        "updated_at": NOW - timedelta(minutes=5),
    }
    base.update(fields)
    return wire.IncidentWire.model_validate(base)


def _apply(
    current: wire.IncidentWire | None, name: M, args: dict[str, object]
) -> wire.IncidentWire:
    state = registry.IncidentState(current)
    registry.apply(state, name, args, registry.RuleContext("tul.op", "RU-TUL", NOW))
    assert state.incident is not None
    return state.incident


def test_create_builds_a_new_incident_in_the_callers_region() -> None:
    args = {
        "id": str(uuid4()),
        "source": "telegram",
        "external_id": "tg-7",
        "text": "Не горят фонари",
        "received_at": "2026-03-10T10:00:00+03:00",
    }
    created = _apply(None, M.INCIDENT_CREATE, args)
    assert (created.status, created.version, created.region_code) == (Status.NEW, 1, "RU-TUL")
    assert created.updated_at == NOW
    assert str(created.id) == args["id"]


def test_create_retry_returns_the_stored_incident_unchanged() -> None:
    current = _incident()
    args = {
        "id": str(current.id),
        "source": "vk",
        "external_id": "other",
        "text": "x",
        "received_at": "2026-03-10T10:00:00+03:00",
    }
    assert _apply(current, M.INCIDENT_CREATE, args) is current


def test_transition_applies_when_at_from_and_bumps_version() -> None:
    current = _incident(status="new")
    args = {"incident_id": str(current.id), "from_status": "new", "to_status": "moderation"}
    moved = _apply(current, M.INCIDENT_TRANSITION, args)
    assert moved.status is Status.MODERATION
    assert moved.version == current.version + 1


def test_transition_already_at_target_succeeds_quietly() -> None:
    current = _incident(status="moderation")
    args = {"incident_id": str(current.id), "from_status": "new", "to_status": "moderation"}
    assert _apply(current, M.INCIDENT_TRANSITION, args) is current


def test_transition_from_elsewhere_is_a_status_conflict_naming_the_current_status() -> None:
    current = _incident(status="sent_to_executor")
    args = {"incident_id": str(current.id), "from_status": "new", "to_status": "moderation"}
    with pytest.raises(MutationRejected) as caught:
        _apply(current, M.INCIDENT_TRANSITION, args)
    assert caught.value.code is wire.RejectCode.STATUS_CONFLICT
    assert "направлен исполнителю" in caught.value.message


def test_illegal_transition_carries_the_status_machine_message() -> None:
    current = _incident(status="new")
    args = {
        "incident_id": str(current.id),
        "from_status": "new",
        "to_status": "closed",
        "outcome": "solved",
    }
    with pytest.raises(MutationRejected) as caught:
        _apply(current, M.INCIDENT_TRANSITION, args)
    assert caught.value.code is wire.RejectCode.ILLEGAL_TRANSITION
    assert caught.value.message.startswith("Нельзя перевести инцидент")


def test_routing_without_an_executor_is_an_illegal_transition_until_classify_sets_one() -> None:
    """The shared rule (server push, client's local apply, rebase): sent_to_executor needs an
    executor on the incident, which an earlier incident.classify may set."""
    current = _incident(status="moderation")  # version 3, no executor
    key = str(current.id)
    route: dict[str, object] = {
        "incident_id": key,
        "from_status": "moderation",
        "to_status": "sent_to_executor",
    }
    with pytest.raises(MutationRejected) as caught:
        _apply(current, M.INCIDENT_TRANSITION, route)
    assert caught.value.code is wire.RejectCode.ILLEGAL_TRANSITION
    assert caught.value.message == (
        "Нельзя перевести инцидент из статуса «На модерации» в «Направлен исполнителю»: "
        "не выбран исполнитель. Выберите исполнителя и сохраните классификацию"
    )
    classified = _apply(current, M.INCIDENT_CLASSIFY, {"incident_id": key, "executor_id": "ex-1"})
    routed = _apply(classified, M.INCIDENT_TRANSITION, route)
    assert (routed.status, routed.executor_id, routed.version) == (
        Status.SENT_TO_EXECUTOR,
        "ex-1",
        5,  # 3, +1 classify, +1 transition
    )


def test_closing_records_the_outcome() -> None:
    current = _incident(status="primary_answered")
    args = {
        "incident_id": str(current.id),
        "from_status": "primary_answered",
        "to_status": "closed",
        "outcome": "solved",
    }
    closed = _apply(current, M.INCIDENT_TRANSITION, args)
    assert (closed.status, closed.outcome) == (Status.CLOSED, Outcome.SOLVED)


def test_assign_is_compare_and_set() -> None:
    free = _incident(assignee=None)
    taken = _apply(
        free,
        M.INCIDENT_ASSIGN,
        {"incident_id": str(free.id), "expected": None, "assignee": "tul.op"},
    )
    assert taken.assignee == "tul.op"
    assert taken.version == free.version + 1
    with pytest.raises(MutationRejected) as caught:
        _apply(
            taken,
            M.INCIDENT_ASSIGN,
            {"incident_id": str(free.id), "expected": None, "assignee": "tul.op2"},
        )
    assert caught.value.code is wire.RejectCode.ASSIGN_CONFLICT
    assert "tul.op" in caught.value.message
    # Asking for what is already true is a quiet success.
    again = _apply(
        taken,
        M.INCIDENT_ASSIGN,
        {"incident_id": str(free.id), "expected": None, "assignee": "tul.op"},
    )
    assert again is taken


def test_classify_changes_only_given_fields_and_noop_keeps_version() -> None:
    current = _incident(topic_code="roads", municipality_id="m1")
    same = _apply(
        current, M.INCIDENT_CLASSIFY, {"incident_id": str(current.id), "topic_code": "roads"}
    )
    assert same is current
    changed = _apply(
        current, M.INCIDENT_CLASSIFY, {"incident_id": str(current.id), "executor_id": "ex-1"}
    )
    assert (changed.topic_code, changed.municipality_id, changed.executor_id) == (
        "roads",
        "m1",
        "ex-1",
    )
    assert changed.version == current.version + 1


def test_mutation_on_missing_incident_is_not_found() -> None:
    with pytest.raises(MutationRejected) as caught:
        _apply(None, M.INCIDENT_CLASSIFY, {"incident_id": str(uuid4()), "topic_code": "roads"})
    assert caught.value.code is wire.RejectCode.NOT_FOUND


@pytest.mark.parametrize(
    ("name", "args"),
    [
        (
            M.INCIDENT_TRANSITION,
            {"incident_id": "not-a-uuid", "from_status": "new", "to_status": "moderation"},
        ),
        (M.INCIDENT_ASSIGN, {"incident_id": str(uuid4()), "assignee": "x"}),  # no expected
        (
            M.ANSWER_ADD,
            {
                "id": str(uuid4()),
                "incident_id": str(uuid4()),
                "kind": "solution",
                "text": "ok",
                "extra": 1,
            },
        ),
        (
            M.INCIDENT_CREATE,
            {
                "id": str(uuid4()),
                "source": "fax",
                "external_id": "1",
                "text": "t",
                "received_at": "2026-03-10T10:00:00+03:00",
            },
        ),
        (
            M.INCIDENT_CREATE,
            {
                "id": str(uuid4()),
                "source": "vk",
                "external_id": "1",
                "text": "t",
                "received_at": "2026-03-10T10:00:00",
            },
        ),  # naive
    ],
)
def test_parse_args_refuses_bad_args_as_invalid(name: M, args: dict[str, object]) -> None:
    with pytest.raises(MutationRejected) as caught:
        registry.parse(name, args)
    assert caught.value.code is wire.RejectCode.INVALID
    assert caught.value.message


def test_answer_add_is_append_only_and_retry_is_noop() -> None:
    incident = _incident()
    args = wire.AnswerAddArgs(
        id=uuid4(),
        incident_id=incident.id,
        kind=AnswerKind.SOLUTION,
        text="Яму заделают до 20 марта",
    )
    answer = apply_answer_add(None, args, author="tul.op", now=NOW)
    assert (answer.state, answer.author, answer.version) == (AnswerState.DRAFT, "tul.op", 1)
    assert apply_answer_add(answer, args, author="tul.op2", now=NOW) is answer


def test_answer_state_moves_and_publication_sets_first_answer_once() -> None:
    incident = _incident()
    draft = apply_answer_add(
        None,
        {
            "id": str(uuid4()),
            "incident_id": str(incident.id),
            "kind": "interim",
            "text": "Взято в работу, ответ до 12 марта",
        },
        author="tul.op",
        now=NOW,
    )
    published = apply_answer_state(
        draft,
        {"answer_id": str(draft.id), "from_state": "draft", "to_state": "published"},
        actor="tul.op",
        now=NOW + timedelta(minutes=30),
    )
    assert published.published_at == NOW + timedelta(minutes=30)
    with_answer = apply_answer_published(incident, published, now=NOW + timedelta(minutes=30))
    assert with_answer.first_answer_at == NOW + timedelta(minutes=30)
    assert with_answer.version == incident.version + 1
    later = published.model_copy(update={"published_at": NOW + timedelta(hours=5)})
    assert apply_answer_published(with_answer, later, now=NOW + timedelta(hours=5)) is with_answer
    with pytest.raises(MutationRejected) as caught:
        apply_answer_state(
            published,
            {"answer_id": str(draft.id), "from_state": "draft", "to_state": "on_approval"},
            actor="tul.op",
            now=NOW,
        )
    assert caught.value.code is wire.RejectCode.STATUS_CONFLICT


def test_internal_note_is_never_published() -> None:
    incident = _incident()
    note = apply_answer_add(
        None,
        {
            "id": str(uuid4()),
            "incident_id": str(incident.id),
            "kind": "internal_note",
            "text": "Позвонить в УК",
        },
        author="tul.op",
        now=NOW,
    )
    with pytest.raises(MutationRejected) as caught:
        apply_answer_state(
            note,
            {"answer_id": str(note.id), "from_state": "draft", "to_state": "published"},
            actor="tul.op",
            now=NOW,
        )
    assert caught.value.code is wire.RejectCode.INVALID
    assert apply_answer_published(incident, note, now=NOW) is incident
