"""Deadlines the server computes for incidents from the region's SLA policy.

The computation itself is :mod:`cur_desktop.reference.sla_deadlines`, shared with the client
(which shows the same deadlines, provisional, for an incident registered offline); this module
re-exports it for the server and adds the server's own helpers. Calendars are cached per
region. Every instant returned is in UTC; a :class:`~cur_desktop.domain.deadlines.Deadline`
carries the due instant and the warning instant (at :data:`WARN_FRACTION` of the allowed time).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from cur_desktop.domain.enums import Priority, Source
from cur_desktop.reference import data as refdata
from cur_desktop.reference.sla_deadlines import (
    WARN_FRACTION,
    final_answer,
    first_answer,
    moderation,
    receipt_deadlines,
)
from cur_desktop.reference.sla_deadlines import region_calendar as _calendar

log = logging.getLogger(__name__)


def canonical_region(region_code: str) -> str | None:
    """The reference data's spelling of ``region_code`` (e.g. ``"RU-TUL"``), or ``None``."""
    try:
        return refdata.region_by_code(region_code).iso_code
    except KeyError:
        return None


def first_answer_due(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> datetime:
    """When the first public answer to an incident is due (UTC)."""
    return first_answer(region_code, source, topic_code, priority, received_at).due


def working_time_us(region_code: str, start: datetime, end: datetime) -> int:
    """Working time in ``[start, end]`` of the region's business calendar, in microseconds."""
    spent = _calendar(region_code).working_time_between(start, end)
    return spent // timedelta(microseconds=1)


def local_text(region_code: str, instant: datetime | None) -> str:
    """``instant`` in the region's local time as ``dd.mm.yyyy hh:mm`` ("—" when ``None``)."""
    if instant is None:
        return "—"
    return instant.astimezone(_calendar(region_code).tzinfo).strftime("%d.%m.%Y %H:%M")


__all__ = [
    "WARN_FRACTION",
    "canonical_region",
    "final_answer",
    "first_answer",
    "first_answer_due",
    "local_text",
    "moderation",
    "receipt_deadlines",
    "working_time_us",
]
