"""Deadlines the server computes for new incidents from the region's SLA policy.

Bridges the reference data (:mod:`cur_desktop.refdata`: regions, SLA policies) and the domain
(:mod:`cur_desktop.domain.deadlines`, :class:`~cur_desktop.domain.calendar.BusinessCalendar`
in the region's own time zone). Calendars are cached per region.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache

from cur_desktop import refdata
from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import first_answer_deadline
from cur_desktop.domain.enums import Priority, Source

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


def first_answer_due(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    received_at: datetime,
) -> datetime:
    """When the first public answer to an incident is due (UTC)."""
    rule = refdata.sla_policy_for_region(region_code).rule_for(source, topic_code, priority)
    deadline = first_answer_deadline(received_at, rule, _calendar(region_code), WARN_FRACTION)
    return deadline.due.astimezone(UTC)
