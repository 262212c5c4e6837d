"""SLA rule choice and deadlines: working limits, calendar caps, warnings, pauses, time left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    Band,
    Deadline,
    PauseLog,
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
    time_left,
)
from cur_desktop.domain.enums import Priority, Source
from cur_desktop.domain.sla import DEFAULT_POLICY, SlaPolicy, SlaRule

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
NO_CAP = SlaRule(first_answer_calendar_hours=None)
DEFAULT = DEFAULT_POLICY.rule_for(Source.VK, "roads", Priority.NORMAL)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar("Europe/Moscow")


def msk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=MSK)


# ---------------------------------------------------------------- rule choice


def test_default_policy_rules() -> None:
    assert DEFAULT.first_answer_working_hours == 8.0
    assert DEFAULT.first_answer_calendar_hours == 24.0
    assert DEFAULT.final_answer_working_days == 7
    assert DEFAULT.moderation_working_days == 1
    high = DEFAULT_POLICY.rule_for(Source.TELEGRAM, None, Priority.HIGH)
    assert high.first_answer_working_hours == 4.0
    pos = DEFAULT_POLICY.rule_for(Source.POS, "health", Priority.NORMAL)
    assert pos.first_answer_working_hours is None
    assert pos.first_answer_working_days == 10
    assert pos.first_answer_calendar_hours is None
    # a source rule and a priority rule tie at one key: the first listed (the source) wins
    assert DEFAULT_POLICY.rule_for(Source.POS, None, Priority.HIGH) is pos
    appeal = DEFAULT_POLICY.rule_for(Source.APPEAL_59FZ, None, Priority.NORMAL)
    assert appeal.total_calendar_days == 30
    assert DEFAULT_POLICY.warn_fraction == 0.75


def test_most_specific_rule_wins_and_ties_go_to_the_first() -> None:
    any_rule = SlaRule()
    topic = SlaRule(topic_code="roads", first_answer_working_hours=6)
    topic_high = SlaRule(topic_code="roads", priority=Priority.HIGH, first_answer_working_hours=2)
    vk = SlaRule(source=Source.VK, first_answer_working_hours=5)
    policy = SlaPolicy("test", (any_rule, topic, vk, topic_high))
    assert policy.rule_for(Source.OK, "health", Priority.NORMAL) is any_rule
    assert policy.rule_for(Source.OK, "roads", Priority.NORMAL) is topic
    assert policy.rule_for(Source.VK, "roads", Priority.NORMAL) is topic  # tie: listed first
    assert policy.rule_for(Source.VK, "roads", Priority.HIGH) is topic_high
    assert policy.rule_for(Source.VK, None, Priority.HIGH) is vk


def test_policy_needs_a_catch_all_rule() -> None:
    with pytest.raises(ValueError, match="catch-all"):
        SlaPolicy("bad", (SlaRule(source=Source.VK),))
    with pytest.raises(ValueError, match="warn_fraction"):
        SlaPolicy("bad", (SlaRule(),), warn_fraction=1.5)
    with pytest.raises(ValueError, match="first_answer_working_hours"):
        SlaRule(first_answer_working_hours=0)


# ---------------------------------------------------------------- first answer


def test_eight_working_hours_from_friday_evening_land_on_monday(cal: BusinessCalendar) -> None:
    deadline = first_answer_deadline(msk(2025, 3, 14, 17), NO_CAP, cal)
    assert deadline.due == msk(2025, 3, 17, 17)
    # 6 working hours: 1 on Friday, 4 + 1 on Monday
    assert deadline.warn_at == msk(2025, 3, 17, 15)


def test_by_default_the_24_hour_cap_holds_over_a_weekend(cal: BusinessCalendar) -> None:
    deadline = first_answer_deadline(msk(2025, 3, 14, 17), DEFAULT, cal)
    assert deadline.due == msk(2025, 3, 15, 17)
    assert deadline.warn_at == msk(2025, 3, 15, 11)  # 18 of 24 wall-clock hours


def test_calendar_cap_wins_across_the_new_year_holidays(cal: BusinessCalendar) -> None:
    received = msk(2025, 12, 30, 15)
    # the working limit alone would run to Monday 12 January 2026, 15:00
    assert first_answer_deadline(received, NO_CAP, cal).due == msk(2026, 1, 12, 15)
    deadline = first_answer_deadline(received, DEFAULT, cal)
    assert deadline == Deadline(due=msk(2025, 12, 31, 15), warn_at=msk(2025, 12, 31, 9))


def test_working_limit_wins_on_an_ordinary_day(cal: BusinessCalendar) -> None:
    deadline = first_answer_deadline(msk(2025, 3, 4, 9), DEFAULT, cal)
    assert deadline.due == msk(2025, 3, 4, 18)
    assert deadline.warn_at == msk(2025, 3, 4, 16)  # 75 % = 6 working hours
    assert cal.working_time_between(msk(2025, 3, 4, 9), deadline.warn_at) == 6 * H


def test_high_priority_four_hours(cal: BusinessCalendar) -> None:
    rule = DEFAULT_POLICY.rule_for(Source.VK, None, Priority.HIGH)
    deadline = first_answer_deadline(msk(2025, 3, 4, 10), rule, cal)
    assert deadline.due == msk(2025, 3, 4, 15)
    assert deadline.warn_at == msk(2025, 3, 4, 13)  # 3 working hours end at lunch


def test_pos_ten_working_days(cal: BusinessCalendar) -> None:
    rule = DEFAULT_POLICY.rule_for(Source.POS, None, Priority.NORMAL)
    received = msk(2025, 9, 1, 10)  # Monday; no holiday or short day within two weeks
    deadline = first_answer_deadline(received, rule, cal)
    # days, not 80 hours: counting starts Tue 2 Sep: 2,3,4,5,8,9,10,11,12,15 -> end of Mon 15
    assert deadline.due == msk(2025, 9, 15, 18)
    # allowed working time from 1 Sep 10:00: 7 h + 10 x 8 h = 87 h; 75 % = 65 h 15 min:
    # 1 Sep 7, 2-5 Sep 39, 8-10 Sep 63, then 2 h 15 min of 11 Sep -> 11:15
    assert deadline.warn_at == msk(2025, 9, 11, 11, 15)


def test_appeal_59fz_thirty_calendar_days(cal: BusinessCalendar) -> None:
    rule = DEFAULT_POLICY.rule_for(Source.APPEAL_59FZ, None, Priority.NORMAL)
    received = datetime(2025, 3, 3, 7, tzinfo=UTC)  # 10:00 in Moscow
    deadline = first_answer_deadline(received, rule, cal)
    # 30th calendar day after Mon 3 March is Wed 2 April (working): its end, 18:00
    assert deadline.due == msk(2025, 4, 2, 18)
    # wall clock 30 d 8 h; 75 % = 22 d 18 h after 3 Mar 10:00
    assert deadline.warn_at == msk(2025, 3, 26, 4)
    assert deadline.due.tzinfo is cal.tzinfo


def test_warn_fraction_is_configurable(cal: BusinessCalendar) -> None:
    deadline = first_answer_deadline(msk(2025, 3, 4, 9), DEFAULT, cal, warn_fraction=0.5)
    assert deadline.warn_at == msk(2025, 3, 4, 13)
    with pytest.raises(ValueError, match="warn_fraction"):
        first_answer_deadline(msk(2025, 3, 4, 9), DEFAULT, cal, warn_fraction=0)


def test_naive_received_at_is_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        first_answer_deadline(datetime(2025, 3, 4, 9), DEFAULT, cal)  # naive on purpose


# ---------------------------------------------------------------- pauses


def test_pause_pushes_the_due_instant_by_paused_working_time(cal: BusinessCalendar) -> None:
    received = msk(2025, 3, 4, 9)
    pauses = PauseLog().pause(msk(2025, 3, 4, 11)).resume(msk(2025, 3, 4, 15))
    deadline = first_answer_deadline(received, DEFAULT, cal, pauses=pauses)
    # 3 paused working hours (11-13, 14-15): 18:00 -> Wednesday 12:00; the 24 h cap, pushed by
    # 4 wall-clock hours, is Wednesday 13:00, later
    assert deadline.due == msk(2025, 3, 5, 12)
    assert deadline.warn_at == msk(2025, 3, 5, 10)
    unpaused = first_answer_deadline(received, DEFAULT, cal)
    worked = cal.working_time_between(received, deadline.due) - pauses.paused_working_time(
        cal, received, deadline.due
    )
    assert worked == cal.working_time_between(received, unpaused.due)


def test_open_pause_counts_up_to_now(cal: BusinessCalendar) -> None:
    received = msk(2025, 3, 4, 9)
    pauses = PauseLog().pause(msk(2025, 3, 4, 10))
    assert pauses.is_paused
    # without now the open pause has pushed nothing yet
    assert first_answer_deadline(received, NO_CAP, cal, pauses=pauses).due == msk(2025, 3, 4, 18)
    later = first_answer_deadline(received, NO_CAP, cal, pauses=pauses, now=msk(2025, 3, 4, 12))
    assert later.due == msk(2025, 3, 5, 11)
    with pytest.raises(ValueError, match="already paused"):
        pauses.pause(msk(2025, 3, 4, 11))


def test_pause_after_the_breach_does_not_undo_it(cal: BusinessCalendar) -> None:
    received = msk(2025, 3, 4, 9)
    pauses = PauseLog().pause(msk(2025, 3, 5, 10)).resume(msk(2025, 3, 5, 16))
    assert first_answer_deadline(received, DEFAULT, cal, pauses=pauses).due == msk(2025, 3, 4, 18)


def test_pause_outside_working_hours_pushes_only_the_wall_clock_cap(
    cal: BusinessCalendar,
) -> None:
    received = msk(2025, 3, 14, 17)  # Friday; by default the 24 h cap decides
    pauses = PauseLog().pause(msk(2025, 3, 14, 20)).resume(msk(2025, 3, 14, 23))
    assert first_answer_deadline(received, NO_CAP, cal, pauses=pauses).due == msk(2025, 3, 17, 17)
    assert first_answer_deadline(received, DEFAULT, cal, pauses=pauses).due == msk(2025, 3, 15, 20)


def test_overlapping_pauses_are_merged(cal: BusinessCalendar) -> None:
    log = PauseLog().pause(msk(2025, 3, 4, 10)).resume(msk(2025, 3, 4, 12))
    log = log.pause(msk(2025, 3, 4, 11)).resume(msk(2025, 3, 4, 15))
    assert log.intervals() == [(msk(2025, 3, 4, 10), msk(2025, 3, 4, 15))]
    assert log.paused_working_time(cal, msk(2025, 3, 4, 9), msk(2025, 3, 5, 9)) == 4 * H


# ---------------------------------------------------------------- final answer, moderation


def test_final_answer_seven_working_days_after_interim(cal: BusinessCalendar) -> None:
    interim = msk(2025, 4, 24, 10, 30)
    deadline = final_answer_deadline(interim, DEFAULT, cal)
    # 25, 28, 29, 30 Apr, (1-4 May off), 5, 6, 7 May: the end of Wed 7 May (not shortened:
    # 8 May is a transferred day off, not a holiday of art. 112)
    assert deadline.due == msk(2025, 5, 7, 18)
    # 24 Apr 10:30-18:00 is 6.5 h; 25, 28, 29 Apr 24 h; 30 Apr (short) 7 h; 5-7 May 24 h
    allowed = cal.working_time_between(interim, deadline.due)
    assert allowed == 61.5 * H
    # 75 % = 46 h 7.5 min: 6.5 + 24 + 7 = 37.5 by 30 Apr; 5 May 8 -> 45.5; 6 May 9:00 + 37.5 min
    assert deadline.warn_at == msk(2025, 5, 6, 9, 37) + timedelta(seconds=30)


def test_final_answer_capped_by_total_calendar_days(cal: BusinessCalendar) -> None:
    rule = DEFAULT_POLICY.rule_for(Source.APPEAL_59FZ, None, Priority.NORMAL)
    received = msk(2025, 3, 3, 10)
    interim = msk(2025, 3, 28, 10)
    # 31 Mar, 1, 2, 3, 4, 7, 8 Apr: the end of Tue 8 April
    assert final_answer_deadline(interim, rule, cal).due == msk(2025, 4, 8, 18)
    capped = final_answer_deadline(interim, rule, cal, received_at=received)
    assert capped.due == msk(2025, 4, 2, 18)  # 30th calendar day after 3 March, its end


def test_moderation_one_working_day(cal: BusinessCalendar) -> None:
    deadline = moderation_deadline(msk(2025, 3, 14, 17), DEFAULT, cal)
    assert deadline.due == msk(2025, 3, 17, 18)  # Fri 17:00 -> the end of Mon
    # 14 Mar 17-18 (1 h) + 17 Mar 8 h = 9 h; 75 % = 6 h 45 min: 1 h, 9-13, 14:00 + 1 h 45 min
    assert deadline.warn_at == msk(2025, 3, 17, 15, 45)


# ---------------------------------------------------------------- time left


def test_time_left_bands(cal: BusinessCalendar) -> None:
    deadline = first_answer_deadline(msk(2025, 3, 4, 9), DEFAULT, cal)  # due 18:00, warn 16:00
    early = time_left(deadline, msk(2025, 3, 4, 12), cal)
    assert early.band is Band.OK
    assert early.wall == 6 * H
    assert early.working == 5 * H
    assert time_left(deadline, msk(2025, 3, 4, 16), cal).band is Band.WARNING
    assert time_left(deadline, msk(2025, 3, 4, 18), cal).band is Band.WARNING
    late = time_left(deadline, msk(2025, 3, 5, 10), cal)
    assert late.band is Band.OVERDUE
    assert late.is_overdue
    assert late.wall == -16 * H
    assert late.working == -H
    assert late.band == "overdue"


def test_deadline_refuses_warning_after_due() -> None:
    with pytest.raises(ValueError, match="after due"):
        Deadline(due=msk(2025, 3, 4, 9), warn_at=msk(2025, 3, 4, 10))
