"""Domain entities: incidents, answers, municipalities, executors, users.

Frozen, slotted dataclasses; field names are identical to the wire schemas in
``cur_desktop/wire.py`` (``IncidentWire``, ``AnswerWire``, ``MunicipalityWire``,
``ExecutorWire``) so that mapping between them is a plain ``**fields`` copy. Every datetime is
timezone-aware (naive ones are refused with ``ValueError``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from cur_desktop.domain.calendar import require_aware
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
    IllegalTransitionError,
    check_transition,
    routing_refusal,
)

__all__ = ["Answer", "Executor", "Incident", "Municipality", "User"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Incident:
    """A resident's public post found by monitoring, and where its handling stands.

    ``version`` is the server-confirmed row version (compare-and-set in sync); the domain never
    changes it. ``assignee`` is the login of the operator working the incident.
    """

    id: UUID
    source: Source
    external_id: str
    text: str
    received_at: datetime
    region_code: str
    link: str = ""
    author: str = ""
    municipality_id: str | None = None
    topic_code: str | None = None
    subtopic_code: str | None = None
    executor_id: str | None = None
    assignee: str | None = None
    priority: Priority = Priority.NORMAL
    status: Status = Status.NEW
    outcome: Outcome | None = None
    reject_reason: RejectReason | None = None
    first_answer_at: datetime | None = None
    first_answer_due: datetime | None = None
    final_answer_due: datetime | None = None
    first_answer_warn_at: datetime | None = None
    final_answer_warn_at: datetime | None = None
    moderation_due: datetime | None = None
    moderation_warn_at: datetime | None = None
    first_answer_working_us: int | None = None  # working time to the first answer, µs
    version: int = 1
    updated_at: datetime | None = None
    changed_by: str | None = None  # login behind this version; None: the server (ingestion)

    def __post_init__(self) -> None:
        require_aware(self.received_at, "received_at")
        for name in (
            "first_answer_at",
            "first_answer_due",
            "final_answer_due",
            "first_answer_warn_at",
            "final_answer_warn_at",
            "moderation_due",
            "moderation_warn_at",
            "updated_at",
        ):
            value = getattr(self, name)
            if value is not None:
                require_aware(value, name)
        if self.version < 1:
            raise ValueError(f"version must be >= 1, got {self.version}")
        if self.first_answer_working_us is not None and self.first_answer_working_us < 0:
            raise ValueError("first_answer_working_us must not be negative")

    @property
    def is_open(self) -> bool:
        """Open311 ``open``: anything but closed or rejected."""
        return not self.status.is_terminal

    def with_status(
        self,
        target: Status,
        *,
        outcome: Outcome | None = None,
        reject_reason: RejectReason | None = None,
    ) -> Incident:
        """A copy moved to ``target`` after :func:`check_transition`; raises if refused.

        Leaving ``closed`` clears the outcome and leaving ``rejected`` clears the reject reason.
        Moving into ``sent_to_executor`` needs an executor (:func:`routing_refusal`).
        """
        check_transition(self.status, target, outcome=outcome, reject_reason=reject_reason)
        refusal = routing_refusal(self.status, target, self.executor_id)
        if refusal is not None:
            raise IllegalTransitionError(refusal, from_state=self.status, to_state=target)
        return replace(self, status=target, outcome=outcome, reject_reason=reject_reason)


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer (interim, solution, final) or an internal note; append-only."""

    id: UUID
    incident_id: UUID
    kind: AnswerKind
    text: str
    author: str
    created_at: datetime
    state: AnswerState = AnswerState.DRAFT
    published_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        require_aware(self.created_at, "created_at")
        if self.published_at is not None:
            require_aware(self.published_at, "published_at")
        if self.state is AnswerState.PUBLISHED and not self.kind.is_public:
            raise ValueError("an internal note is never published")


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality (муниципальное образование) of a region."""

    id: str
    region_code: str
    name: str
    population: int | None = None


@dataclass(frozen=True, slots=True)
class Executor:
    """A body that must act and answer: ministry, municipality, УК, РСО, federal office."""

    id: str
    region_code: str
    name: str
    municipality_id: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in; ``region_code`` is ``None`` for federal, all-region roles."""

    login: str
    role: Role
    region_code: str | None = None
