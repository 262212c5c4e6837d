"""The deadlines computed from one working-time position equal the plain composition.

Issue 11 (ingestion speed): :mod:`cur_desktop.domain.deadlines` converts the received instant
once (:meth:`BusinessCalendar.working_position`), adds working time from that position and
caches the limits in days per local day. The oracle below is the composition of the calendar's
public operations the functions used before (``add_working_time``, ``working_time_between``,
``working_days_limit``, ``calendar_days_limit``): for every rule of the shipped policies and
instants across years, holidays, shortened days, lunch, nights and weekends, in several time
zones, the results must be the same instants.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
    receipt_deadlines,
)
from cur_desktop.domain.sla import SlaRule
from cur_desktop.reference import data as refdata

ZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Kamchatka")
FRACTION = 0.75


def _working(start: datetime, allowed: timedelta, cal: BusinessCalendar) -> tuple[datetime, ...]:
    return cal.add_working_time(start, allowed), cal.add_working_time(start, allowed * FRACTION)


def _working_days(start: datetime, n: int, cal: BusinessCalendar) -> tuple[datetime, ...]:
    due = cal.working_days_limit(start, n)
    allowed = cal.working_time_between(start, due)
    return due, cal.add_working_time(start, allowed * FRACTION)


def _calendar_days(start: datetime, n: int, cal: BusinessCalendar) -> tuple[datetime, ...]:
    due = cal.calendar_days_limit(start, n)
    return due, start + (due - start) * FRACTION


def oracle_first(start: datetime, rule: SlaRule, cal: BusinessCalendar) -> tuple[datetime, ...]:
    candidates = []
    if rule.first_answer_working_hours is not None:
        hours = timedelta(hours=rule.first_answer_working_hours)
        candidates.append(_working(start, hours, cal))
    if rule.first_answer_working_days is not None:
        candidates.append(_working_days(start, rule.first_answer_working_days, cal))
    if rule.first_answer_calendar_hours is not None:
        cap = timedelta(hours=rule.first_answer_calendar_hours)
        candidates.append((start + cap, start + cap * FRACTION))
    if rule.total_calendar_days is not None:
        candidates.append(_calendar_days(start, rule.total_calendar_days, cal))
    return min(candidates)


def _rules() -> list[SlaRule]:
    seen: dict[str, SlaRule] = {}
    for policy in refdata.load_sla_policies().values():
        for rule in policy.rules:
            seen[repr(rule)] = rule
    extra = [
        SlaRule(first_answer_working_hours=0.5, first_answer_calendar_hours=None),
        SlaRule(first_answer_working_hours=None, first_answer_working_days=3),
        SlaRule(first_answer_working_hours=40.0, total_calendar_days=5),
    ]
    return [*seen.values(), *extra]


RULES = _rules()


def _calendar(zone: str, shorten: bool) -> BusinessCalendar:
    return BusinessCalendar(zone, shorten_pre_holiday=shorten)


CALENDARS = [_calendar(zone, shorten) for zone in ZONES for shorten in (True, False)]


def test_the_policies_hold_rules_of_every_kind() -> None:
    """The comparison below would prove little if the rules never used a limit kind."""
    assert any(r.first_answer_working_hours is not None for r in RULES)
    assert any(r.first_answer_working_days is not None for r in RULES)
    assert any(r.first_answer_calendar_hours is not None for r in RULES)
    assert any(r.total_calendar_days is not None for r in RULES)


@pytest.mark.parametrize("cal", CALENDARS, ids=repr)
def test_first_answer_and_moderation_equal_the_composition(cal: BusinessCalendar) -> None:
    rng = random.Random(11)
    base = datetime(2024, 12, 20, tzinfo=UTC)
    # every 37 minutes over the new-year holidays (a year boundary), then random instants
    instants = [base + timedelta(minutes=37 * i) for i in range(900)]
    instants += [base + timedelta(seconds=rng.randrange(0, 730 * 86_400)) for _ in range(1500)]
    instants += [datetime(2025, 3, 7, 13, 59, 59, 999_999, tzinfo=UTC)]
    for index, start in enumerate(instants):
        rule = RULES[index % len(RULES)]
        got = first_answer_deadline(start, rule, cal, FRACTION)
        assert (got.due, got.warn_at) == oracle_first(start, rule, cal), (start, rule)
        mod = moderation_deadline(start, rule, cal, FRACTION)
        assert (mod.due, mod.warn_at) == _working_days(start, rule.moderation_working_days, cal)
        assert receipt_deadlines(start, rule, cal, FRACTION) == (got, mod)


@settings(max_examples=300, deadline=None)
@given(
    cal=st.sampled_from(CALENDARS),
    rule=st.sampled_from(RULES),
    start=st.datetimes(
        min_value=datetime(2023, 11, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC)
    ),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_any_instant_equals_the_composition(
    cal: BusinessCalendar, rule: SlaRule, start: datetime, later: timedelta
) -> None:
    got = first_answer_deadline(start, rule, cal, FRACTION)
    assert (got.due, got.warn_at) == oracle_first(start, rule, cal)
    interim = start + later
    final = final_answer_deadline(interim, rule, cal, FRACTION, received_at=start)
    candidates = [_working_days(interim, rule.final_answer_working_days, cal)]
    if rule.total_calendar_days is not None:
        candidates.append(_calendar_days(start, rule.total_calendar_days, cal))
    assert (final.due, final.warn_at) == min(candidates)


def test_a_position_adds_like_add_working_time() -> None:
    cal = _calendar("Europe/Moscow", True)
    # Friday 2025-03-07 is a shortened pre-holiday day (09:00-13:00, 14:00-17:00 Moscow)
    start = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)  # 15:00 Moscow: 2 h left that day
    at = cal.working_position(start)
    two_hours = 2 * 3600 * 1_000_000
    assert cal.after_position(at, two_hours) == datetime(2025, 3, 7, 17, 0, tzinfo=cal.tzinfo)
    # one µs more: Saturday 8 March and Sunday are off, Monday 10th opens at 09:00
    assert cal.after_position(at, two_hours + 1) == datetime(
        2025, 3, 10, 9, 0, 0, 1, tzinfo=cal.tzinfo
    )
    later = cal.working_position(datetime(2025, 3, 10, 6, 30, tzinfo=UTC))  # 09:30 Monday
    assert cal.working_between(at, later) == two_hours + 30 * 60 * 1_000_000
    with pytest.raises(ValueError, match="positive"):
        cal.after_position(at, 0)
