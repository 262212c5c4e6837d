"""Edges of the shared mutation rules that a wrong line would break unnoticed (issue 7).

Each test names what a user would feel if the line were wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from cur_desktop.contract import registry, wire
from cur_desktop.contract.mutations import (
    MutationRejected,
    answer_state_label,
    apply_answer_add,
    apply_answer_published,
    apply_answer_state,
    errors_text,
    status_label,
)
from cur_desktop.domain.enums import (
    AnswerKind,
    AnswerState,
    Outcome,
    Priority,
    RejectReason,
    Source,
    Status,
)

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


def _apply(current: wire.IncidentWire | None, name: M, args: dict[str, Any]) -> wire.IncidentWire:
    state = registry.IncidentState(current)
    registry.apply(state, name, args, registry.RuleContext("tul.op", "RU-TUL", NOW))
    assert state.incident is not None
    return state.incident


def _move(incident: wire.IncidentWire, a: Status, b: Status, **extra: Any) -> dict[str, Any]:
    return {"incident_id": str(incident.id), "from_status": a, "to_status": b, **extra}


def _answer(incident: wire.IncidentWire, **fields: Any) -> wire.AnswerWire:
    args: dict[str, Any] = {
        "id": str(uuid4()),
        "incident_id": str(incident.id),
        "kind": "interim",
        "text": "Взято в работу, ответим до 12 марта",
        **fields,
    }
    return apply_answer_add(None, args, author="tul.op", now=NOW)


# ---------------------------------------------------------------- incidents


def test_a_rejected_incident_keeps_its_reject_reason() -> None:
    incident = _incident(status="moderation")
    args = _move(incident, Status.MODERATION, Status.REJECTED, reject_reason="spam")
    rejected = _apply(incident, M.INCIDENT_TRANSITION, args)
    assert rejected.status is Status.REJECTED
    assert rejected.reject_reason is RejectReason.SPAM
    assert rejected.outcome is None
    assert (rejected.version, rejected.updated_at) == (incident.version + 1, NOW)


def test_reopening_clears_outcome_and_closing_clears_reject_reason() -> None:
    closed = _incident(status="closed", outcome="solved")
    reopened = _apply(closed, M.INCIDENT_TRANSITION, _move(closed, Status.CLOSED, Status.REOPENED))
    assert (reopened.status, reopened.outcome) == (Status.REOPENED, None)
    assert reopened.reject_reason is None


def test_a_transition_to_the_same_status_is_not_a_quiet_success() -> None:
    incident = _incident(status="moderation")
    with pytest.raises(MutationRejected) as caught:
        _apply(
            incident, M.INCIDENT_TRANSITION, _move(incident, Status.MODERATION, Status.MODERATION)
        )
    assert caught.value.code is wire.RejectCode.ILLEGAL_TRANSITION


def test_a_retried_transition_is_quiet_and_keeps_the_version() -> None:
    incident = _incident(status="moderation")
    args = _move(incident, Status.NEW, Status.MODERATION)
    assert _apply(incident, M.INCIDENT_TRANSITION, args) is incident


def test_classify_may_change_source_and_priority_and_keeps_the_rest() -> None:
    incident = _incident(topic_code="roads")
    args = {"incident_id": str(incident.id), "source": "pos", "priority": "high"}
    changed = _apply(incident, M.INCIDENT_CLASSIFY, args)
    assert (changed.source, changed.priority) == (Source.POS, Priority.HIGH)
    assert changed.topic_code == "roads"
    assert changed.version == incident.version + 1


def test_assign_release_by_the_holder_and_the_conflict_message() -> None:
    incident = _incident(assignee="tul.op")
    released = _apply(
        incident,
        M.INCIDENT_ASSIGN,
        {"incident_id": str(incident.id), "expected": "tul.op", "assignee": None},
    )
    assert released.assignee is None
    with pytest.raises(MutationRejected) as caught:
        _apply(
            released,
            M.INCIDENT_ASSIGN,
            {"incident_id": str(incident.id), "expected": "tul.op", "assignee": "tul.op2"},
        )
    assert caught.value.code is wire.RejectCode.ASSIGN_CONFLICT
    assert "освобождён" in caught.value.message


def test_create_of_another_id_over_an_existing_incident_is_a_duplicate() -> None:
    incident = _incident()
    args = {
        "id": str(uuid4()),
        "source": "vk",
        "external_id": "vk-1",
        "text": "Яма",
        "received_at": NOW.isoformat(),
    }
    with pytest.raises(MutationRejected) as caught:
        _apply(incident, M.INCIDENT_CREATE, args)
    assert caught.value.code is wire.RejectCode.DUPLICATE


def test_an_answer_mutation_name_is_not_an_incident_mutation() -> None:
    with pytest.raises(MutationRejected) as caught:
        _apply(_incident(), M.ANSWER_ADD, {})
    assert caught.value.code is wire.RejectCode.INVALID


def test_args_of_the_wrong_model_are_invalid() -> None:
    incident = _incident()
    wrong = wire.IncidentAssignArgs(incident_id=incident.id, expected=None, assignee="tul.op")
    with pytest.raises(MutationRejected) as caught:
        _apply(incident, M.INCIDENT_CLASSIFY, wrong)  # type: ignore[arg-type]
    assert caught.value.code is wire.RejectCode.INVALID


def test_labels_are_lower_case_russian() -> None:
    assert status_label(Status.MODERATION) == "на модерации"
    assert answer_state_label(AnswerState.PUBLISHED) == "опубликован"


def test_errors_text_names_the_field() -> None:
    with pytest.raises(MutationRejected) as caught:
        registry.parse(M.INCIDENT_ASSIGN, {"incident_id": "not-a-uuid"})
    assert "incident_id" in caught.value.message
    with pytest.raises(ValidationError) as invalid:
        wire.IncidentAssignArgs.model_validate({})
    text = errors_text(invalid.value)
    assert text.count(";") == 2  # three missing fields
    assert text.startswith("incident_id:")


# ---------------------------------------------------------------- answers


def test_an_answer_id_reused_on_another_incident_is_not_a_retry() -> None:
    first = _incident()
    other = _incident(external_id="vk-2")
    answer = _answer(first)
    reused = {
        "id": str(answer.id),
        "incident_id": str(other.id),
        "kind": "interim",
        "text": "Другой ответ",
    }
    with pytest.raises(MutationRejected) as caught:
        apply_answer_add(answer, reused, author="tul.op", now=NOW)
    assert caught.value.code is wire.RejectCode.DUPLICATE


def test_an_answer_created_as_published_has_its_publication_time() -> None:
    incident = _incident()
    published = _answer(incident, state="published")
    assert published.state is AnswerState.PUBLISHED
    assert published.published_at == NOW
    assert published.created_at == NOW
    draft = _answer(incident)
    assert draft.published_at is None
    on_approval = _answer(incident, state="on_approval")
    assert on_approval.published_at is None


@pytest.mark.parametrize("state", ["approved", "returned"])
def test_a_new_answer_cannot_start_approved_or_returned(state: str) -> None:
    with pytest.raises(MutationRejected) as caught:
        _answer(_incident(), state=state)
    assert caught.value.code is wire.RejectCode.INVALID


def test_a_new_internal_note_cannot_be_published() -> None:
    with pytest.raises(MutationRejected) as caught:
        _answer(_incident(), kind="internal_note", state="published")
    assert caught.value.code is wire.RejectCode.INVALID
    note = _answer(_incident(), kind="internal_note")
    assert note.kind is AnswerKind.INTERNAL_NOTE


def test_a_resent_answer_state_change_after_a_lost_reply_is_quiet() -> None:
    draft = _answer(_incident())
    move = {"answer_id": str(draft.id), "from_state": "draft", "to_state": "on_approval"}
    moved = apply_answer_state(draft, move, actor="tul.op", now=NOW)
    assert (moved.state, moved.version) == (AnswerState.ON_APPROVAL, draft.version + 1)
    # the reply was lost; the client sends the same change again
    assert apply_answer_state(moved, move, actor="tul.op", now=NOW) is moved


def test_an_answer_state_change_from_elsewhere_is_a_conflict_and_illegal_moves_refused() -> None:
    draft = _answer(_incident())
    with pytest.raises(MutationRejected) as caught:
        apply_answer_state(
            draft,
            {"answer_id": str(draft.id), "from_state": "approved", "to_state": "published"},
            actor="tul.op",
            now=NOW,
        )
    assert caught.value.code is wire.RejectCode.STATUS_CONFLICT
    assert "черновик" in caught.value.message
    with pytest.raises(MutationRejected) as caught:
        apply_answer_state(
            draft,
            {"answer_id": str(draft.id), "from_state": "draft", "to_state": "draft"},
            actor="tul.op",
            now=NOW,
        )
    assert caught.value.code is wire.RejectCode.ILLEGAL_TRANSITION
    with pytest.raises(MutationRejected) as caught:
        apply_answer_state(
            None,
            {"answer_id": str(draft.id), "from_state": "draft", "to_state": "published"},
            actor="tul.op",
            now=NOW,
        )
    assert caught.value.code is wire.RejectCode.NOT_FOUND


def test_publishing_sets_the_time_and_leaving_published_clears_it() -> None:
    draft = _answer(_incident())
    later = NOW + timedelta(hours=2)
    published = apply_answer_state(
        draft,
        {"answer_id": str(draft.id), "from_state": "draft", "to_state": "published"},
        actor="tul.op",
        now=later,
    )
    assert published.published_at == later


def test_only_a_published_public_answer_sets_the_first_answer() -> None:
    incident = _incident()
    draft = _answer(incident)
    assert apply_answer_published(incident, draft, now=NOW) is incident
    published = _answer(incident, state="published")
    answered = apply_answer_published(incident, published, now=NOW + timedelta(minutes=1))
    assert answered.first_answer_at == NOW  # the answer's publication time, not "now"
    without_time = published.model_copy(update={"published_at": None})
    fallback = apply_answer_published(incident, without_time, now=NOW + timedelta(minutes=1))
    assert fallback.first_answer_at == NOW + timedelta(minutes=1)


def test_outcome_is_kept_only_when_closing() -> None:
    incident = _incident(status="answer_review")
    closed = _apply(
        incident,
        M.INCIDENT_TRANSITION,
        _move(incident, Status.ANSWER_REVIEW, Status.CLOSED, outcome="solved"),
    )
    assert closed.outcome is Outcome.SOLVED
    assert closed.reject_reason is None
