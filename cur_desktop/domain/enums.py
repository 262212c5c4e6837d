"""Enumerations shared by every layer: statuses, sources, priorities, roles, answer kinds.

Values are stable lowercase identifiers: they are stored in databases and sent on the wire.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Life-cycle status of an incident (see DOMAIN.md, "Life cycle")."""

    NEW = "new"
    MODERATION = "moderation"
    SENT_TO_EXECUTOR = "sent_to_executor"
    PRIMARY_ANSWERED = "primary_answered"
    ON_CONTROL = "on_control"
    ANSWER_REVIEW = "answer_review"
    REWORK = "rework"
    CLOSED = "closed"
    REJECTED = "rejected"
    REOPENED = "reopened"

    @property
    def is_terminal(self) -> bool:
        """Closed and rejected incidents need no more work (Open311 ``closed``)."""
        return self in (Status.CLOSED, Status.REJECTED)


class Source(StrEnum):
    """Where a resident's post was found."""

    VK = "vk"
    OK = "ok"
    TELEGRAM = "telegram"
    POS = "pos"  # «Госуслуги. Решаем вместе» (платформа обратной связи)
    APPEAL_59FZ = "appeal_59fz"  # обращение по 59-ФЗ
    OTHER = "other"


class Priority(StrEnum):
    """Priority of an incident; ``high`` shortens the first-answer limit."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Role(StrEnum):
    """Role of a user of the workstation or the server."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    FEDERAL_ANALYST = "federal_analyst"
    ADMIN = "admin"


class AnswerKind(StrEnum):
    """Kind of an answer row attached to an incident."""

    INTERIM = "interim"  # промежуточный: «взято в работу»
    SOLUTION = "solution"  # первичный ответ с готовым решением
    FINAL = "final"  # окончательный ответ после промежуточного
    INTERNAL_NOTE = "internal_note"  # внутренняя заметка, не публикуется

    @property
    def is_public(self) -> bool:
        """Whether an answer of this kind is published to the resident."""
        return self is not AnswerKind.INTERNAL_NOTE


class AnswerState(StrEnum):
    """State of an answer from draft to published."""

    DRAFT = "draft"
    ON_APPROVAL = "on_approval"
    APPROVED = "approved"
    RETURNED = "returned"
    PUBLISHED = "published"


class Outcome(StrEnum):
    """Outcome recorded when an incident is closed."""

    SOLVED = "solved"
    IMPOSSIBLE = "impossible"
    NOT_IN_COMPETENCE = "not_in_competence"


class RejectReason(StrEnum):
    """Why an incident needs no answer."""

    DUPLICATE = "duplicate"
    SPAM = "spam"
    OBSCENE = "obscene"
    CLOSED_PROFILE = "closed_profile"
    OUT_OF_SCOPE = "out_of_scope"
