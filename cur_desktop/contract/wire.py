"""Wire schemas shared by the central server and the sync client (the sync contract).

One module both sides import, so that a field renamed on one side is renamed on the other.
See docs/SYNC.md for the protocol; in short:

* every entity id is a client-made UUID (server-made for ingested incidents);
* ``POST /api/v1/sync/push`` takes :class:`PushRequest` and answers :class:`PushResponse`;
  a mutation id that skips ahead of ``last_mutation_id + 1`` is a 409 with :class:`PushGap`;
* ``GET /api/v1/sync/pull?cursor=N`` answers :class:`PullResponse`: the changes with
  ``seq > cursor`` visible to the caller, from one snapshot, in ``seq`` order;
  ``reset`` tells the client to replace its confirmed state (cursor too old, or first pull).

Datetimes on the wire are timezone-aware and serialised in UTC (ISO 8601).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

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
from cur_desktop.domain.evidence import MAX_ATTACHMENTS_PER_ANSWER

API_PREFIX = "/api/v1"
MAX_TEXT_BYTES = 64 * 1024
MAX_INGEST_BATCH = 5_000
MAX_PUSH_BATCH = 5_000
MAX_CODE_LENGTH = 100
"""Longest reference code (topic, subtopic, municipality, executor id) or login on the wire."""


def _text_within_limit(value: str) -> str:
    """Refuse a text over :data:`MAX_TEXT_BYTES` in UTF-8 (the same limit on every path in)."""
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise ValueError(
            f"текст длиннее {MAX_TEXT_BYTES // 1024} КиБ ({size} байт в UTF-8); сократите его"
        )
    return value


LimitedText = Annotated[str, Field(min_length=1), AfterValidator(_text_within_limit)]
"""A user text (incident, answer, note): 1 character up to 64 KiB of UTF-8."""

Code = Annotated[str, Field(min_length=1, max_length=MAX_CODE_LENGTH)]
"""A reference code or id (topic, subtopic, municipality, executor, login)."""


class _Strict(BaseModel):
    """Base of every wire model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- entities


class EntityKind(StrEnum):
    """Kinds of rows that travel in pull pages."""

    INCIDENT = "incident"
    ANSWER = "answer"
    MUNICIPALITY = "municipality"
    EXECUTOR = "executor"


class IncidentWire(_Strict):
    """An incident as the server confirms it."""

    id: UUID
    source: Source
    external_id: str = Field(min_length=1, max_length=200)
    link: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=300)
    text: str
    received_at: AwareDatetime
    region_code: str = Field(min_length=4, max_length=10)  # ISO 3166-2:RU, e.g. "RU-TUL"
    municipality_id: str | None = None
    topic_code: str | None = None
    subtopic_code: str | None = None
    executor_id: str | None = None
    assignee: str | None = None  # login of the operator who works the incident
    priority: Priority = Priority.NORMAL
    status: Status = Status.NEW
    outcome: Outcome | None = None
    reject_reason: RejectReason | None = None
    first_answer_at: AwareDatetime | None = None
    first_answer_due: AwareDatetime | None = None
    final_answer_due: AwareDatetime | None = None
    # Warning instants (amber timers, the inbox's "at risk" filter): set by the server with
    # the due instant they belong to; ``None`` until the server has computed that deadline.
    first_answer_warn_at: AwareDatetime | None = None
    final_answer_warn_at: AwareDatetime | None = None
    # Moderation (classification and routing) is due at the end of the N-th working day after
    # the day of receipt; set by the server with the other deadlines.
    moderation_due: AwareDatetime | None = None
    moderation_warn_at: AwareDatetime | None = None
    # Working time from receipt to the first public answer, in µs of the region's business
    # calendar: computed once by the server when the first answer is known (statistics in SQL).
    first_answer_working_us: int | None = Field(default=None, ge=0)
    version: int = Field(ge=1)
    updated_at: AwareDatetime
    # Login of the user whose change produced this version (the card's history names them);
    # ``None`` for a version the server made by itself (an ingested post) and for versions
    # stored before servers recorded it. Older clients ignore the field (docs/SYNC.md).
    changed_by: str | None = Field(default=None, max_length=100)


class AnswerWire(_Strict):
    """An answer or an internal note; append-only, identified by its own client-made id."""

    id: UUID
    incident_id: UUID
    kind: AnswerKind
    state: AnswerState
    text: str
    author: str
    created_at: AwareDatetime
    published_at: AwareDatetime | None = None
    version: int = Field(ge=1)


class MunicipalityWire(_Strict):
    """A municipality (муниципальное образование) of a region."""

    id: str
    region_code: str
    name: str
    population: int | None = None


class ExecutorWire(_Strict):
    """An executor: a body that must act and answer (ministry, municipality, УК, РСО ...)."""

    id: str
    region_code: str
    name: str
    municipality_id: str | None = None


# --------------------------------------------------------------------------- mutations


class MutationName(StrEnum):
    """Mutations a client may push; each has an args model below and a declaration (rule,
    who may, what it touches) in :data:`cur_desktop.contract.registry.REGISTRY`."""

    INCIDENT_CREATE = "incident.create"
    INCIDENT_REGISTER = "incident.register"
    INCIDENT_CLASSIFY = "incident.classify"
    INCIDENT_TRANSITION = "incident.transition"
    INCIDENT_ASSIGN = "incident.assign"
    ANSWER_ADD = "answer.add"
    ANSWER_SET_STATE = "answer.set_state"
    CLIENT_SKIP = "client.skip"


class _NewIncidentArgs(_Strict):
    """What every mutation that brings a new incident carries; ``id`` is made by the client."""

    id: UUID
    author: str = Field(default="", max_length=300)
    text: LimitedText
    received_at: AwareDatetime
    municipality_id: Code | None = None
    topic_code: Code | None = None
    subtopic_code: Code | None = None
    priority: Priority = Priority.NORMAL


class IncidentCreateArgs(_NewIncidentArgs):
    """Create an incident of a given source post (a client that knows the post's id)."""

    source: Source
    external_id: str = Field(min_length=1, max_length=200)
    link: str = Field(default="", max_length=2000)


class RegistrationChannel(StrEnum):
    """How a resident reached the centre when an operator registers the incident by hand."""

    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"


REGISTERED_SOURCE = Source.OTHER
"""The source of a hand-registered incident (its SLA rule is the region's ``other`` one)."""


class IncidentRegisterArgs(_NewIncidentArgs):
    """Register by hand what a resident said by phone, in a letter or in person.

    ``id`` is made by the client (a retry of the same id is harmless). The region is never in
    the body: the server takes the caller's (an unknown field such as ``region_code`` is refused
    like any other). The incident gets source ``other`` and the external id
    ``"<channel>:<id>"`` (unique by construction; the card reads the channel back from it);
    ``contact`` (a phone number, an address, an e-mail) is kept in ``link``.
    """

    channel: RegistrationChannel
    contact: str = Field(default="", max_length=300)

    @property
    def source(self) -> Source:
        """The incident's source: :data:`REGISTERED_SOURCE`."""
        return REGISTERED_SOURCE

    @property
    def external_id(self) -> str:
        """``"<channel>:<id>"``: unique per registration, names the channel."""
        return registered_external_id(self.channel, self.id)

    def as_create(self) -> IncidentCreateArgs:
        """The same incident as ``incident.create`` args (what the shared rule builds)."""
        return IncidentCreateArgs(
            id=self.id,
            source=self.source,
            external_id=self.external_id,
            link=self.contact.strip(),
            author=self.author.strip(),
            text=self.text,
            received_at=self.received_at,
            municipality_id=self.municipality_id,
            topic_code=self.topic_code,
            subtopic_code=self.subtopic_code,
            priority=self.priority,
        )


def registered_external_id(channel: RegistrationChannel, incident_id: UUID | str) -> str:
    """The external id of a hand-registered incident: ``"phone:<uuid>"`` and so on."""
    return f"{channel.value}:{incident_id}"


def registration_channel(source: Source, external_id: str) -> RegistrationChannel | None:
    """The channel of a hand-registered incident, from its external id (``None``: a post)."""
    if source is not REGISTERED_SOURCE:
        return None
    prefix = external_id.split(":", 1)[0]
    try:
        return RegistrationChannel(prefix)
    except ValueError:
        return None


class IncidentClassifyArgs(_Strict):
    """Set source, topic, municipality, executor and priority; ``None`` leaves a field unchanged.

    A change of source, topic or priority makes the server recompute the running deadlines
    from the original start instants (and note it in the incident's history).
    """

    incident_id: UUID
    source: Source | None = None
    topic_code: Code | None = None
    subtopic_code: Code | None = None
    municipality_id: Code | None = None
    executor_id: Code | None = None
    priority: Priority | None = None


class IncidentTransitionArgs(_Strict):
    """Move the status ``from_status -> to_status``.

    Applied if the server is at ``from_status``; succeeds quietly if already at ``to_status``;
    rejected otherwise (code ``status_conflict``).
    """

    incident_id: UUID
    from_status: Status
    to_status: Status
    outcome: Outcome | None = None
    reject_reason: RejectReason | None = None


class IncidentAssignArgs(_Strict):
    """Compare-and-set assignment: applied only if the current assignee is ``expected``."""

    incident_id: UUID
    expected: Code | None
    assignee: Code | None


class AnswerAddArgs(_Strict):
    """Append an answer or note; ``id`` is made by the client, so a retry is harmless."""

    id: UUID
    incident_id: UUID
    kind: AnswerKind
    state: AnswerState = AnswerState.DRAFT
    text: LimitedText
    attachment_ids: list[UUID] = Field(default_factory=list, max_length=MAX_ATTACHMENTS_PER_ANSWER)
    """Evidence files of the answer; they are uploaded after it (contract/attachments.py)."""


class AnswerSetStateArgs(_Strict):
    """Move an answer ``from_state -> to_state`` (e.g. approve, publish)."""

    answer_id: UUID
    from_state: AnswerState
    to_state: AnswerState


class ClientSkipArgs(_Strict):
    """A placeholder the client sends for a mutation it set aside without an answer.

    When the server failed on one mutation with a server error again and again, the client
    keeps it in "needs attention" and sends this in its place, so the gap-free sequence of
    mutation ids moves on; the server applies it as a no-op.
    """

    set_aside: bool = True


class Mutation(_Strict):
    """One pending change; ``id`` is the client's own gap-free sequence, starting at 1."""

    id: int = Field(ge=1)
    name: MutationName
    args: dict[str, Any]
    base_version: int | None = None


class PushRequest(_Strict):
    """A batch of mutations from one client, in id order."""

    client_id: UUID
    mutations: list[Mutation] = Field(max_length=MAX_PUSH_BATCH)


class MutationOutcome(StrEnum):
    """What the server did with one mutation."""

    APPLIED = "applied"
    REJECTED = "rejected"
    ALREADY_PROCESSED = "already_processed"


class RejectCode(StrEnum):
    """Codes of rejected mutations; the message beside each is Russian and user-facing."""

    STATUS_CONFLICT = "status_conflict"
    ILLEGAL_TRANSITION = "illegal_transition"
    ASSIGN_CONFLICT = "assign_conflict"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    DUPLICATE = "duplicate"


class MutationResult(_Strict):
    """The server's answer for one mutation."""

    id: int
    outcome: MutationOutcome
    code: RejectCode | None = None
    message: str | None = None


class PushResponse(_Strict):
    """The server's answer for a push batch."""

    results: list[MutationResult]
    last_mutation_id: int


class PushGap(_Strict):
    """Body of the 409 answer when a batch does not start at ``last_mutation_id + 1``."""

    code: Literal["mutation_gap"] = "mutation_gap"
    message: str
    expected_id: int


# --------------------------------------------------------------------------- pull


class Change(_Strict):
    """One changed row; ``data`` is ``None`` when the row left the caller's view."""

    seq: int
    entity: EntityKind
    id: str
    data: dict[str, Any] | None


class PullResponse(_Strict):
    """One page of changes from one consistent snapshot."""

    changes: list[Change]
    next_cursor: int
    has_more: bool
    last_mutation_id: int
    reset: bool = False
    total: int | None = Field(default=None, ge=0)
    """Only on the first page of a pull: changes from this page's first one up to the head,
    this page included (for the progress of a long sync; older servers do not send it)."""


# --------------------------------------------------------------------------- auth, ingestion


class LoginRequest(_Strict):
    """Credentials for ``POST /api/v1/auth/login``."""

    login: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class TokenResponse(_Strict):
    """A bearer token and who it belongs to."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    login: str
    role: Role
    region_code: str | None


class IngestItem(_Strict):
    """One post from the monitoring feed."""

    source: Source
    external_id: str = Field(min_length=1, max_length=200)
    link: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=300)
    text: str = Field(min_length=1)
    received_at: AwareDatetime
    region_code: str = Field(max_length=10)
    municipality_id: Code | None = None
    topic_code: Code | None = None
    subtopic_code: Code | None = None
    priority: Priority = Priority.NORMAL


class IngestItemResult(_Strict):
    """Per-item result of an ingestion batch."""

    index: int
    status: Literal["created", "duplicate", "invalid"]
    incident_id: UUID | None = None
    reason: str | None = None
