"""Deadlines that follow the incident: recomputation after a reclassification, and its note.

When ``incident.classify`` changes the source, topic or priority, the SLA rule may change, so
the deadlines still running are recomputed from their original start instants (DOMAIN.md,
"Deadlines"):

* the first answer, from ``received_at``, while no first answer is out;
* moderation, from ``received_at``, while the incident is new or on moderation;
* the final answer, from the earliest published interim answer (else ``first_answer_at``),
  while it has a final-answer deadline and is neither closed nor rejected.

Deadlines already met (or no longer running) keep their values: the statistics of a period
already answered do not move. The incident's history shows the change: an internal note
written by the server (author :data:`SYSTEM_AUTHOR`) lists old and new due instants in the
region's local time. Its id derives from the incident id and the new version, so it is
written once per reclassification.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.domain.deadlines import Deadline
from cur_desktop.domain.enums import AnswerKind, AnswerState, Priority, Source, Status
from cur_desktop.server import deadline_policy
from cur_desktop.server.convert import answer_values
from cur_desktop.server.db import allocate_seq
from cur_desktop.server.tables import Answer
from cur_desktop.server.write_behind import Kept, before_read, write_row

log = logging.getLogger(__name__)

SYSTEM_AUTHOR = "система"
"""Author of the notes the server writes into an incident's history."""

HISTORY_NAMESPACE = uuid.UUID("0b7f3f0e-6a55-4c1e-9f0e-3d7c2a9b5e41")

DEADLINE_KEYS = ("source", "topic_code", "priority")
"""Fields whose change can change the SLA rule of an incident."""

_KEY_TITLES = {"source": "источник", "topic_code": "тема", "priority": "приоритет"}
_FINISHED = frozenset({Status.CLOSED, Status.REJECTED})
_IN_MODERATION = frozenset({Status.NEW, Status.MODERATION})


def rule_keys_changed(current: wire.IncidentWire, new: wire.IncidentWire) -> bool:
    """Whether source, topic or priority differs between ``current`` and ``new``."""
    return any(getattr(current, key) != getattr(new, key) for key in DEADLINE_KEYS)


def final_start(session: Session, incident: wire.IncidentWire) -> datetime | None:
    """Start of the final-answer limit: the earliest published interim answer, else the first."""
    before_read(session, answers_of=str(incident.id))
    interim_at = session.execute(
        select(Answer.published_at)
        .where(
            Answer.incident_id == str(incident.id),
            Answer.kind == AnswerKind.INTERIM.value,
            Answer.state == AnswerState.PUBLISHED.value,
            Answer.published_at.is_not(None),
        )
        .order_by(Answer.published_at)
        .limit(1)
    ).scalar_one_or_none()
    return interim_at or incident.first_answer_at


def _rule_args(incident: wire.IncidentWire) -> tuple[str, Source, str | None, Priority]:
    return incident.region_code, incident.source, incident.topic_code, incident.priority


def recompute(
    session: Session, current: wire.IncidentWire, new: wire.IncidentWire, *, now: datetime
) -> wire.IncidentWire:
    """``new`` with its running deadlines recomputed, plus a history note; see the module."""
    if new.version == current.version or not rule_keys_changed(current, new):
        return new
    updates: dict[str, datetime | None] = {}
    lines: list[str] = []

    def put(title: str, prefix: str, deadline: Deadline) -> None:
        old_due = getattr(new, f"{prefix}_due")
        updates[f"{prefix}_due"] = deadline.due
        updates[f"{prefix}_warn_at"] = deadline.warn_at
        if old_due != deadline.due:
            lines.append(
                f"{title}: до {deadline_policy.local_text(new.region_code, deadline.due)} "
                f"(было {deadline_policy.local_text(new.region_code, old_due)})"
            )

    if new.first_answer_at is None and new.status not in _FINISHED:
        put(
            "первичный ответ",
            "first_answer",
            deadline_policy.first_answer(*_rule_args(new), new.received_at),
        )
    if new.status in _IN_MODERATION:
        put(
            "модерация", "moderation", deadline_policy.moderation(*_rule_args(new), new.received_at)
        )
    if new.final_answer_due is not None and new.status not in _FINISHED:
        start = final_start(session, new)
        if start is not None:
            final = deadline_policy.final_answer(
                *_rule_args(new), interim_at=start, received_at=new.received_at
            )
            put("окончательный ответ", "final_answer", final)
    if not updates:
        return new
    recomputed = new.model_copy(update=updates)
    _write_note(session, current, recomputed, lines, now=now)
    return recomputed


def _write_note(
    session: Session,
    current: wire.IncidentWire,
    new: wire.IncidentWire,
    lines: list[str],
    *,
    now: datetime,
) -> None:
    changes = "; ".join(
        f"{_KEY_TITLES[key]}: {getattr(current, key) or '—'} → {getattr(new, key) or '—'}"
        for key in DEADLINE_KEYS
        if getattr(current, key) != getattr(new, key)
    )
    verdict = "; ".join(lines) if lines else "сроки не изменились"
    text = f"Классификация изменена ({changes}). Сроки пересчитаны от исходного момента: {verdict}."
    note = wire.AnswerWire(
        id=uuid.uuid5(HISTORY_NAMESPACE, f"{new.id}:{new.version}"),
        incident_id=new.id,
        kind=AnswerKind.INTERNAL_NOTE,
        state=AnswerState.DRAFT,
        text=text,
        author=SYSTEM_AUTHOR,
        created_at=now,
        version=1,
    )
    values = answer_values(note)
    values["region_code"] = new.region_code
    values["seq"] = allocate_seq(session)
    write_row(session, Kept.INSERT_ANSWER, values)
    log.info("deadlines of incident %s recomputed after reclassification", new.id)
