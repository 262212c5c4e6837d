"""The pull fast path for incidents the store has not seen: rows as tuples, one executemany.

A first sync (or any page of new incidents) is a bulk load: :func:`prepare_incident` turns a
validated :class:`~cur_desktop.contract.wire.IncidentWire` into the store's column values (a
plain tuple, instants as epoch microseconds, as the column types would write them) and its
full-text tokens; the sync engine calls it in the worker thread that decodes a page, so the
stemming overlaps the writer's SQLite work on the previous page (the SQLite driver releases
the GIL while a statement runs).

:func:`insert_new_incidents` then writes, inside the caller's transaction, the incidents whose
id is not in the store yet with one ``executemany`` and explicit ``rowid_`` values (so the FTS
rows can be inserted with the same rowids, with no read-back), and hands the others back for
the general upsert (:func:`cur_desktop.storage.localstate.write_view_incidents`), which carries
local columns over and replaces stale FTS tokens. The result is the same as that upsert's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from cur_desktop.contract import wire
from cur_desktop.domain.current_due import current_deadline
from cur_desktop.domain.enums import Outcome, Priority, RejectReason, Source, Status
from cur_desktop.storage.incidents import _CONVERTERS, _DEFAULTS, _WRITE_COLUMNS
from cur_desktop.storage.search import stem_texts
from cur_desktop.storage.tables import FTS_TABLE, answer_table, incident_table
from cur_desktop.storage.types import EPOCH, EnumText, UtcEpochMicros

log = logging.getLogger(__name__)

_IN_CHUNK = 500
_MICRO = timedelta(microseconds=1)
_WIRE_FIELDS = frozenset(wire.IncidentWire.model_fields)


@dataclass(frozen=True, slots=True)
class PreparedIncident:
    """Column values (in :data:`INSERT_COLUMNS` order after ``rowid_``) and FTS tokens."""

    values: tuple[Any, ...]
    tokens: str


def _getter(column: str, convert: Callable[[Any], Any]) -> Callable[[wire.IncidentWire], Any]:
    """Column value from a validated incident, as the column type would write it.

    Shortcuts where the wire model already guarantees the type: aware instants (``AwareDatetime``)
    and enum members skip the general converters' checks.
    """
    if column == "id":
        return lambda incident: str(incident.id)
    if column == "local_changed":
        return lambda incident: 0
    column_type = incident_table.c[column].type
    if column in _WIRE_FIELDS and isinstance(column_type, UtcEpochMicros):

        def instant(incident: wire.IncidentWire) -> int | None:
            value = getattr(incident, column)
            return None if value is None else (value - EPOCH) // _MICRO

        return instant
    if column in _WIRE_FIELDS and isinstance(column_type, EnumText):

        def member(incident: wire.IncidentWire) -> str | None:
            value = getattr(incident, column)
            return None if value is None else str(value.value)

        return member
    if column in _WIRE_FIELDS:
        return lambda incident: convert(getattr(incident, column))
    default = convert(_DEFAULTS.get(column))
    return lambda incident: default


_GETTERS = tuple(_getter(c, conv) for c, conv in zip(_WRITE_COLUMNS, _CONVERTERS, strict=True))
INSERT_COLUMNS = ("rowid_", *_WRITE_COLUMNS)
_INSERT_SQL = (
    f"INSERT INTO incident ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)
_FTS_INSERT_SQL = f"INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (?, ?)"


_CURRENT = {name: INSERT_COLUMNS.index(name) - 1 for name in ("current_due", "current_warn_at")}
_ID = INSERT_COLUMNS.index("id") - 1
_STICKY = {name: INSERT_COLUMNS.index(name) - 1 for name in ("was_reworked", "was_reopened")}


def running_deadline(incident: wire.IncidentWire) -> tuple[datetime | None, datetime | None]:
    """``(due, warn_at)`` of the deadline that runs now, as ``storage.incidents`` computes it."""
    return current_deadline(
        incident.status,
        first_answer_at=incident.first_answer_at,
        first_answer_due=incident.first_answer_due,
        first_answer_warn_at=incident.first_answer_warn_at,
        final_answer_due=incident.final_answer_due,
        final_answer_warn_at=incident.final_answer_warn_at,
    )


def _generic_values(incident: wire.IncidentWire) -> tuple[Any, ...]:
    """Column values through the general per-column getters (any column layout)."""
    values = [get(incident) for get in _GETTERS]
    due, warn = running_deadline(incident)
    values[_CURRENT["current_due"]] = None if due is None else (due - EPOCH) // _MICRO
    values[_CURRENT["current_warn_at"]] = None if warn is None else (warn - EPOCH) // _MICRO
    status = incident.status
    values[_STICKY["was_reworked"]] = int(status is Status.REWORK)
    values[_STICKY["was_reopened"]] = int(status is Status.REOPENED)
    return tuple(values)


def _us(value: datetime | None) -> int | None:
    """An aware instant as epoch microseconds (as ``UtcEpochMicros`` writes it), exactly."""
    if value is None:
        return None
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_ENUM_TEXT: dict[Any, str] = {
    member: str(member.value)
    for enum_cls in (Source, Priority, Status, Outcome, RejectReason)
    for member in enum_cls
}
_FAST_COLUMNS = (
    *("id", "source", "external_id", "link", "author", "text", "received_at", "region_code"),
    *("municipality_id", "topic_code", "subtopic_code", "executor_id", "assignee"),
    *("priority", "status", "outcome", "reject_reason", "first_answer_at", "first_answer_due"),
    *("final_answer_due", "moderation_due", "moderation_warn_at", "first_answer_working_us"),
    *("version", "updated_at", "first_answer_warn_at", "final_answer_warn_at", "has_interim"),
    *("has_final", "was_reworked", "was_reopened", "rating", "local_changed", "current_due"),
    *("current_warn_at", "changed_by"),
)
"""The column order :func:`_fast_values` writes; used only while it equals the table's."""


def _pick(
    chosen: datetime | None,
    first: datetime | None,
    first_us: int | None,
    final: datetime | None,
    final_us: int | None,
) -> int | None:
    """The microseconds of ``chosen``, reusing those of the field it is (no second conversion)."""
    if chosen is None:
        return None
    if chosen is first:
        return first_us
    if chosen is final:
        return final_us
    return _us(chosen)


def _fast_values(incident: wire.IncidentWire) -> tuple[Any, ...]:
    """:func:`_generic_values` written out for the store's column layout (~3x faster).

    No answers are known to a new row, so ``has_interim`` / ``has_final`` are 0; the sticky
    flags follow the status (what :func:`~cur_desktop.storage.localstate.refresh_derived`
    computes for a new row). Enum members map to their text through one dict.
    """
    i = incident
    text = _ENUM_TEXT.get
    status = i.status
    first_due, first_warn = _us(i.first_answer_due), _us(i.first_answer_warn_at)
    final_due, final_warn = _us(i.final_answer_due), _us(i.final_answer_warn_at)
    due, warn = running_deadline(i)  # one of the instants above, or None
    current_due = _pick(due, i.first_answer_due, first_due, i.final_answer_due, final_due)
    current_warn = _pick(
        warn, i.first_answer_warn_at, first_warn, i.final_answer_warn_at, final_warn
    )
    return (
        str(i.id),
        text(i.source),
        i.external_id,
        i.link,
        i.author,
        i.text,
        _us(i.received_at),
        i.region_code,
        i.municipality_id,
        i.topic_code,
        i.subtopic_code,
        i.executor_id,
        i.assignee,
        text(i.priority),
        text(status),
        text(i.outcome),
        text(i.reject_reason),
        _us(i.first_answer_at),
        first_due,
        final_due,
        _us(i.moderation_due),
        _us(i.moderation_warn_at),
        i.first_answer_working_us,
        i.version,
        _us(i.updated_at),
        first_warn,
        final_warn,
        0,
        0,
        int(status is Status.REWORK),
        int(status is Status.REOPENED),
        None,
        0,
        current_due,
        current_warn,
        i.changed_by,
    )


_values = _fast_values if _FAST_COLUMNS == _WRITE_COLUMNS else _generic_values


def prepare_incidents(incidents: Sequence[wire.IncidentWire]) -> list[PreparedIncident]:
    """Column values and FTS tokens of each incident (pure CPU; runs off the event loop).

    The values are final for an incident that has no answers in the store: the derived
    flags need no refresh then (see :func:`insert_new_incidents`).
    """
    tokens = stem_texts(f"{i.author}\n{i.text}" for i in incidents)
    return [PreparedIncident(_values(i), t) for i, t in zip(incidents, tokens, strict=True)]


@dataclass(frozen=True, slots=True)
class BulkInsert:
    """What :func:`insert_new_incidents` did: the ids it inserted, the incidents it left."""

    inserted: list[str]
    others: list[wire.IncidentWire]


def insert_new_incidents(
    conn: Connection,
    incidents: Sequence[wire.IncidentWire],
    prepared: Sequence[PreparedIncident],
) -> BulkInsert:
    """Insert the incidents whose id is new to the store; hand back the others, in order.

    ``prepared[i]`` belongs to ``incidents[i]``. A later duplicate id in ``incidents`` is
    handed back too (the general upsert applies it after the first one, as in seq order).
    The inserted rows carry their final derived flags unless answers of them are in the store
    (:func:`with_answers` tells which).
    """
    ids = [str(ready.values[_ID]) for ready in prepared]  # str(uuid) costs ~0.6 µs a row
    existing: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        existing.update(
            str(r[0])
            for r in conn.execute(select(incident_table.c.id).where(incident_table.c.id.in_(chunk)))
        )
    top = conn.execute(select(func.max(incident_table.c.rowid_))).scalar()
    next_rowid = int(top or 0) + 1
    rows: list[tuple[Any, ...]] = []
    fts: list[tuple[int, str]] = []
    others: list[wire.IncidentWire] = []
    inserted: list[str] = []
    seen: set[str] = set()
    for incident, incident_id, ready in zip(incidents, ids, prepared, strict=True):
        if incident_id in existing or incident_id in seen:
            others.append(incident)
            continue
        seen.add(incident_id)
        inserted.append(incident_id)
        rows.append((next_rowid, *ready.values))
        fts.append((next_rowid, ready.tokens))
        next_rowid += 1
    if rows:
        conn.exec_driver_sql(_INSERT_SQL, rows)
        conn.exec_driver_sql(_FTS_INSERT_SQL, fts)
    log.debug("bulk insert: %d new incidents, %d for the upsert", len(rows), len(others))
    return BulkInsert(inserted, others)


def with_answers(conn: Connection, incident_ids: Collection[str]) -> set[str]:
    """Those of ``incident_ids`` that have answers in the view (one probe when none has any)."""
    if not incident_ids or conn.execute(select(answer_table.c.id).limit(1)).first() is None:
        return set()
    ids = list(incident_ids)
    found: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        found.update(
            str(r[0])
            for r in conn.execute(
                select(answer_table.c.incident_id)
                .where(answer_table.c.incident_id.in_(chunk))
                .distinct()
            )
        )
    return found
