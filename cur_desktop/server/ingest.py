"""Ingestion of monitoring posts (``POST /api/v1/ingest``): validation, dedup, deadlines.

Idempotent on ``(source, external_id)``: the incident id is derived from that pair (UUID v5),
so a batch sent twice creates nothing the second time. Valid items are stored even when other
items of the batch are invalid; each item gets its own result.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, tuple_

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import errors_text
from cur_desktop.domain.enums import Status
from cur_desktop.server import deadline_policy
from cur_desktop.server.auth import Caller
from cur_desktop.server.convert import incident_values
from cur_desktop.server.db import Database, allocate_seq, lock_counter
from cur_desktop.server.tables import Incident

log = logging.getLogger(__name__)

INCIDENT_NAMESPACE = uuid.UUID("5d0f9a56-8f0e-4a49-9a57-6f1d4c2b7e10")
_LOOKUP_CHUNK = 400


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


def incident_id_for(source: str, external_id: str) -> uuid.UUID:
    """The id of the incident ingested from ``(source, external_id)``: stable across retries."""
    return uuid.uuid5(INCIDENT_NAMESPACE, f"{source}\x1f{external_id}")


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
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(items):
        reason = None
        try:
            item = wire.IngestItem.model_validate(raw)
        except ValidationError as exc:
            reason = f"Неверные данные: {errors_text(exc)}"
        else:
            region_code = deadline_policy.canonical_region(item.region_code)
            if region_code is None:
                reason = f"Неизвестный регион {item.region_code}"
            elif not caller.can_ingest(region_code):
                reason = f"Нет прав на загрузку инцидентов региона {region_code}"
            else:
                item = item.model_copy(update={"region_code": region_code})
        if reason is not None:
            results[index] = wire.IngestItemResult(index=index, status="invalid", reason=reason)
            continue
        key = (item.source.value, item.external_id)
        if key in seen:
            results[index] = wire.IngestItemResult(
                index=index,
                status="duplicate",
                incident_id=incident_id_for(*key),
                reason=f"Повторяет запись №{seen[key]} этого пакета",
            )
            continue
        seen[key] = index
        valid[index] = item

    changed: set[str] = set()
    if valid:
        with db.write() as session:
            lock_counter(session)  # serialise ingestion: the duplicate check stays true
            existing: dict[tuple[str, str], tuple[str, str]] = {}
            keys = [(i.source.value, i.external_id) for i in valid.values()]
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start : start + _LOOKUP_CHUNK]
                rows = session.execute(
                    select(
                        Incident.source, Incident.external_id, Incident.id, Incident.region_code
                    ).where(tuple_(Incident.source, Incident.external_id).in_(chunk))
                )
                for source, external_id, incident_id, region_code in rows:
                    existing[(source, external_id)] = (incident_id, region_code)
            new_rows: list[dict[str, Any]] = []
            for index, item in valid.items():
                key = (item.source.value, item.external_id)
                if key in existing:
                    incident_id, region_code = existing[key]
                    results[index] = wire.IngestItemResult(
                        index=index,
                        status="duplicate",
                        incident_id=uuid.UUID(incident_id)
                        if caller.can_read(region_code)
                        else None,
                        reason="Уже загружен ранее",
                    )
                    continue
                incident = _incident(item, now=now)
                new_rows.append(incident_values(incident))
                results[index] = wire.IngestItemResult(
                    index=index, status="created", incident_id=incident.id
                )
                changed.add(item.region_code)
            if new_rows:
                first = allocate_seq(session, len(new_rows))
                for offset, row in enumerate(new_rows):
                    row["seq"] = first + offset
                session.execute(insert(Incident), new_rows)
        log.info("ingest by %s: %d items, %d created", caller.login, len(items), len(new_rows))
    return IngestOutcome(results=[results[i] for i in range(len(items))], changed_regions=changed)


def _incident(item: wire.IngestItem, *, now: datetime) -> wire.IncidentWire:
    keys = (item.region_code, item.source, item.topic_code, item.priority, item.received_at)
    first = deadline_policy.first_answer(*keys)
    moderation = deadline_policy.moderation(*keys)
    return wire.IncidentWire(
        id=incident_id_for(item.source.value, item.external_id),
        source=item.source,
        external_id=item.external_id,
        link=item.link,
        author=item.author,
        text=item.text,
        received_at=item.received_at,
        region_code=item.region_code,
        municipality_id=item.municipality_id,
        topic_code=item.topic_code,
        subtopic_code=item.subtopic_code,
        priority=item.priority,
        status=Status.NEW,
        first_answer_due=first.due,
        first_answer_warn_at=first.warn_at,
        moderation_due=moderation.due,
        moderation_warn_at=moderation.warn_at,
        version=1,
        updated_at=now,
    )
