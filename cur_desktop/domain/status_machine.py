"""Life cycle of incidents and of answers: explicit transition tables and their checks.

The incident table follows DOMAIN.md ("Life cycle"); where DOMAIN.md is silent the choices are
recorded in docs/DOMAIN_RULES.md ("Status machine"). Refusals raise
:class:`IllegalTransitionError` whose message is Russian and shown to the operator as is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from cur_desktop.domain.enums import AnswerKind, AnswerState, Outcome, RejectReason, Status

__all__ = [
    "ANSWER_STATE_TITLES",
    "ANSWER_TRANSITIONS",
    "OUTCOME_TITLES",
    "REJECT_REASON_TITLES",
    "STATUS_TITLES",
    "TRANSITIONS",
    "IllegalTransitionError",
    "can_answer_transition",
    "can_transition",
    "check_answer_transition",
    "check_transition",
    "executor_refusal",
    "routing_refusal",
]

logger = logging.getLogger(__name__)

S = Status
A = AnswerState

TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.MODERATION, S.REJECTED}),
    S.MODERATION: frozenset({S.SENT_TO_EXECUTOR, S.PRIMARY_ANSWERED, S.REJECTED}),
    S.SENT_TO_EXECUTOR: frozenset({S.MODERATION, S.ANSWER_REVIEW, S.PRIMARY_ANSWERED, S.REJECTED}),
    S.ANSWER_REVIEW: frozenset({S.PRIMARY_ANSWERED, S.REWORK, S.CLOSED}),
    S.REWORK: frozenset({S.ANSWER_REVIEW, S.SENT_TO_EXECUTOR}),
    S.PRIMARY_ANSWERED: frozenset({S.ON_CONTROL, S.CLOSED, S.REOPENED}),
    S.ON_CONTROL: frozenset({S.ANSWER_REVIEW, S.CLOSED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REJECTED: frozenset({S.MODERATION}),
    S.REOPENED: frozenset({S.MODERATION, S.SENT_TO_EXECUTOR, S.CLOSED, S.REJECTED}),
}
"""Allowed moves of an incident's status: ``TRANSITIONS[from]`` is the set of targets."""

ANSWER_TRANSITIONS: Mapping[AnswerState, frozenset[AnswerState]] = {
    A.DRAFT: frozenset({A.ON_APPROVAL, A.PUBLISHED}),
    A.ON_APPROVAL: frozenset({A.APPROVED, A.RETURNED}),
    A.APPROVED: frozenset({A.PUBLISHED}),
    A.RETURNED: frozenset({A.DRAFT, A.ON_APPROVAL}),
    A.PUBLISHED: frozenset(),
}
"""Allowed moves of an answer's state."""

STATUS_TITLES: Mapping[Status, str] = {
    S.NEW: "Новый",
    S.MODERATION: "На модерации",
    S.SENT_TO_EXECUTOR: "Направлен исполнителю",
    S.PRIMARY_ANSWERED: "Дан первичный ответ",
    S.ON_CONTROL: "На контроле",
    S.ANSWER_REVIEW: "Проверка ответа",
    S.REWORK: "На доработке",
    S.CLOSED: "Закрыт",
    S.REJECTED: "Отклонён",
    S.REOPENED: "Переоткрыт",
}
"""Russian display names of incident statuses."""

ANSWER_STATE_TITLES: Mapping[AnswerState, str] = {
    A.DRAFT: "Черновик",
    A.ON_APPROVAL: "На согласовании",
    A.APPROVED: "Согласован",
    A.RETURNED: "Возвращён на исправление",
    A.PUBLISHED: "Опубликован",
}
"""Russian display names of answer states."""

OUTCOME_TITLES: Mapping[Outcome, str] = {
    Outcome.SOLVED: "Решено",
    Outcome.IMPOSSIBLE: "Решение невозможно",
    Outcome.NOT_IN_COMPETENCE: "Не в компетенции",
}
"""Russian display names of closing outcomes."""

REJECT_REASON_TITLES: Mapping[RejectReason, str] = {
    RejectReason.DUPLICATE: "Дубликат",
    RejectReason.SPAM: "Спам",
    RejectReason.OBSCENE: "Оскорбления, нецензурная лексика",
    RejectReason.CLOSED_PROFILE: "Закрытый профиль",
    RejectReason.OUT_OF_SCOPE: "Вне компетенции ЦУР",
}
"""Russian display names of reject reasons."""

# Why a status allows so little: shown after the refused move.
_STATUS_HINTS: Mapping[Status, str] = {
    S.CLOSED: "закрытый инцидент можно только переоткрыть",
    S.REJECTED: "отклонённый инцидент можно только вернуть на модерацию",
    S.NEW: "новый инцидент сначала проходит модерацию или отклоняется",
    S.ON_CONTROL: (
        "инцидент на контроле ждёт окончательного ответа: его проверяют или закрывают инцидент"
    ),
}

_ANSWER_HINTS: Mapping[AnswerState, str] = {
    A.PUBLISHED: "опубликованный ответ изменить нельзя",
    A.APPROVED: "согласованный ответ можно только опубликовать",
    A.ON_APPROVAL: "ответ на согласовании можно согласовать или вернуть на исправление",
}


class IllegalTransitionError(ValueError):
    """A refused status (or answer state) move; ``str(error)`` is a Russian message."""

    def __init__(
        self,
        message: str,
        *,
        from_state: Status | AnswerState,
        to_state: Status | AnswerState,
    ) -> None:
        super().__init__(message)
        self.from_state = from_state
        self.to_state = to_state


def _titles(targets: frozenset[Status]) -> str:
    ordered = [s for s in Status if s in targets]
    return ", ".join(f"«{STATUS_TITLES[s]}»" for s in ordered)


def can_transition(current: Status, target: Status) -> bool:
    """Whether the table allows moving an incident from ``current`` to ``target``."""
    return target in TRANSITIONS[current]


def check_transition(
    current: Status,
    target: Status,
    *,
    outcome: Outcome | None = None,
    reject_reason: RejectReason | None = None,
) -> None:
    """Refuse an illegal move with :class:`IllegalTransitionError`; return ``None`` if legal.

    Closing needs an ``outcome``; rejecting needs a ``reject_reason``; neither may be given for
    any other target (so that a stale outcome is never recorded by mistake).
    """
    head = (
        f"Нельзя перевести инцидент из статуса «{STATUS_TITLES[current]}» "
        f"в «{STATUS_TITLES[target]}»"
    )
    if current == target:
        why = f"инцидент уже в статусе «{STATUS_TITLES[current]}»"
    elif not can_transition(current, target):
        hint = _STATUS_HINTS.get(current)
        allowed = _titles(TRANSITIONS[current])
        why = hint if hint is not None else f"из этого статуса можно перейти только в {allowed}"
    elif target == S.CLOSED and outcome is None:
        why = "для закрытия укажите результат (решено, решение невозможно, не в компетенции)"
    elif target == S.REJECTED and reject_reason is None:
        why = "для отклонения укажите причину"
    elif outcome is not None and target != S.CLOSED:
        why = "результат указывается только при закрытии"
    elif reject_reason is not None and target != S.REJECTED:
        why = "причина отклонения указывается только при отклонении"
    else:
        return
    logger.debug("refused transition %s -> %s: %s", current, target, why)
    raise IllegalTransitionError(f"{head}: {why}", from_state=current, to_state=target)


def can_answer_transition(current: AnswerState, target: AnswerState) -> bool:
    """Whether the table allows moving an answer from ``current`` to ``target``."""
    return target in ANSWER_TRANSITIONS[current]


def check_answer_transition(current: AnswerState, target: AnswerState) -> None:
    """Refuse an illegal answer-state move with :class:`IllegalTransitionError`."""
    if can_answer_transition(current, target):
        return
    head = (
        f"Нельзя перевести ответ из состояния «{ANSWER_STATE_TITLES[current]}» "
        f"в «{ANSWER_STATE_TITLES[target]}»"
    )
    if current == target:
        why = f"ответ уже в состоянии «{ANSWER_STATE_TITLES[current]}»"
    else:
        hint = _ANSWER_HINTS.get(current)
        allowed = ", ".join(
            f"«{ANSWER_STATE_TITLES[s]}»" for s in AnswerState if s in ANSWER_TRANSITIONS[current]
        )
        why = hint if hint is not None else f"из этого состояния можно перейти только в {allowed}"
    raise IllegalTransitionError(f"{head}: {why}", from_state=current, to_state=target)


_NEEDS_EXECUTOR: Mapping[AnswerKind, str] = {
    AnswerKind.SOLUTION: "Ответ с решением",
    AnswerKind.FINAL: "Окончательный ответ",
}


def executor_refusal(kind: AnswerKind, state: AnswerState, executor_id: str | None) -> str | None:
    """Why an answer of ``kind`` cannot go out (``state``) yet, in Russian; ``None`` if it can.

    A solution or a final answer says what the executor did or will do, so the incident must
    be routed to one first (DOMAIN.md: moderation sets the executor, then ``sent_to_executor``;
    the final answer is the executor's, checked by the centre). An interim answer («взято в
    работу») may go out before routing: the first-answer deadline runs from registration while
    moderation may take a working day. Drafts and notes are never refused.
    """
    title = _NEEDS_EXECUTOR.get(kind)
    if title is None or executor_id or state not in (AnswerState.ON_APPROVAL, A.PUBLISHED):
        return None
    return (
        f"{title} нельзя отправить: инцидент не направлен исполнителю. Выберите исполнителя "
        "и сохраните классификацию или отправьте промежуточный ответ"
    )


def routing_refusal(current: Status, target: Status, executor_id: str | None) -> str | None:
    """Why the incident cannot move from ``current`` to ``target`` without an executor, in
    Russian; ``None`` if it can.

    «Направлен исполнителю» names who the incident went to (DOMAIN.md: moderation sets the
    executor, then ``sent_to_executor``), so the move into it needs ``executor_id``: already on
    the incident, or set by an earlier mutation (``incident.classify``) of the same action or
    batch. Every other target, and staying in ``sent_to_executor``, is not concerned here.
    """
    if target is not S.SENT_TO_EXECUTOR or current is target or executor_id:
        return None
    return (
        f"Нельзя перевести инцидент из статуса «{STATUS_TITLES[current]}» "
        f"в «{STATUS_TITLES[target]}»: не выбран исполнитель. Выберите исполнителя "
        "и сохраните классификацию"
    )
