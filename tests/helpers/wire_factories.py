"""Wire rows and pull pages as the server would send them, for the local sync tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cur_desktop.contract import wire
from cur_desktop.domain.enums import Source, Status

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def incident(*, seq_minutes: int = 0, **overrides: Any) -> wire.IncidentWire:
    """A confirmed incident as the server would send it."""
    data: dict[str, Any] = {
        "id": uuid.uuid4(),
        "source": Source.VK,
        "external_id": f"post-{uuid.uuid4().hex[:8]}",
        "author": "Анна Смирнова",
        "text": "Во дворе на улице Ленина третий день не вывозят мусор",
        "received_at": T0 + timedelta(minutes=seq_minutes),
        "region_code": "RU-TUL",
        "status": Status.MODERATION,
        "version": 1,
        "updated_at": T0 + timedelta(minutes=seq_minutes),
    }
    data.update(overrides)
    return wire.IncidentWire.model_validate(data)


def page(
    changes: list[wire.IncidentWire | wire.AnswerWire],
    *,
    start_seq: int,
    has_more: bool = False,
    last_mutation_id: int = 0,
    reset: bool = False,
) -> wire.PullResponse:
    """A pull page carrying ``changes`` with consecutive seqs from ``start_seq``."""
    rows = []
    for i, item in enumerate(changes):
        kind = (
            wire.EntityKind.INCIDENT
            if isinstance(item, wire.IncidentWire)
            else wire.EntityKind.ANSWER
        )
        rows.append(
            wire.Change(
                seq=start_seq + i, entity=kind, id=str(item.id), data=item.model_dump(mode="json")
            )
        )
    return wire.PullResponse(
        changes=rows,
        next_cursor=start_seq + len(rows) - 1 if rows else start_seq,
        has_more=has_more,
        last_mutation_id=last_mutation_id,
        reset=reset,
    )
