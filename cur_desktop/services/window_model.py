"""Plain data the window shows: an incident's card and history, drafts, rejected changes.

Built by the services layer from the local store (no Qt): :func:`history_of` turns an
incident, its answers and its pending local changes into a timeline, newest last, each entry
marked "made offline" while it waits for the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, AnswerState, Status

log = logging.getLogger(__name__)


class HistoryKind(StrEnum):
    """What a timeline entry records."""

    RECEIVED = "received"
    ANSWER = "answer"
    NOTE = "note"
    STATUS = "status"
    ASSIGNED = "assigned"
    CLASSIFIED = "classified"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of an incident's history."""

    at: datetime
    kind: HistoryKind
    who: str
    text: str = ""
    answer_kind: AnswerKind | None = None
    answer_state: AnswerState | None = None
    to_status: Status | None = None
    made_offline: bool = False


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """An incident as the card shows it."""

    incident: wire.IncidentWire
    answers: tuple[wire.AnswerWire, ...]
    history: tuple[HistoryEntry, ...]
    pending_changes: int
    municipality_name: str | None
    executor_name: str | None
    topic_name: str | None


@dataclass(frozen=True, slots=True)
class Draft:
    """The editor's saved text for one incident."""

    incident_id: str
    kind: AnswerKind
    text: str
    saved_at: datetime
    base_version: int | None = None
    """The incident version when the editor opened (to tell that it changed since)."""


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """A change the server rejected, kept with what the operator wrote."""

    id: int
    name: str
    incident_id: str | None
    code: str | None
    message: str | None
    text: str | None
    """The text of a rejected answer or note (always kept)."""
    created_at: datetime


def history_of(
    incident: wire.IncidentWire,
    answers: Iterable[wire.AnswerWire],
    pending: Sequence[tuple[int, str, dict[str, Any], datetime]],
    pending_answer_ids: set[str],
) -> list[HistoryEntry]:
    """The timeline of an incident: received, answers and notes, pending status moves."""
    entries = [
        HistoryEntry(at=incident.received_at, kind=HistoryKind.RECEIVED, who=incident.author)
    ]
    for answer in answers:
        is_note = answer.kind is AnswerKind.INTERNAL_NOTE
        entries.append(
            HistoryEntry(
                at=answer.published_at or answer.created_at,
                kind=HistoryKind.NOTE if is_note else HistoryKind.ANSWER,
                who=answer.author,
                text=answer.text,
                answer_kind=answer.kind,
                answer_state=answer.state,
                made_offline=str(answer.id) in pending_answer_ids,
            )
        )
    for _mid, name, args, created in pending:
        if name == wire.MutationName.INCIDENT_TRANSITION.value:
            entries.append(
                HistoryEntry(
                    at=created,
                    kind=HistoryKind.STATUS,
                    who="",
                    to_status=Status(args["to_status"]),
                    made_offline=True,
                )
            )
        elif name == wire.MutationName.INCIDENT_ASSIGN.value:
            entries.append(
                HistoryEntry(
                    at=created,
                    kind=HistoryKind.ASSIGNED,
                    who=str(args.get("assignee") or ""),
                    made_offline=True,
                )
            )
        elif name == wire.MutationName.INCIDENT_CLASSIFY.value:
            entries.append(
                HistoryEntry(at=created, kind=HistoryKind.CLASSIFIED, who="", made_offline=True)
            )
    entries.sort(key=lambda e: e.at)
    return entries


__all__ = [
    "AttentionItem",
    "Draft",
    "HistoryEntry",
    "HistoryKind",
    "IncidentDetail",
    "history_of",
]
