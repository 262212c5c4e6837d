"""Edges of the deadline rules a wrong line would break unnoticed (issue 7): pauses that nest,
touch or number three or more, a pause starting exactly at the due moment, ``warn_fraction`` at
its bounds, band boundaries. Moscow, default working day 09-13, 14-18; Tue 4 Mar 2025 is an
ordinary working day, so is Wed 5 Mar. Expected values are computed by hand beside each case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    Band,
    Deadline,
    Pause,
    PauseLog,
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
    time_left,
)
from cur_desktop.domain.sla import SlaPolicy, SlaRule

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
NO_CAP = SlaRule(first_answer_calendar_hours=None)  # 8 working hours
FOUR = SlaRule(first_answer_working_hours=4, first_answer_calendar_hours=None)
CAP_ONLY = SlaRule(first_answer_working_hours=None, first_answer_calendar_hours=24)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar("Europe/Moscow")


def msk(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 3, d, hh, mm, tzinfo=MSK)


def log(*spans: tuple[datetime, datetime]) -> PauseLog:
    return PauseLog(tuple(Pause(a, b) for a, b in spans))


RECEIVED = msk(4, 9)  # 8 working hours -> 18:00 the same day


def test_nested_pauses_count_once(cal: BusinessCalendar) -> None:
    # 10-12 holds 10:30-11:00: merged 10-12 = 2 working hours; 18:00 + 2 h -> Wed 11:00
    pauses = log((msk(4, 10), msk(4, 12)), (msk(4, 10, 30), msk(4, 11)))
    assert pauses.intervals() == [(msk(4, 10), msk(4, 12))]
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=pauses).due == msk(5, 11)


def test_touching_pauses_merge_into_one(cal: BusinessCalendar) -> None:
    pauses = log((msk(4, 11), msk(4, 12)), (msk(4, 10), msk(4, 11)))
    assert pauses.intervals() == [(msk(4, 10), msk(4, 12))]
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=pauses).due == msk(5, 11)


def test_three_pauses_recorded_out_of_order(cal: BusinessCalendar) -> None:
    # 16:00-16:30, 10-11, 14-15: 2.5 working hours in all; 18:00 + 2.5 h -> Wed 11:30
    pauses = log((msk(4, 16), msk(4, 16, 30)), (msk(4, 10), msk(4, 11)), (msk(4, 14), msk(4, 15)))
    assert pauses.intervals() == [
        (msk(4, 10), msk(4, 11)),
        (msk(4, 14), msk(4, 15)),
        (msk(4, 16), msk(4, 16, 30)),
    ]
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=pauses).due == msk(5, 11, 30)
    # warning at 6 working hours: 16:00; the pause 10-11 starts before it (+1 h -> 17:00),
    # 14-15 too (+1 h -> 18:00), 16:00-16:30 as well (+0.5 h -> Wed 09:30)
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=pauses).warn_at == msk(5, 9, 30)


def test_a_pause_before_the_start_counts_only_from_the_start(cal: BusinessCalendar) -> None:
    # 08:00-10:00 on the day, start 09:00: only 09-10 counts -> due Wed 10:00
    pauses = log((msk(4, 8), msk(4, 10)))
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=pauses).due == msk(5, 10)
    # a pause wholly before the start pushes nothing
    earlier = log((msk(3, 10), msk(3, 12)))
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=earlier).due == msk(4, 18)


def test_a_pause_starting_exactly_at_the_due_moment_does_not_push(cal: BusinessCalendar) -> None:
    # 4 working hours from 09:00 end at 13:00; a pause 13:00-15:00 begins once the limit has
    # run out: no push (else 14-15 would move it to 15:00)
    at_due = log((msk(4, 13), msk(4, 15)))
    assert first_answer_deadline(RECEIVED, FOUR, cal, pauses=at_due).due == msk(4, 13)
    # one minute earlier it pushes: 12:59-15:00 holds 61 working minutes (12:59-13:00 and
    # 14:00-15:00); 13:00 + 61 working minutes = 15:01 (lunch 13-14 skipped)
    before = log((msk(4, 12, 59), msk(4, 15)))
    assert first_answer_deadline(RECEIVED, FOUR, cal, pauses=before).due == msk(4, 15, 1)


def test_a_pause_starting_exactly_at_a_wall_clock_due_does_not_push(cal: BusinessCalendar) -> None:
    # 24 calendar hours from Tue 09:00: Wed 09:00; a pause from exactly then pushes nothing
    at_due = log((msk(5, 9), msk(5, 11)))
    assert first_answer_deadline(RECEIVED, CAP_ONLY, cal, pauses=at_due).due == msk(5, 9)
    before = log((msk(5, 8, 59), msk(5, 10, 59)))
    assert first_answer_deadline(RECEIVED, CAP_ONLY, cal, pauses=before).due == msk(5, 11)


def test_day_limits_are_pushed_by_pauses_too(cal: BusinessCalendar) -> None:
    # final answer 7 working days from Tue 4 Mar 10:00: 5, 6, 7 (short), 10, 11, 12, 13 Mar ->
    # Thu 13 Mar 18:00; a 2 working-hour pause on 5 Mar moves it to Fri 14 Mar 11:00
    interim = msk(4, 10)
    rule = SlaRule()
    assert final_answer_deadline(interim, rule, cal).due == msk(13, 18)
    pauses = log((msk(5, 10), msk(5, 12)))
    assert final_answer_deadline(interim, rule, cal, pauses=pauses).due == msk(14, 11)


def test_warn_fraction_bounds(cal: BusinessCalendar) -> None:
    whole = first_answer_deadline(RECEIVED, NO_CAP, cal, warn_fraction=1)
    assert whole.warn_at == whole.due == msk(4, 18)
    tiny = first_answer_deadline(RECEIVED, NO_CAP, cal, warn_fraction=0.125)
    assert tiny.warn_at == msk(4, 10)  # 1 working hour of 8
    for bad in (0, -0.5, 1.0001):
        with pytest.raises(ValueError, match="warn_fraction"):
            first_answer_deadline(RECEIVED, NO_CAP, cal, warn_fraction=bad)
        with pytest.raises(ValueError, match="warn_fraction"):
            moderation_deadline(RECEIVED, NO_CAP, cal, warn_fraction=bad)
        with pytest.raises(ValueError, match="warn_fraction"):
            final_answer_deadline(RECEIVED, NO_CAP, cal, warn_fraction=bad)
    # a policy keeps the warning strictly inside the allowed time
    for bad in (0.0, 1.0):
        with pytest.raises(ValueError, match="warn_fraction"):
            SlaPolicy("p", (SlaRule(),), warn_fraction=bad)
    assert SlaPolicy("p", (SlaRule(),), warn_fraction=0.999).warn_fraction == 0.999


def test_bands_at_their_exact_boundaries(cal: BusinessCalendar) -> None:
    deadline = first_answer_deadline(RECEIVED, NO_CAP, cal)  # due 18:00, warn 6 h -> 16:00
    assert deadline.warn_at == msk(4, 16)
    tick = timedelta(microseconds=1)
    assert time_left(deadline, msk(4, 16) - tick, cal).band is Band.OK
    assert time_left(deadline, msk(4, 16), cal).band is Band.WARNING
    assert time_left(deadline, msk(4, 18), cal).band is Band.WARNING
    assert time_left(deadline, msk(4, 18), cal).wall == timedelta(0)
    after = time_left(deadline, msk(4, 18) + tick, cal)
    assert after.band is Band.OVERDUE
    assert after.wall == -tick
    assert after.working == timedelta(0)  # 18:00 is the end of the working day


def test_pause_log_rules() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(msk(4, 12), msk(4, 11))
    with pytest.raises(ValueError, match="one pause"):
        PauseLog((Pause(msk(4, 10)), Pause(msk(4, 11))))
    with pytest.raises(ValueError, match="not paused"):
        PauseLog().resume(msk(4, 10))
    open_log = PauseLog().pause(msk(4, 10))
    assert open_log.intervals() == []
    assert open_log.intervals(msk(4, 11)) == [(msk(4, 10), msk(4, 11))]
    assert open_log.intervals(msk(4, 10)) == []  # zero length: nothing
    closed = open_log.resume(msk(4, 12))
    assert not closed.is_paused
    assert closed.pauses == (Pause(msk(4, 10), msk(4, 12)),)


def test_paused_working_time_is_clipped_to_the_window(cal: BusinessCalendar) -> None:
    pauses = log((msk(4, 10), msk(4, 15)))  # 10-13 and 14-15: 4 working hours
    assert pauses.paused_working_time(cal, msk(4, 9), msk(4, 18)) == 4 * H
    assert pauses.paused_working_time(cal, msk(4, 11), msk(4, 14, 30)) == 2.5 * H


def test_deadlines_and_pauses_are_values() -> None:
    # frozen value objects: hashable (usable as keys and in sets) and immutable
    deadline = Deadline(due=msk(4, 18), warn_at=msk(4, 16))
    assert {deadline: 1}[Deadline(due=msk(4, 18), warn_at=msk(4, 16))] == 1
    with pytest.raises(AttributeError):
        deadline.due = msk(4, 17)  # type: ignore[misc]
    pause = Pause(msk(4, 10), msk(4, 11))
    assert len({pause, Pause(msk(4, 10), msk(4, 11))}) == 1
    with pytest.raises(AttributeError):
        pause.end = None  # type: ignore[misc]
    # warn_at may equal due
    assert Deadline(due=msk(4, 18), warn_at=msk(4, 18)).warn_at == msk(4, 18)


def test_a_zero_length_pause_is_allowed_and_pushes_nothing(cal: BusinessCalendar) -> None:
    instant = msk(4, 10)
    assert Pause(instant, instant).end == instant  # paused and resumed at once
    pauses = PauseLog().pause(instant).resume(instant)
    assert pauses.intervals() == []
    assert first_answer_deadline(RECEIVED, NO_CAP, cal, pauses=pauses).due == msk(4, 18)


def test_rules_policies_and_hours_are_values() -> None:
    from cur_desktop.domain.calendar import WorkingHours

    rule = SlaRule(first_answer_working_hours=4)
    assert len({rule, SlaRule(first_answer_working_hours=4)}) == 1
    with pytest.raises(AttributeError):
        rule.priority = None  # type: ignore[misc]
    policy = SlaPolicy("p", (rule,))
    assert {policy: 1}[SlaPolicy("p", (SlaRule(first_answer_working_hours=4),))] == 1
    with pytest.raises(AttributeError):
        policy.name = "q"  # type: ignore[misc]
    hours = WorkingHours()
    assert {hours: 1}[WorkingHours()] == 1
    with pytest.raises(AttributeError):
        hours.start = hours.end  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"final_answer_working_days": 0}, "final_answer_working_days"),
        ({"moderation_working_days": 0}, "moderation_working_days"),
        ({"total_calendar_days": 0}, "total_calendar_days"),
        ({"first_answer_working_hours": None, "first_answer_working_days": 0}, "working_days"),
        ({"first_answer_working_hours": 0}, "first_answer_working_hours"),
        ({"first_answer_working_hours": float("nan")}, "first_answer_working_hours"),
        ({"first_answer_calendar_hours": 0}, "first_answer_calendar_hours"),
        ({"first_answer_calendar_hours": float("inf")}, "first_answer_calendar_hours"),
        ({"first_answer_working_days": 3}, "not both"),  # hours default to 8
        (
            {"first_answer_working_hours": None, "first_answer_calendar_hours": None},
            "at least one limit",
        ),
    ],
)
def test_bad_rules_are_refused(fields: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SlaRule(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"final_answer_working_days": 1, "moderation_working_days": 1, "total_calendar_days": 1},
        {"first_answer_working_hours": None, "first_answer_working_days": 1},
        {"first_answer_working_hours": None, "first_answer_calendar_hours": 1},
        {
            "first_answer_working_hours": None,
            "first_answer_calendar_hours": None,
            "total_calendar_days": 30,
        },
        {"first_answer_working_hours": 0.5, "first_answer_calendar_hours": None},
    ],
)
def test_rules_at_their_smallest_limits_are_accepted(fields: dict[str, object]) -> None:
    rule = SlaRule(**fields)  # type: ignore[arg-type]
    for key, value in fields.items():
        assert getattr(rule, key) == value
