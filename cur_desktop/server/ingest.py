"""Ingestion of monitoring posts (``POST /api/v1/ingest``): validation, dedup, deadlines.

Idempotent on ``(region, source, external_id)``: a repeated item is found by that key and
answered ``duplicate`` with the stored incident's id. The id of a new incident is random where
it matters (a UUID version 7: the millisecond of its creation, then 74 random bits from the
operating system), never derived from the item, so nobody can predict it and push an incident
under it ahead of time; and no collision fails a batch (a row that still cannot be stored gets
its own ``invalid`` result). Valid items are stored even when other items of the batch are
invalid; each item gets its own result (instants outside the window of
:mod:`cur_desktop.reference.checks`, unknown topics and municipalities included).

Speed (issue 11; ``bench/server_bench.py``, docs/SCALING.md): the whole batch is validated by
one pydantic call (item by item only when something in it is wrong, for each item's message);
one round trip finds the already stored keys of a whole batch (on PostgreSQL a join against
``unnest`` of three arrays, which uses the unique index; a row-value ``IN`` list of a few
hundred tuples made PostgreSQL scan the whole table for every chunk); deadlines come from one
working-time position per item with the limits in days cached per local day
(:func:`cur_desktop.reference.sla_deadlines.receipt_deadlines`); rows are lists in
:data:`_COLUMNS` order, stored by binary ``COPY`` on PostgreSQL (one ``executemany`` on
SQLite) with the batch's change numbers taken in one statement; results are built without
re-validation. Time-ordered ids keep the primary key's inserts at its right edge: random ones
touched a random leaf of a 480 MB index (at 5,000,000 incidents) for every row, ~40 % more
PostgreSQL time for the ``COPY``. The catalogue check per (topic, subtopic) and the SLA rule
per (region, source, topic, priority) are cached per process.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import errors_text
from cur_desktop.domain.enums import Status
from cur_desktop.reference import checks as validation
from cur_desktop.server import deadline_policy
from cur_desktop.server.auth import Caller
from cur_desktop.server.db import Database, allocate_seq, lock_counter
from cur_desktop.server.tables import Incident, Municipality

log = logging.getLogger(__name__)

_LOOKUP_CHUNK = 300  # SQLite: keys per look-up (3 variables each, under its limit of 999)
_Key = tuple[str, str, str]  # (region_code, source, external_id)
_INCIDENT = cast(Table, Incident.__table__)
_EXISTING_PG = text(
    "SELECT i.region_code, i.source, i.external_id, i.id FROM incident AS i "
    "JOIN unnest(CAST(:regions AS text[]), CAST(:sources AS text[]), "
    "CAST(:external_ids AS text[])) AS k(region_code, source, external_id) "
    "ON i.region_code = k.region_code AND i.source = k.source "
    "AND i.external_id = k.external_id"
)
_topic_problem = lru_cache(maxsize=4096)(validation.topic_problem)
_canonical_region = lru_cache(maxsize=1024)(deadline_policy.canonical_region)


def _new_id() -> uuid.UUID:
    """A new incident's id: a UUID version 7 (RFC 9562), the module docstring says why.

    48 bits of Unix milliseconds, the version, 74 bits from ``os.urandom``, the variant.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant 10 (RFC 9562)
    return uuid.UUID(int=value)


class BatchTooLargeError(ValueError):
    """The batch breaks a size limit (answered with 413; message in Russian)."""


@dataclass
class IngestOutcome:
    """Per-item results plus the regions that got new incidents (to poke their clients)."""

    results: list[wire.IngestItemResult]
    changed_regions: set[str] = field(default_factory=set)

    @property
    def any_invalid(self) -> bool:
        """Whether at least one item was refused."""
        return any(r.status == "invalid" for r in self.results)


def check_limits(items: list[Any]) -> None:
    """Refuse batches over 5,000 items or with a text over 64 KiB (:class:`BatchTooLargeError`)."""
    if len(items) > wire.MAX_INGEST_BATCH:
        raise BatchTooLargeError(
            f"Слишком большой пакет: {len(items)} записей, допускается не более "
            f"{wire.MAX_INGEST_BATCH}. Разбейте его на части."
        )
    for index, item in enumerate(items):
        text = item.get("text") if isinstance(item, dict) else None
        if isinstance(text, str) and len(text.encode("utf-8", "surrogatepass")) > (
            wire.MAX_TEXT_BYTES
        ):
            raise BatchTooLargeError(
                f"Запись №{index}: текст длиннее {wire.MAX_TEXT_BYTES // 1024} КиБ. "
                "Сократите текст или передайте его ссылкой."
            )


def ingest(db: Database, caller: Caller, items: list[Any], *, now: datetime) -> IngestOutcome:
    """Validate and store ``items`` in one transaction; see the module docstring."""
    check_limits(items)
    results: dict[int, wire.IngestItemResult] = {}
    valid: dict[int, _Valid] = {}
    seen: dict[_Key, int] = {}
    repeats: dict[int, int] = {}  # index -> index of the same item earlier in the batch
    for index, checked in enumerate(_validated(items)):
        if isinstance(checked, str):
            results[index] = _invalid(index, checked)
            continue
        region_code = _canonical_region(checked.region_code)
        reason = _refusal(checked, region_code, caller, now)
        if reason is not None or region_code is None:
            results[index] = _invalid(index, reason or "")
            continue
        key = (region_code, checked.source.value, checked.external_id)
        if key in seen:
            repeats[index] = seen[key]
            continue
        seen[key] = index
        valid[index] = _Valid(checked, region_code, key)

    changed: set[str] = set()
    if valid:
        with db.write() as session:
            lock_counter(session)  # serialise ingestion: the duplicate check stays true
            _store(session, valid, results, changed, now=now)
        created = sum(1 for r in results.values() if r.status == "created")
        log.info("ingest by %s: %d items, %d created", caller.login, len(items), created)
    for index, first in repeats.items():
        earlier = results[first]
        results[index] = _result(
            index,
            "duplicate" if earlier.status != "invalid" else "invalid",
            earlier.incident_id,
            f"Повторяет запись №{first} этого пакета",
        )
    return IngestOutcome(results=[results[i] for i in range(len(items))], changed_regions=changed)


def _refusal(
    item: wire.IngestItem, region_code: str | None, caller: Caller, now: datetime
) -> str | None:
    """Why a well-formed item is refused (region, rights, instant, topic), or ``None``."""
    if region_code is None:
        return f"Неизвестный регион {item.region_code}"
    if not caller.can_ingest(region_code):
        return f"Нет прав на загрузку инцидентов региона {region_code}"
    return validation.instant_problem(item.received_at, now) or _topic_problem(
        item.topic_code, item.subtopic_code
    )


@dataclass(frozen=True, slots=True)
class _Valid:
    """A validated item, its region in the reference spelling and its dedup key."""

    item: wire.IngestItem
    region_code: str
    key: _Key


_ITEMS: TypeAdapter[list[wire.IngestItem]] = TypeAdapter(list[wire.IngestItem])


def _validated(items: list[Any]) -> list[wire.IngestItem | str]:
    """Each item validated, or the reason it is not (``Неверные данные: ...``).

    One validation of the whole list (pydantic's loop, not Python's); when anything in it is
    wrong, item by item, so that each refused item gets the message it always got.
    """
    try:
        return list(_ITEMS.validate_python(items))
    except ValidationError:
        pass
    checked: list[wire.IngestItem | str] = []
    for raw in items:
        try:
            checked.append(wire.IngestItem.model_validate(raw))
        except ValidationError as exc:
            checked.append(f"Неверные данные: {errors_text(exc)}")
    return checked


def _existing(session: Session, keys: list[_Key]) -> dict[_Key, str]:
    """Ids of incidents already stored under these (region, source, external id) keys."""
    found: dict[_Key, str] = {}
    if session.get_bind().dialect.name == "postgresql":
        regions, sources, external_ids = (list(column) for column in zip(*keys, strict=True))
        rows = session.execute(
            _EXISTING_PG,
            {"regions": regions, "sources": sources, "external_ids": external_ids},
        )
        return {(r, s, e): i for r, s, e, i in rows}
    connection = session.connection()
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        rows = connection.exec_driver_sql(
            _existing_sqlite(len(chunk)), tuple(value for key in chunk for value in key)
        )
        for region_code, source, external_id, incident_id in rows:
            found[(region_code, source, external_id)] = incident_id
    return found


@lru_cache(maxsize=16)
def _existing_sqlite(count: int) -> str:
    """SQLite: the stored keys among ``count`` (region, source, external id) triples.

    A join against a ``VALUES`` list, which SQLite runs as one search of the unique index per
    key; a row-value ``IN (VALUES ...)`` scanned the whole table for every chunk (83 ms per
    300 keys at 100,000 incidents, growing with the table).
    """
    values = ", ".join(["(?, ?, ?)"] * count)
    return (
        "SELECT i.region_code, i.source, i.external_id, i.id "
        f"FROM (VALUES {values}) AS k JOIN incident AS i ON i.region_code = k.column1 "
        "AND i.source = k.column2 AND i.external_id = k.column3"
    )


def _known_municipalities(session: Session, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (region, municipality id) pairs exist."""
    if not wanted:
        return set()
    ids = sorted({m for _, m in wanted})
    rows = session.execute(
        select(Municipality.region_code, Municipality.id).where(Municipality.id.in_(ids))
    )
    return {(r, m) for r, m in rows} & wanted


def _store(
    session: Session,
    valid: dict[int, _Valid],
    results: dict[int, wire.IngestItemResult],
    changed: set[str],
    *,
    now: datetime,
) -> None:
    """Store the new items of ``valid`` (the caller holds the write lock)."""
    existing = _existing(session, [v.key for v in valid.values()])
    municipalities = _known_municipalities(
        session,
        {(v.region_code, v.item.municipality_id) for v in valid.values() if v.item.municipality_id},
    )
    new_rows: dict[int, list[Any]] = {}
    for index, checked in valid.items():
        item = checked.item
        found = existing.get(checked.key)
        if found is not None:
            results[index] = _result(index, "duplicate", uuid.UUID(found), "Уже загружен ранее")
            continue
        if item.municipality_id and (checked.region_code, item.municipality_id) not in (
            municipalities
        ):
            results[index] = _invalid(
                index, f"Муниципалитет {item.municipality_id[:60]} не найден в регионе"
            )
            continue
        incident_id = _new_id()
        try:
            row = _row(incident_id, item, checked.region_code, now=now)
        except (ArithmeticError, ValueError) as exc:  # a deadline that cannot be computed
            log.warning("ingest item %d: deadline not computable: %s", index, exc)
            results[index] = _invalid(index, "Срок ответа для этой записи вычислить нельзя")
            continue
        new_rows[index] = row
        results[index] = _result(index, "created", incident_id)
    if not new_rows:
        return
    first = allocate_seq(session, len(new_rows))
    for offset, row in enumerate(new_rows.values()):
        row[_SEQ] = first + offset
    try:
        with session.begin_nested():
            _insert(session, list(new_rows.values()))
    except _CollisionError:
        # Never expected (keys checked under the lock, ids random): store row by row so that
        # one colliding row costs only its own item.
        log.warning("ingest: bulk insert collided; storing %d rows one by one", len(new_rows))
        for index, row in new_rows.items():
            try:
                with session.begin_nested():
                    _insert(session, [row])
            except _CollisionError:
                results[index] = _invalid(index, "Запись конфликтует с уже сохранённой")
    changed.update(valid[i].region_code for i in new_rows if results[i].status == "created")


class _CollisionError(Exception):
    """A row violated a constraint while being stored (either database)."""


def _insert(session: Session, rows: list[list[Any]]) -> None:
    """Store incident rows (values in :data:`_COLUMNS` order): ``COPY`` on PostgreSQL.

    Raises :class:`_CollisionError` when a row violates a constraint.
    """
    if session.get_bind().dialect.name != "postgresql":
        try:
            session.execute(
                insert(_INCIDENT), [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
            )
        except IntegrityError as exc:
            raise _CollisionError from exc
        return
    import psycopg  # noqa: PLC0415 (the "postgres" extra: PostgreSQL only)

    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            for row in rows:
                copy.write_row(row)
    except psycopg.errors.IntegrityError as exc:
        raise _CollisionError from exc


def _invalid(index: int, reason: str) -> wire.IngestItemResult:
    return _result(index, "invalid", None, reason)


def _result(
    index: int,
    status: Literal["created", "duplicate", "invalid"],
    incident_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> wire.IngestItemResult:
    """A per-item result built without validation (every value here is of the right type)."""
    return wire.IngestItemResult.model_construct(
        index=index, status=status, incident_id=incident_id, reason=reason
    )


_COLUMN_TYPES = (
    ("id", "varchar"),
    ("source", "varchar"),
    ("external_id", "varchar"),
    ("link", "varchar"),
    ("author", "varchar"),
    ("text", "text"),
    ("received_at", "timestamptz"),
    ("region_code", "varchar"),
    ("municipality_id", "varchar"),
    ("topic_code", "varchar"),
    ("subtopic_code", "varchar"),
    ("priority", "varchar"),
    ("status", "varchar"),
    ("first_answer_due", "timestamptz"),
    ("first_answer_warn_at", "timestamptz"),
    ("moderation_due", "timestamptz"),
    ("moderation_warn_at", "timestamptz"),
    ("version", "int4"),
    ("updated_at", "timestamptz"),
    ("seq", "int8"),
)
"""The columns ingestion writes (the others stay NULL) and their PostgreSQL types."""
_COLUMNS = tuple(column for column, _ in _COLUMN_TYPES)
_SEQ = _COLUMNS.index("seq")
_COPY = f"COPY incident ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_COPY_TYPES = tuple(pg_type for _, pg_type in _COLUMN_TYPES)
"""Binary ``COPY``: psycopg writes the values in C and PostgreSQL parses no text (a type that
does not match the table fails every ingestion test on PostgreSQL)."""


def _row(
    incident_id: uuid.UUID, item: wire.IngestItem, region_code: str, *, now: datetime
) -> list[Any]:
    """A new incident's values in :data:`_COLUMNS` order, ``seq`` still ``None`` (instants in
    UTC). The values :class:`wire.IncidentWire` would hold for it; the item was validated by
    :class:`wire.IngestItem`, whose fields are a subset with the same constraints.
    """
    first, moderation = deadline_policy.receipt_deadlines(
        region_code, item.source, item.topic_code, item.priority, item.received_at
    )
    return [
        str(incident_id),
        item.source.value,
        item.external_id,
        item.link,
        item.author,
        item.text,
        item.received_at.astimezone(UTC),
        region_code,
        item.municipality_id,
        item.topic_code,
        item.subtopic_code,
        item.priority.value,
        _NEW,
        first.due,
        first.warn_at,
        moderation.due,
        moderation.warn_at,
        1,
        now.astimezone(UTC),
        None,
    ]


_NEW = Status.NEW.value
