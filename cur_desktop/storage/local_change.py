"""The write path of one local change, in a handful of prepared statements (issue 11).

:func:`cur_desktop.storage.outbox.record_local_mutation` runs once per operator action and a
thousand times in one transaction for a bulk action, so each step here is one SQL text built at
import, run on the driver connection of the caller's transaction (``sqlite3`` keeps the prepared
statement in the connection's cache; SQLAlchemy's per-statement work, several times the cost of
the statement itself, is skipped). Values are converted by the columns' own types' rules
(instants as epoch microseconds, enums as their values):

* :func:`read_profile`: login, region and the mutation counters in one query;
* :func:`load_view`: the view row (with its local columns) and its answers;
* :func:`start_shadow`: the copy-on-write shadow copied inside SQLite (``INSERT .. SELECT``);
* :func:`write_change`: one ``UPDATE`` of the changed columns of the view row, with the
  derived columns (answer flags, sticky status flags, the running deadline) computed from the
  new state in Python, and only the answers that changed rewritten. The search index is not
  touched (author and text did not change; a change that does touch them, a creation or a
  deletion goes through the general :func:`cur_desktop.storage.localstate.write_view`, which
  re-indexes a row only when its text changed);
* :func:`allocate_id`: the next id of the gap-free mutation sequence, one upsert.

The result equals the general path's (a test records the same changes both ways and compares
every table).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Column, Connection

from cur_desktop.contract import wire
from cur_desktop.contract.registry import IncidentState
from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.storage.bulk_rows import running_deadline
from cur_desktop.storage.sync_state import (
    KEY_ALLOCATED,
    KEY_LAST_MUTATION_ID,
    KEY_LOGIN,
    KEY_PUSHED_UP_TO,
    KEY_REGION,
)
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    incident_base_table,
    incident_table,
    outbox_table,
    sync_state_table,
)
from cur_desktop.storage.types import EnumText, UtcEpochMicros, from_micros, to_micros

_PENDING = "pending"
_INCIDENT_FIELDS = tuple(wire.IncidentWire.model_fields)
_ANSWER_FIELDS = tuple(wire.AnswerWire.model_fields)
_PROFILE_KEYS = (KEY_LOGIN, KEY_REGION, KEY_ALLOCATED, KEY_LAST_MUTATION_ID, KEY_PUSHED_UP_TO)
_LOCAL_FLAGS = ("has_interim", "has_final", "was_reworked", "was_reopened", "local_changed")
_INCIDENT_COLS = ", ".join(_INCIDENT_FIELDS)
_ANSWER_COLS = ", ".join(_ANSWER_FIELDS)
_VIEW_COLUMNS = (*_INCIDENT_FIELDS, "was_reworked", "was_reopened")

_READ_PROFILE = (
    f"SELECT key, value FROM {sync_state_table.name} "
    f"WHERE key IN ({', '.join('?' for _ in _PROFILE_KEYS)})"
)
_VIEW_ROW = f"SELECT {', '.join(_VIEW_COLUMNS)} FROM {incident_table.name} WHERE id = ?"
_VIEW_ANSWERS = f"SELECT {_ANSWER_COLS} FROM {answer_table.name} WHERE incident_id = ?"
_HAS_PENDING = f"SELECT 1 FROM {outbox_table.name} WHERE entity_id = ? AND state = ? LIMIT 1"
_SHADOW_SQL = (
    f"DELETE FROM {incident_base_table.name} WHERE id = ?",
    f"DELETE FROM {answer_base_table.name} WHERE incident_id = ?",
    # The wire columns; the local ones as the general path leaves them in a shadow (defaults).
    f"INSERT INTO {incident_base_table.name} ({_INCIDENT_COLS}, {', '.join(_LOCAL_FLAGS)}) "
    f"SELECT {_INCIDENT_COLS}, {', '.join('0' for _ in _LOCAL_FLAGS)} "
    f"FROM {incident_table.name} WHERE id = ?",
    f"INSERT INTO {answer_base_table.name} ({_ANSWER_COLS}) "
    f"SELECT {_ANSWER_COLS} FROM {answer_table.name} WHERE incident_id = ?",
)
_DELETE_ANSWER = f"DELETE FROM {answer_table.name} WHERE id = ?"
_INSERT_ANSWER = (
    f"INSERT INTO {answer_table.name} ({_ANSWER_COLS}) "
    f"VALUES ({', '.join('?' for _ in _ANSWER_FIELDS)})"
)
_SET_ALLOCATED = (
    f"INSERT INTO {sync_state_table.name} (key, value) VALUES (?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
_OUTBOX_COLUMNS = (
    "id",
    "name",
    "args_json",
    "base_version",
    "created_at",
    "state",
    "attempts",
    "entity_id",
)
_INSERT_OUTBOX = (
    f"INSERT INTO {outbox_table.name} ({', '.join(_OUTBOX_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _OUTBOX_COLUMNS)})"
)


def _to_db(column: Column[Any]) -> Callable[[Any], Any]:
    """Python value -> SQLite value of ``column``, as its SQLAlchemy type binds it."""
    kind = column.type
    if isinstance(kind, UtcEpochMicros):
        return lambda v: None if v is None else to_micros(v)
    if isinstance(kind, EnumText):
        enum_cls = kind.enum_cls
        return lambda v: None if v is None else str(enum_cls(v).value)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return lambda v: str(v) if isinstance(v, UUID) else v


def _from_db(column: Column[Any]) -> Callable[[Any], Any]:
    """SQLite value of ``column`` -> Python value, as its SQLAlchemy type reads it."""
    kind = column.type
    if isinstance(kind, UtcEpochMicros):
        return lambda v: None if v is None else from_micros(int(v))
    if isinstance(kind, EnumText):
        enum_cls = kind.enum_cls
        return lambda v: None if v is None else enum_cls(v)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    return lambda v: v


_INCIDENT_TO_DB = {c.name: _to_db(c) for c in incident_table.columns}
_VIEW_FROM_DB = tuple((name, _from_db(incident_table.c[name])) for name in _VIEW_COLUMNS)
_ANSWER_TO_DB = tuple(_to_db(answer_table.c[name]) for name in _ANSWER_FIELDS)
_ANSWER_FROM_DB = tuple((name, _from_db(answer_table.c[name])) for name in _ANSWER_FIELDS)
_OUTBOX_TO_DB = tuple(_to_db(outbox_table.c[name]) for name in _OUTBOX_COLUMNS)


@cache
def _update_sql(columns: tuple[str, ...]) -> str:
    """``UPDATE incident SET`` these columns (one SQL text per set: SQLite reuses its plan)."""
    assignments = ", ".join(f"{c} = ?" for c in columns)
    return f"UPDATE {incident_table.name} SET {assignments} WHERE id = ?"


def _driver(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn`` (the same transaction), for prepared statements."""
    driver = conn.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):  # pragma: no cover - the store is SQLite
        raise TypeError("the local store is SQLite")
    return driver


@dataclass(frozen=True, slots=True)
class Profile:
    """What recording a change needs from ``sync_state``."""

    login: str
    region_code: str
    last_id: int
    """The highest mutation id allocated, answered or acknowledged so far."""


def read_profile(conn: Connection) -> Profile:
    """Login, region and the mutation counters, in one query."""
    values = {str(k): v for k, v in _driver(conn).execute(_READ_PROFILE, _PROFILE_KEYS)}

    def number(key: str) -> int:
        raw = values.get(key)
        return 0 if raw is None else int(raw)

    return Profile(
        login=str(values.get(KEY_LOGIN) or ""),
        region_code=str(values.get(KEY_REGION) or ""),
        last_id=max(number(KEY_ALLOCATED), number(KEY_LAST_MUTATION_ID), number(KEY_PUSHED_UP_TO)),
    )


def allocate_id(conn: Connection, profile: Profile) -> int:
    """Take the next id of the client's gap-free sequence (``profile`` read in this job)."""
    new_id = profile.last_id + 1
    _driver(conn).execute(_SET_ALLOCATED, (KEY_ALLOCATED, str(new_id)))
    return new_id


def insert_outbox(conn: Connection, values: Mapping[str, Any]) -> None:
    """Add the outbox row of a recorded change."""
    row = tuple(conv(values[c]) for conv, c in zip(_OUTBOX_TO_DB, _OUTBOX_COLUMNS, strict=True))
    _driver(conn).execute(_INSERT_OUTBOX, row)


def load_view(conn: Connection, incident_id: str) -> tuple[Mapping[str, Any] | None, IncidentState]:
    """The view row of an incident (wire and sticky columns) and its state as shown."""
    driver = _driver(conn)
    raw = driver.execute(_VIEW_ROW, (incident_id,)).fetchone()
    row = (
        None
        if raw is None
        else {name: conv(v) for (name, conv), v in zip(_VIEW_FROM_DB, raw, strict=True)}
    )
    incident = (
        None
        if row is None
        else wire.IncidentWire.model_validate({k: row[k] for k in _INCIDENT_FIELDS})
    )
    answers: dict[str, wire.AnswerWire] = {}
    for values in driver.execute(_VIEW_ANSWERS, (incident_id,)):
        answer = wire.AnswerWire.model_validate(
            {name: conv(v) for (name, conv), v in zip(_ANSWER_FROM_DB, values, strict=True)}
        )
        answers[str(answer.id)] = answer
    return row, IncidentState(incident=incident, answers=answers)


def has_pending(conn: Connection, incident_id: str) -> bool:
    """Whether an incident has pending mutations (so it is under copy-on-write)."""
    return _driver(conn).execute(_HAS_PENDING, (incident_id, _PENDING)).fetchone() is not None


def start_shadow(conn: Connection, incident_id: str) -> None:
    """Copy the confirmed rows of an incident into the shadow tables (first pending change)."""
    driver = _driver(conn)
    for sql in _SHADOW_SQL:
        driver.execute(sql, (incident_id,))


def write_change(
    conn: Connection,
    row: Mapping[str, Any] | None,
    before: IncidentState,
    after: IncidentState,
) -> bool:
    """Make the view of one incident equal ``after``; ``False``: use the general path.

    ``row`` is the view row read before the change, ``before`` its state. Handles the common
    case: the incident exists before and after and its author and text are unchanged.
    """
    old, new = before.incident, after.incident
    if row is None or old is None or new is None:
        return False
    if (old.author, old.text) != (new.author, new.text):
        return False
    values: dict[str, Any] = {
        k: getattr(new, k) for k in _INCIDENT_FIELDS if getattr(old, k) != getattr(new, k)
    }
    values.update(_derived(row, new, after))
    values["local_changed"] = True
    columns = tuple(values)
    params = [_INCIDENT_TO_DB[c](values[c]) for c in columns]
    params.append(str(new.id))
    driver = _driver(conn)
    driver.execute(_update_sql(columns), params)
    _write_answers(driver, before.answers, after.answers)
    return True


def _derived(
    row: Mapping[str, Any], new: wire.IncidentWire, after: IncidentState
) -> dict[str, Any]:
    """The view's computed columns for ``new`` (what ``refresh_derived`` and the upsert set)."""
    due, warn_at = running_deadline(new)
    published = {a.kind for a in after.answers.values() if a.state is AnswerState.PUBLISHED}
    return {
        "current_due": due,
        "current_warn_at": warn_at,
        "has_interim": AnswerKind.INTERIM in published,
        "has_final": AnswerKind.FINAL in published,
        "was_reworked": bool(row["was_reworked"]) or new.status is Status.REWORK,
        "was_reopened": bool(row["was_reopened"]) or new.status is Status.REOPENED,
    }


def _write_answers(
    driver: sqlite3.Connection,
    before: Mapping[str, wire.AnswerWire],
    after: Mapping[str, wire.AnswerWire],
) -> None:
    """Rewrite only the answers the change added, altered or removed."""
    for answer_id, old in before.items():
        if answer_id not in after:
            driver.execute(_DELETE_ANSWER, (answer_id,))
        elif after[answer_id] != old:
            driver.execute(_DELETE_ANSWER, (answer_id,))
            driver.execute(_INSERT_ANSWER, _answer_values(after[answer_id]))
    for answer_id, answer in after.items():
        if answer_id not in before:  # the general path replaces an id held elsewhere too
            driver.execute(_DELETE_ANSWER, (answer_id,))
            driver.execute(_INSERT_ANSWER, _answer_values(answer))


def _answer_values(answer: wire.AnswerWire) -> tuple[Any, ...]:
    return tuple(
        conv(getattr(answer, name))
        for conv, name in zip(_ANSWER_TO_DB, _ANSWER_FIELDS, strict=True)
    )
