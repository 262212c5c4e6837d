"""Deadlines of an incident from its region's SLA policy: one computation for server and client.

Bridges the reference data (:mod:`cur_desktop.reference.data`: regions, SLA policies) and the
domain (:mod:`cur_desktop.domain.deadlines`, :class:`~cur_desktop.domain.calendar.BusinessCalendar`
in the region's own time zone). The server stores what these functions give
(:mod:`cur_desktop.server.deadline_policy`); the client computes the same for an incident it
registered offline and shows them as provisional until the server's row arrives
(:mod:`cur_desktop.storage.localstate`). Calendars are cached per region; every instant
returned is in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, lru_cache

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    Deadline,
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
)
from cur_desktop.domain.deadlines import receipt_deadlines as deadlines_at_receipt
from cur_desktop.domain.enums import Priority, Source
from cur_desktop.domain.sla import SlaRule
from cur_desktop.reference import data as refdata

WARN_FRACTION = 0.75
"""Share of the allowed time after which a timer warns (DOMAIN.md: at 75 %)."""


@cache
def region_calendar(region_code: str) -> BusinessCalendar:
    """The business calendar of a region (``KeyError`` for an unknown code)."""
    return _zone_calendar(refdata.region_by_code(region_code).timezone)


@cache
def _zone_calendar(timezone: str) -> BusinessCalendar:
    """One calendar per time zone (a region's calendar is its zone's): the 89 regions share
    ~11, and with them the per-year layouts and the limits cached per day."""
    return BusinessCalendar(timezone)


@lru_cache(maxsize=8192)
def sla_rule(
    region_code: str, source: Source, topic_code: str | None, priority: Priority
) -> SlaRule:
    """The region's SLA rule for an incident of this source, topic and priority (cached:
    resolving it re-reads the reference paths; ingestion asks it for every item)."""
    return refdata.sla_policy_for_region(region_code).rule_for(source, topic_code, priority)


def _utc(deadline: Deadline) -> Deadline:
    return Deadline(due=deadline.due.astimezone(UTC), warn_at=deadline.warn_at.astimezone(UTC))


DeadlineRule = Callable[[datetime, SlaRule, BusinessCalendar, float], Deadline]
"""A domain function from the received instant to a deadline (first answer, moderation)."""


def _from_receipt(
    compute: DeadlineRule,
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    *,
    received_at: datetime,
) -> Deadline:
    rule = sla_rule(region_code, source, topic_code, priority)
    return _utc(compute(received_at, rule, region_calendar(region_code), WARN_FRACTION))


def first_answer(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> Deadline:
    """When the first public answer to an incident is due and when to warn about it (UTC)."""
    return _from_receipt(
        first_answer_deadline, region_code, source, topic_code, priority, received_at=received_at
    )


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
    rule = sla_rule(region_code, source, topic_code, priority)
    deadline = final_answer_deadline(
        interim_at, rule, region_calendar(region_code), WARN_FRACTION, received_at=received_at
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
    return _from_receipt(
        moderation_deadline, region_code, source, topic_code, priority, received_at=received_at
    )


def receipt_deadlines(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> tuple[Deadline, Deadline]:
    """:func:`first_answer` and :func:`moderation` of a new incident (UTC), with one rule
    look-up and one calendar look-up (ingestion asks for both for every item)."""
    rule = sla_rule(region_code, source, topic_code, priority)
    first, limit = deadlines_at_receipt(
        received_at, rule, region_calendar(region_code), WARN_FRACTION
    )
    return _utc(first), _utc(limit)


__all__ = [
    "WARN_FRACTION",
    "final_answer",
    "first_answer",
    "moderation",
    "receipt_deadlines",
    "region_calendar",
    "sla_rule",
]
