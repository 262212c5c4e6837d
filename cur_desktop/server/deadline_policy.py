"""Deadlines the server computes for incidents from the region's SLA policy.

Bridges the reference data (:mod:`cur_desktop.reference.data`: regions, SLA policies) and the domain
(:mod:`cur_desktop.domain.deadlines`, :class:`~cur_desktop.domain.calendar.BusinessCalendar`
in the region's own time zone). Calendars are cached per region. Every instant returned is in
UTC; a :class:`~cur_desktop.domain.deadlines.Deadline` carries the due instant and the warning
instant (at :data:`WARN_FRACTION` of the allowed time).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    Deadline,
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
)
from cur_desktop.domain.enums import Priority, Source
from cur_desktop.domain.sla import SlaRule
from cur_desktop.reference import data as refdata

log = logging.getLogger(__name__)

WARN_FRACTION = 0.75


def canonical_region(region_code: str) -> str | None:
    """The reference data's spelling of ``region_code`` (e.g. ``"RU-TUL"``), or ``None``."""
    try:
        return refdata.region_by_code(region_code).iso_code
    except KeyError:
        return None


@cache
def _calendar(region_code: str) -> BusinessCalendar:
    return BusinessCalendar(refdata.region_by_code(region_code).timezone)


@lru_cache(maxsize=8192)
def _rule(region_code: str, source: Source, topic_code: str | None, priority: Priority) -> SlaRule:
    """The SLA rule that applies (cached: resolving it re-reads the reference paths)."""
    return refdata.sla_policy_for_region(region_code).rule_for(source, topic_code, priority)


def _utc(deadline: Deadline) -> Deadline:
    return Deadline(due=deadline.due.astimezone(UTC), warn_at=deadline.warn_at.astimezone(UTC))


def first_answer(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> Deadline:
    """When the first public answer to an incident is due and when to warn about it (UTC)."""
    rule = _rule(region_code, source, topic_code, priority)
    return _utc(first_answer_deadline(received_at, rule, _calendar(region_code), WARN_FRACTION))


def first_answer_due(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> datetime:
    """When the first public answer to an incident is due (UTC)."""
    return first_answer(region_code, source, topic_code, priority, received_at).due


def final_answer(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    *,
    interim_at: datetime,
    received_at: datetime,
) -> Deadline:
    """When the final answer is due after an interim answer at ``interim_at`` (UTC).

    The rule's total cap counted from ``received_at`` competes (the earlier wins).
    """
    rule = _rule(region_code, source, topic_code, priority)
    deadline = final_answer_deadline(
        interim_at, rule, _calendar(region_code), WARN_FRACTION, received_at=received_at
    )
    return _utc(deadline)


def moderation(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> Deadline:
    """When classification and routing are due: the end of the N-th working day (UTC)."""
    rule = _rule(region_code, source, topic_code, priority)
    return _utc(moderation_deadline(received_at, rule, _calendar(region_code), WARN_FRACTION))


def working_time_us(region_code: str, start: datetime, end: datetime) -> int:
    """Working time in ``[start, end]`` of the region's business calendar, in microseconds."""
    spent = _calendar(region_code).working_time_between(start, end)
    return spent // timedelta(microseconds=1)


def local_text(region_code: str, instant: datetime | None) -> str:
    """``instant`` in the region's local time as ``dd.mm.yyyy hh:mm`` ("—" when ``None``)."""
    if instant is None:
        return "—"
    return instant.astimezone(_calendar(region_code).tzinfo).strftime("%d.%m.%Y %H:%M")
