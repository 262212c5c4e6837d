"""Ingestion of monitoring posts (``POST /api/v1/ingest``): validation, dedup, deadlines.

Idempotent on ``(region, source, external_id)``: a repeated item is found by that key and
answered ``duplicate`` with the stored incident's id. The id of a new incident is random
(UUID v4), never derived from the item, so nobody can predict it and push an incident under it
ahead of time; and no collision fails a batch (a row that still cannot be stored gets its own
``invalid`` result). Valid items are stored even when other items of the batch are invalid;
each item gets its own result (instants outside the window of :mod:`cur_desktop.reference.checks`,
unknown topics and municipalities included).

Speed (issue 11; ``bench/server_bench.py``): one round trip finds the already stored keys of a
whole batch (on PostgreSQL a join against ``unnest`` of three arrays, which uses the unique
index; a row-value ``IN`` list of a few hundred tuples made PostgreSQL scan the whole table
for every chunk), rows are built as plain tuples straight from the validated items (no wire
model per row), PostgreSQL stores them with ``COPY`` (SQLite with one ``executemany``), and
the reference look-ups a deadline needs are cached per process: the catalogue check per
(topic, subtopic) and the SLA rule per (region, source, topic, priority).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, insert, select, text, tuple_
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

_LOOKUP_CHUNK = 300  # SQLite: keys per row-value IN list (its bound-variable limit)
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
    """A new incident's id: random (the module docstring says why)."""
    return uuid.uuid4()


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
    valid: dict[int, wire.IngestItem] = {}
    seen: dict[_Key, int] = {}
    repeats: dict[int, int] = {}  # index -> index of the same item earlier in the batch
    for index, raw in enumerate(items):
        reason = None
        try:
            item = wire.IngestItem.model_validate(raw)
        except ValidationError as exc:
            reason = f"Неверные данные: {errors_text(exc)}"
        else:
            region_code = _canonical_region(item.region_code)
            if region_code is None:
                reason = f"Неизвестный регион {item.region_code}"
            elif not caller.can_ingest(region_code):
                reason = f"Нет прав на загрузку инцидентов региона {region_code}"
            else:
                if region_code != item.region_code:
                    item = item.model_copy(update={"region_code": region_code})
                reason = validation.instant_problem(item.received_at, now) or _topic_problem(
                    item.topic_code, item.subtopic_code
                )
        if reason is not None:
            results[index] = wire.IngestItemResult(index=index, status="invalid", reason=reason)
            continue
        key = (item.region_code, item.source.value, item.external_id)
        if key in seen:
            repeats[index] = seen[key]
            continue
        seen[key] = index
        valid[index] = item

    changed: set[str] = set()
    if valid:
        with db.write() as session:
            lock_counter(session)  # serialise ingestion: the duplicate check stays true
            _store(session, caller, valid, results, changed, now=now)
        created = sum(1 for r in results.values() if r.status == "created")
        log.info("ingest by %s: %d items, %d created", caller.login, len(items), created)
    for index, first in repeats.items():
        earlier = results[first]
        results[index] = wire.IngestItemResult(
            index=index,
            status="duplicate" if earlier.status != "invalid" else "invalid",
            incident_id=earlier.incident_id,
            reason=f"Повторяет запись №{first} этого пакета",
        )
    return IngestOutcome(results=[results[i] for i in range(len(items))], changed_regions=changed)


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
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        rows = session.execute(
            select(Incident.region_code, Incident.source, Incident.external_id, Incident.id).where(
                tuple_(Incident.region_code, Incident.source, Incident.external_id).in_(chunk)
            )
        )
        for region_code, source, external_id, incident_id in rows:
            found[(region_code, source, external_id)] = incident_id
    return found


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
    caller: Caller,
    valid: dict[int, wire.IngestItem],
    results: dict[int, wire.IngestItemResult],
    changed: set[str],
    *,
    now: datetime,
) -> None:
    """Store the new items of ``valid`` (the caller holds the write lock)."""
    existing = _existing(
        session, [(i.region_code, i.source.value, i.external_id) for i in valid.values()]
    )
    municipalities = _known_municipalities(
        session,
        {(i.region_code, i.municipality_id) for i in valid.values() if i.municipality_id},
    )
    new_rows: dict[int, dict[str, Any]] = {}
    for index, item in valid.items():
        key = (item.region_code, item.source.value, item.external_id)
        if key in existing:
            results[index] = wire.IngestItemResult(
                index=index,
                status="duplicate",
                incident_id=uuid.UUID(existing[key]),
                reason="Уже загружен ранее",
            )
            continue
        if item.municipality_id and (item.region_code, item.municipality_id) not in municipalities:
            results[index] = _invalid(
                index, f"Муниципалитет {item.municipality_id[:60]} не найден в регионе"
            )
            continue
        incident_id = _new_id()
        try:
            row = _row(incident_id, item, now=now)
        except (ArithmeticError, ValueError) as exc:  # a deadline that cannot be computed
            log.warning("ingest item %d: deadline not computable: %s", index, exc)
            results[index] = _invalid(index, "Срок ответа для этой записи вычислить нельзя")
            continue
        new_rows[index] = row
        results[index] = wire.IngestItemResult(
            index=index, status="created", incident_id=incident_id
        )
    if not new_rows:
        return
    first = allocate_seq(session, len(new_rows))
    for offset, row in enumerate(new_rows.values()):
        row["seq"] = first + offset
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


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store incident rows (all with the same keys): ``COPY`` on PostgreSQL.

    Raises :class:`_CollisionError` when a row violates a constraint.
    """
    if session.get_bind().dialect.name != "postgresql":
        try:
            session.execute(insert(_INCIDENT), rows)
        except IntegrityError as exc:
            raise _CollisionError from exc
        return
    import psycopg  # noqa: PLC0415 (the "postgres" extra: PostgreSQL only)

    columns = list(rows[0])
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    statement = f"COPY incident ({', '.join(columns)}) FROM STDIN"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    except psycopg.errors.IntegrityError as exc:
        raise _CollisionError from exc


def _invalid(index: int, reason: str) -> wire.IngestItemResult:
    return wire.IngestItemResult(index=index, status="invalid", reason=reason)


def _row(incident_id: uuid.UUID, item: wire.IngestItem, *, now: datetime) -> dict[str, Any]:
    """A new incident's column values, ``seq`` left off (instants in UTC; others stay NULL).

    The values :class:`wire.IncidentWire` would hold for it; the item was validated by
    :class:`wire.IngestItem`, whose fields are a subset with the same constraints.
    """
    keys = (item.region_code, item.source, item.topic_code, item.priority, item.received_at)
    first = deadline_policy.first_answer(*keys)
    moderation = deadline_policy.moderation(*keys)
    return {
        "id": str(incident_id),
        "source": item.source.value,
        "external_id": item.external_id,
        "link": item.link,
        "author": item.author,
        "text": item.text,
        "received_at": item.received_at.astimezone(UTC),
        "region_code": item.region_code,
        "municipality_id": item.municipality_id,
        "topic_code": item.topic_code,
        "subtopic_code": item.subtopic_code,
        "priority": item.priority.value,
        "status": Status.NEW.value,
        "first_answer_due": first.due,
        "first_answer_warn_at": first.warn_at,
        "moderation_due": moderation.due,
        "moderation_warn_at": moderation.warn_at,
        "version": 1,
        "updated_at": now.astimezone(UTC),
    }
