"""Limits in days (ГК РФ ст. 191–194, DOMAIN.md "How a limit in days is counted").

Counting starts on the local day after the event whatever its hour; a working-day limit ends at
the end of the N-th working day, a calendar-day limit at the end of the N-th calendar day moved
to the next working day when it falls on a day off. Every expected value below is computed by
hand from the production calendar (the `holidays` RU data: 2025 days off 1–8 Jan, 23 Feb,
8 Mar, 1–2 May, 8–9 May, 12–13 Jun, 3–4 Nov, 31 Dec; working Saturday 1 Nov 2025; 2026 days
off 1–9 Jan; 2028: holidays only, no transfers in the package) and the default working day
09:00–18:00 with lunch 13:00–14:00, one hour shorter before an art. 112 holiday. The hand
computation is written beside each case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
)
from cur_desktop.domain.enums import Priority, Source
from cur_desktop.domain.sla import DEFAULT_POLICY, SlaRule

MSK = ZoneInfo("Europe/Moscow")
KGD = ZoneInfo("Europe/Kaliningrad")  # UTC+2
KAM = ZoneInfo("Asia/Kamchatka")  # UTC+12
GENERAL = DEFAULT_POLICY.rule_for(Source.VK, None, Priority.NORMAL)
POS = DEFAULT_POLICY.rule_for(Source.POS, None, Priority.NORMAL)
APPEAL = DEFAULT_POLICY.rule_for(Source.APPEAL_59FZ, None, Priority.NORMAL)
NO_CAP = SlaRule(first_answer_calendar_hours=None)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar("Europe/Moscow")


def msk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=MSK)


# ---------------------------------------------------------------- the two worked examples


@pytest.mark.parametrize("hour", [10, 20])
def test_interim_on_thursday_24_april_plus_7_working_days_ends_wednesday_7_may(
    cal: BusinessCalendar, hour: int
) -> None:
    # Day after Thu 24 Apr: Fri 25 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4, short), 1-4 May off,
    # Mon 5 (5), Tue 6 (6), Wed 7 (7): the end of 7 May, 18:00 (8 May is a transferred day
    # off, not an art. 112 holiday, so 7 May is not shortened).
    deadline = final_answer_deadline(msk(2025, 4, 24, hour), GENERAL, cal)
    assert deadline.due == msk(2025, 5, 7, 18)


def test_interim_warning_at_three_quarters_of_the_working_time(cal: BusinessCalendar) -> None:
    # From 24 Apr 10:00: 24 Apr 7 h, 25/28/29 Apr 24 h, 30 Apr 7 h, 5-7 May 24 h = 62 h.
    # 75 % = 46.5 h: 24 Apr 7, 25-29 Apr 31, 30 Apr 38, 5 May 46, then 30 min of 6 May.
    assert final_answer_deadline(msk(2025, 4, 24, 10), GENERAL, cal).warn_at == msk(
        2025, 5, 6, 9, 30
    )
    # From 24 Apr 20:00: 62 - 7 = 55 h; 75 % = 41 h 15 min: 25-29 Apr 24, 30 Apr 31,
    # 5 May 39, then 2 h 15 min of 6 May: 11:15.
    assert final_answer_deadline(msk(2025, 4, 24, 20), GENERAL, cal).warn_at == msk(
        2025, 5, 6, 11, 15
    )


def test_moderation_of_a_message_received_30_december_0900_ends_12_january(
    cal: BusinessCalendar,
) -> None:
    # Day after Tue 30 Dec 2025: 31 Dec off (transfer), 1-8 Jan holidays, 9 Jan off (transfer),
    # 10-11 Jan weekend, Mon 12 Jan 2026 is the first working day: its end, 18:00.
    deadline = moderation_deadline(msk(2025, 12, 30, 9), GENERAL, cal)
    assert deadline.due == msk(2026, 1, 12, 18)
    # Working time from 30 Dec 09:00: 30 Dec 8 h + 12 Jan 8 h = 16 h; 75 % = 12 h:
    # 30 Dec whole (8 h), then 4 h of 12 Jan: 09:00-13:00.
    assert deadline.warn_at == msk(2026, 1, 12, 13)


# ---------------------------------------------------------------- starts at the edges


def test_start_at_night_counts_from_the_next_day(cal: BusinessCalendar) -> None:
    # Wed 5 Mar 2025 02:00: day after is Thu 6 Mar (working, not short): its end.
    deadline = moderation_deadline(msk(2025, 3, 5, 2), GENERAL, cal)
    assert deadline.due == msk(2025, 3, 6, 18)
    # 5 Mar 8 h + 6 Mar 8 h = 16 h from 02:00; 75 % = 12 h -> 6 Mar 13:00
    assert deadline.warn_at == msk(2025, 3, 6, 13)


def test_start_on_a_weekend(cal: BusinessCalendar) -> None:
    # Sat 15 Mar 2025 11:00, 7 working days: Sun 16 off, 17, 18, 19, 20, 21, 24, 25 -> Tue 25
    assert final_answer_deadline(msk(2025, 3, 15, 11), GENERAL, cal).due == msk(2025, 3, 25, 18)


def test_start_on_a_holiday(cal: BusinessCalendar) -> None:
    # Thu 1 May 2025 (holiday) 10:00: 2 May off, 3-4 weekend, Mon 5 May is the first working day
    assert moderation_deadline(msk(2025, 5, 1, 10), GENERAL, cal).due == msk(2025, 5, 5, 18)


def test_a_working_saturday_counts_and_ends_shortened(cal: BusinessCalendar) -> None:
    # Fri 31 Oct 2025 15:00: the day after is Sat 1 Nov, a decreed working day, shortened
    # before the 4 Nov holiday (it stands in for Mon 3 Nov): it ends at 17:00.
    assert moderation_deadline(msk(2025, 10, 31, 15), GENERAL, cal).due == msk(2025, 11, 1, 17)


def test_start_on_a_working_saturday(cal: BusinessCalendar) -> None:
    # Sat 1 Nov 2025 10:00 (working): Sun 2 off, Mon 3 off (transfer), Tue 4 holiday, Wed 5
    assert moderation_deadline(msk(2025, 11, 1, 10), GENERAL, cal).due == msk(2025, 11, 5, 18)


def test_start_exactly_at_0900_does_not_count_that_day(cal: BusinessCalendar) -> None:
    # Mon 3 Mar 2025 09:00 sharp: the day of the event never counts; the day after is Tue 4
    assert moderation_deadline(msk(2025, 3, 3, 9), GENERAL, cal).due == msk(2025, 3, 4, 18)


def test_start_exactly_at_the_end_of_lunch(cal: BusinessCalendar) -> None:
    # Mon 3 Mar 2025 14:00, 7 working days: 4, 5, 6, 7 (short, before 8 Mar), 10, 11, 12 Mar
    # (8 Mar 2025 is a Saturday; no transfer) -> the end of Wed 12 Mar
    assert final_answer_deadline(msk(2025, 3, 3, 14), GENERAL, cal).due == msk(2025, 3, 12, 18)


def test_kaliningrad_counts_its_own_day() -> None:
    kgd = BusinessCalendar("Europe/Kaliningrad")
    # 2025-03-03 21:30 UTC is Mon 23:30 in Kaliningrad (UTC+2): the day after is Tue 4 Mar,
    # ending 18:00 there = 16:00 UTC. (In Moscow it is already Tue 00:30: Wed would count.)
    received = datetime(2025, 3, 3, 21, 30, tzinfo=UTC)
    due = moderation_deadline(received, GENERAL, kgd).due
    assert due == datetime(2025, 3, 4, 18, tzinfo=KGD)
    assert due == datetime(2025, 3, 4, 16, tzinfo=UTC)
    assert moderation_deadline(received, GENERAL, BusinessCalendar("Europe/Moscow")).due == msk(
        2025, 3, 5, 18
    )


def test_kamchatka_counts_its_own_day() -> None:
    kam = BusinessCalendar("Asia/Kamchatka")
    # 2025-02-28 17:00 UTC is Sat 1 Mar 05:00 in Kamchatka (UTC+12). 7 working days: Sun 2
    # off, Mon 3 .. Fri 7 (1-5; 7 Mar short), Mon 10 (6), Tue 11 (7): 18:00 there = 06:00 UTC.
    received = datetime(2025, 2, 28, 17, tzinfo=UTC)
    due = final_answer_deadline(received, GENERAL, kam).due
    assert due == datetime(2025, 3, 11, 18, tzinfo=KAM)
    assert due == datetime(2025, 3, 11, 6, tzinfo=UTC)


# ---------------------------------------------------------------- ПОС and 59-ФЗ


def test_pos_ten_working_days_are_days_not_eighty_hours(cal: BusinessCalendar) -> None:
    # Thu 24 Apr 2025 16:00; 1-4 May and 8-11 May are off (8 May transfer, 9 May holiday):
    # 25 (1), 28 (2), 29 (3), 30 (4), 5 (5), 6 (6), 7 (7), 12 (8), 13 (9), 14 (10) -> the end
    # of Wed 14 May. 80 working hours would end earlier: 24 Apr 2 h, 25-29 Apr 26, 30 Apr 33,
    # 5-7 May 57, 12-13 May 73, then 7 h of 14 May -> 17:00.
    deadline = first_answer_deadline(msk(2025, 4, 24, 16), POS, cal)
    assert deadline.due == msk(2025, 5, 14, 18)
    hours = SlaRule(first_answer_working_hours=80, first_answer_calendar_hours=None)
    assert first_answer_deadline(msk(2025, 4, 24, 16), hours, cal).due == msk(2025, 5, 14, 17)


def test_59fz_thirty_calendar_days_move_off_a_day_off(cal: BusinessCalendar) -> None:
    # Thu 3 Apr 2025 10:00 + 30 days = Sat 3 May (off); Sun 4 off; Mon 5 May: its end 18:00.
    deadline = first_answer_deadline(msk(2025, 4, 3, 10), APPEAL, cal)
    assert deadline.due == msk(2025, 5, 5, 18)
    # wall clock: 32 d 8 h = 776 h; 75 % = 582 h = 24 d 6 h after 3 Apr 10:00 -> 27 Apr 16:00
    assert deadline.warn_at == msk(2025, 4, 27, 16)


def test_59fz_landing_on_new_year_moves_to_12_january(cal: BusinessCalendar) -> None:
    # Tue 2 Dec 2025 + 30 days = Thu 1 Jan 2026 (holiday); 2-9 Jan off, 10-11 weekend -> 12 Jan
    assert first_answer_deadline(msk(2025, 12, 2, 23), APPEAL, cal).due == msk(2026, 1, 12, 18)


def test_59fz_cap_on_the_final_answer_counts_the_same_way(cal: BusinessCalendar) -> None:
    # received 3 Apr 2025: cap at the end of 5 May (as above); interim 28 Apr 10:00 + 7 working
    # days: 29 (1), 30 (2), 5 (3), 6 (4), 7 (5), 12 (6), 13 (7) -> 13 May; the cap wins.
    rule = APPEAL
    interim = msk(2025, 4, 28, 10)
    assert final_answer_deadline(interim, rule, cal).due == msk(2025, 5, 13, 18)
    capped = final_answer_deadline(interim, rule, cal, received_at=msk(2025, 4, 3, 10))
    assert capped.due == msk(2025, 5, 5, 18)


# ---------------------------------------------------------------- years without transfers


def test_2028_holiday_start_without_transfers_in_the_package(cal: BusinessCalendar) -> None:
    # Fri 7 Jan 2028 (holiday): Sat 8 holiday, Sun 9, Mon 10 Jan is the first working day.
    assert moderation_deadline(msk(2028, 1, 7, 12), GENERAL, cal).due == msk(2028, 1, 10, 18)


def test_2028_seven_working_days_over_the_may_holidays(cal: BusinessCalendar) -> None:
    # Fri 28 Apr 2028 10:00: Sat 29, Sun 30, Mon 1 May (holiday) off; Tue 2 (1), 3 (2), 4 (3),
    # 5 (4), Mon 8 (5, short before 9 May), Tue 9 holiday, Wed 10 (6), Thu 11 (7) -> 11 May end
    assert final_answer_deadline(msk(2028, 4, 28, 10), GENERAL, cal).due == msk(2028, 5, 11, 18)


def test_2028_calendar_days_landing_on_12_june(cal: BusinessCalendar) -> None:
    # Sat 13 May 2028 + 30 days = Mon 12 Jun (holiday) -> Tue 13 Jun, its end
    assert first_answer_deadline(msk(2028, 5, 13, 9), APPEAL, cal).due == msk(2028, 6, 13, 18)


def test_2028_working_hours_skip_the_12_june_holiday(cal: BusinessCalendar) -> None:
    # Fri 9 Jun 2028 15:00 (not short: 10 Jun is no holiday), 8 working hours without a cap:
    # 15:00-18:00 = 3 h; Mon 12 Jun holiday; Tue 13 Jun 09-13 = 4 h, 14-15 = 1 h -> 15:00
    assert first_answer_deadline(msk(2028, 6, 9, 15), NO_CAP, cal).due == msk(2028, 6, 13, 15)


# ---------------------------------------------------------------- the calendar primitives


def test_nth_working_day_after_and_end_of_day(cal: BusinessCalendar) -> None:
    assert cal.nth_working_day_after(date(2025, 12, 30), 1) == date(2026, 1, 12)
    assert cal.nth_working_day_after(date(2025, 12, 30), 2) == date(2026, 1, 13)
    assert cal.end_of_working_day(date(2025, 4, 30)) == msk(2025, 4, 30, 17)  # short
    with pytest.raises(ValueError, match="not a working day"):
        cal.end_of_working_day(date(2025, 5, 1))
    with pytest.raises(ValueError, match="at least 1"):
        cal.nth_working_day_after(date(2025, 5, 1), 0)
    with pytest.raises(ValueError, match="at least 1"):
        cal.calendar_days_limit(msk(2025, 5, 1), 0)
    # one calendar day after Thu 6 Mar is Fri 7 Mar, shortened: 17:00
    assert cal.calendar_days_limit(msk(2025, 3, 6, 23, 59), 1) == msk(2025, 3, 7, 17)


def test_warning_of_a_day_limit_never_precedes_the_start(cal: BusinessCalendar) -> None:
    start = msk(2025, 3, 7, 23)
    deadline = moderation_deadline(start, GENERAL, cal)
    assert start < deadline.warn_at < deadline.due
    assert deadline.due - deadline.warn_at == timedelta(hours=2)  # 75 % of Mon 10 Mar's 8 h
