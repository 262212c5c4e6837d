"""Metrics on data sets built to reproduce the seed's published figures, and their edge cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.enums import Status
from cur_desktop.domain.metrics import (
    NO_POPULATION,
    IncidentFacts,
    NotAvailable,
    RankedItem,
    change,
    format_hmm,
    format_per_thousand,
    incidents_per_thousand,
    interim_only_share,
    mean_first_answer_time,
    mean_first_answer_working_time,
    mean_rating,
    median_first_answer_time,
    median_first_answer_working_time,
    overdue_share,
    processing_share,
    rank,
    reopened_share,
    rework_share,
    round_to_minute,
)

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def msk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=MSK)


def answered(
    received: datetime,
    after: timedelta,
    status: Status = Status.CLOSED,
    *,
    has_interim: bool = False,
    has_final: bool = False,
    was_reworked: bool = False,
    was_reopened: bool = False,
    rating: int | None = None,
) -> IncidentFacts:
    return IncidentFacts(
        received_at=received,
        status=status,
        first_answer_at=received + after,
        has_interim=has_interim,
        has_final=has_final,
        was_reworked=was_reworked,
        was_reopened=was_reopened,
        rating=rating,
    )


def month(year: int, mon: int, durations: list[timedelta]) -> list[IncidentFacts]:
    return [answered(msk(year, mon, 3 + i, 10), d) for i, d in enumerate(durations)]


FEBRUARY = month(2025, 2, [1 * H, 3 * H + 41 * M, 6 * H + 22 * M])
MARCH = month(2025, 3, [2 * H, 3 * H + 3 * M, 4 * H + 6 * M])


def test_seed_national_average_fell_by_38_minutes() -> None:
    feb = mean_first_answer_time(FEBRUARY)
    mar = mean_first_answer_time(MARCH)
    assert feb == 3 * H + 41 * M
    assert mar == 3 * H + 3 * M
    assert format_hmm(mar) == "3 ч 03 мин"
    assert format_hmm(feb) == "3 ч 41 мин"
    delta = change(mar, feb)
    assert delta == -38 * M
    assert format_hmm(delta) == "−38 мин"


def test_rejected_and_unanswered_do_not_enter_the_mean() -> None:
    extra = [
        IncidentFacts(received_at=msk(2025, 3, 20, 10), status=Status.MODERATION),
        answered(msk(2025, 3, 21, 10), 50 * H, status=Status.REJECTED),
    ]
    assert mean_first_answer_time(MARCH + extra) == 3 * H + 3 * M
    assert mean_first_answer_time(extra[:1]) is None
    assert mean_first_answer_time([]) is None


def test_medians_odd_and_even() -> None:
    assert median_first_answer_time(MARCH) == 3 * H + 3 * M
    even = month(2025, 3, [1 * H, 2 * H, 4 * H, 10 * H])
    assert median_first_answer_time(even) == 3 * H  # mean of 2 h and 4 h
    assert mean_first_answer_time(even) == 4 * H + 15 * M
    odd_us = month(2025, 3, [timedelta(microseconds=1), timedelta(microseconds=2)])
    assert median_first_answer_time(odd_us) == timedelta(microseconds=2)  # 1.5 rounds half up
    assert median_first_answer_time([]) is None


def test_working_time_variants() -> None:
    cal = BusinessCalendar("Europe/Moscow")
    facts = [
        # Friday 17:00 -> Monday 10:00: 65 wall hours, 2 working hours
        answered(msk(2025, 3, 14, 17), timedelta(days=2, hours=17)),
        # Tuesday 12:00 -> 15:00: 3 wall hours, 2 working hours (lunch)
        answered(msk(2025, 3, 4, 12), 3 * H),
        # Tuesday 09:00 -> 10:00
        answered(msk(2025, 3, 4, 9), H),
    ]
    assert mean_first_answer_working_time(facts, cal) == timedelta(hours=5 / 3)
    assert median_first_answer_working_time(facts, cal) == 2 * H
    assert mean_first_answer_time(facts) == 23 * H  # (65 + 3 + 1) / 3
    assert mean_first_answer_working_time([], cal) is None


def test_processing_share_excludes_rejected() -> None:
    facts = [answered(msk(2025, 3, 1, 10), H) for _ in range(98)]
    facts += [IncidentFacts(received_at=msk(2025, 3, 2, 10), status=Status.SENT_TO_EXECUTOR)] * 2
    facts += [IncidentFacts(received_at=msk(2025, 3, 2, 10), status=Status.REJECTED)] * 30
    assert processing_share(facts) == 98.0
    assert processing_share(facts[:98]) == 100.0
    assert processing_share(facts[100:]) is None


def test_incidents_per_thousand_nao() -> None:
    population = 41_434  # Ненецкий АО, order of magnitude of the Rosstat estimate
    assert round(incidents_per_thousand(460, population), 1) == 11.1
    assert round(incidents_per_thousand(568, population), 1) == 13.7
    assert incidents_per_thousand(0, population) == 0.0
    with pytest.raises(ValueError, match="population"):
        incidents_per_thousand(10, 0)


def test_incidents_per_thousand_is_exact_not_just_rounded() -> None:
    # 460 000 / 41 434: 41 434 x 11.1 = 459 917.4, the rest 82.6 / 41 434 = 0.001 993 5...
    # so 11.101 993 5...; a figure off by 0.1 % (11.113) must not pass
    assert incidents_per_thousand(460, 41_434) == pytest.approx(11.1019935, abs=1e-7)
    # 3 per 2 000 residents is exactly 1.5 per 1 000
    assert incidents_per_thousand(3, 2000) == 1.5
    with pytest.raises(ValueError, match="count"):
        incidents_per_thousand(-1, 2000)
    with pytest.raises(ValueError, match="population"):
        incidents_per_thousand(1, -5)


def test_a_region_without_population_is_not_available_in_words() -> None:
    figure = incidents_per_thousand(120, None)  # no TypeError
    assert figure is NO_POPULATION
    assert isinstance(figure, NotAvailable)
    assert str(figure) == "нет данных (численность населения региона неизвестна)"
    assert format_per_thousand(figure) == str(figure)
    assert format_per_thousand(13.74) == "13,7"
    assert format_per_thousand(13.75) == "13,8"  # half up, as shown
    assert format_per_thousand(incidents_per_thousand(460, 41_434)) == "11,1"


def test_overdue_share() -> None:
    due = msk(2025, 3, 4, 18)
    received = msk(2025, 3, 4, 9)
    facts = [
        IncidentFacts(
            received, Status.CLOSED, first_answer_at=msk(2025, 3, 4, 17), first_answer_due=due
        ),
        IncidentFacts(
            received, Status.CLOSED, first_answer_at=msk(2025, 3, 4, 19), first_answer_due=due
        ),
        IncidentFacts(received, Status.SENT_TO_EXECUTOR, first_answer_due=due),
        IncidentFacts(received, Status.SENT_TO_EXECUTOR, first_answer_due=msk(2025, 3, 6, 18)),
        IncidentFacts(received, Status.REJECTED, first_answer_due=due),
        IncidentFacts(received, Status.NEW),  # no due: not counted
    ]
    # at Wednesday noon: one late answer and one unanswered past due, of four
    assert overdue_share(facts, msk(2025, 3, 5, 12)) == 50.0
    # before the due instant only the answer given after it counts as overdue
    assert overdue_share(facts, msk(2025, 3, 4, 12)) == 25.0
    assert overdue_share(facts[4:], msk(2025, 3, 5, 12)) is None


def test_interim_rework_reopened_rating_shares() -> None:
    r = msk(2025, 3, 4, 9)
    facts = [
        answered(r, H, status=Status.ON_CONTROL, has_interim=True),
        answered(r, H, status=Status.CLOSED, has_interim=True, has_final=True, rating=5),
        answered(r, H, status=Status.CLOSED, has_final=True, was_reworked=True, rating=2),
        answered(r, H, status=Status.REOPENED, has_final=True, was_reopened=True, rating=1),
        IncidentFacts(r, Status.REWORK, was_reworked=True),
        IncidentFacts(r, Status.REJECTED, was_reworked=True, rating=5),
    ]
    assert interim_only_share(facts) == 25.0  # 1 of 4 answered
    assert rework_share(facts) == 40.0  # 2 of 5 non-rejected
    assert reopened_share(facts) == 20.0
    assert mean_rating(facts) == pytest.approx(8 / 3)
    assert mean_rating(facts[:1]) is None
    assert interim_only_share([]) is None


def test_rating_range_and_aware_datetimes_are_checked() -> None:
    with pytest.raises(ValueError, match="rating"):
        IncidentFacts(msk(2025, 3, 4, 9), Status.CLOSED, rating=6)
    with pytest.raises(ValueError, match="timezone-aware"):
        IncidentFacts(datetime(2025, 3, 4, 9), Status.CLOSED)  # naive on purpose


def test_change_is_computed_from_the_figures_as_shown() -> None:
    march = 3 * H + 2 * M + timedelta(seconds=30)  # shown «3 ч 03 мин»
    february = 3 * H + 41 * M + timedelta(seconds=29)  # shown «3 ч 41 мин»
    assert format_hmm(march) == "3 ч 03 мин"
    assert format_hmm(february) == "3 ч 41 мин"
    delta = change(march, february)
    assert delta == -38 * M  # the raw means differ by 38 min 59 s, shown as −39: not used
    assert format_hmm(delta) == "−38 мин"
    assert change(february, march) == 38 * M


@pytest.mark.parametrize(
    ("td", "minutes"),
    [
        (timedelta(seconds=29, microseconds=999_999), 0),
        (timedelta(seconds=30), 1),
        (timedelta(seconds=89, microseconds=999_999), 1),
        (timedelta(seconds=90), 2),
        (-timedelta(seconds=30), -1),
        (-timedelta(seconds=29), 0),
        (-timedelta(minutes=38, seconds=59), -39),
    ],
)
def test_round_to_minute_half_away_from_zero(td: timedelta, minutes: int) -> None:
    assert round_to_minute(td) == timedelta(minutes=minutes)


def test_change_of_numbers_uses_the_shown_decimals() -> None:
    # 13.75 shows as 13.8 (half up), 11.14 as 11.1: the change shown is 2.7
    assert change(13.75, 11.14) == 2.7
    # 0.25 shows as 0.3 with one decimal (not the banker's 0.2)
    assert change(0.25, 0.0) == 0.3
    assert change(99.44, 98.46, digits=0) == 1.0  # 99 − 98
    assert change(-0.25, 0.0) == -0.3
    with pytest.raises(TypeError):
        change(3 * H, 1.0)  # type: ignore[type-var]


def test_change_with_missing_values() -> None:
    assert change(None, 3 * H) is None
    assert change(3 * H, None) is None
    assert change(13.7, 11.1) == pytest.approx(2.6)
    assert change(98.0, 99.0) == -1.0


def test_rank_ties_share_a_place() -> None:
    ranked = rank({"RU-TUL": 1.0, "RU-SAM": 2.0, "RU-NGR": 2.0, "RU-TAM": 3.0})
    assert ranked == [
        RankedItem("RU-TUL", 1.0, 1),
        RankedItem("RU-NGR", 2.0, 2),
        RankedItem("RU-SAM", 2.0, 2),
        RankedItem("RU-TAM", 3.0, 4),
    ]
    shares = rank({"KB": 100.0, "KC": 100.0, "DA": 100.0, "AST": 99.0}, ascending=False)
    assert [(i.key, i.place) for i in shares] == [("DA", 1), ("KB", 1), ("KC", 1), ("AST", 4)]
    assert rank({}) == []


def test_rank_by_change_of_response_time() -> None:
    """The seed ranks regions by the change: the biggest fall first."""
    changes = {
        "Тульская": -(2 * H + 56 * M),
        "Самарская": -(2 * H + 17 * M),
        "Новгородская": -(2 * H + 16 * M),
        "Воронежская": 20 * M,
    }
    ranked = rank(changes)
    assert [i.key for i in ranked] == ["Тульская", "Самарская", "Новгородская", "Воронежская"]
    assert format_hmm(ranked[0].value) == "−2 ч 56 мин"
    assert ranked[-1].place == 4


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(0), "0 мин"),
        (timedelta(seconds=29), "0 мин"),
        (timedelta(seconds=30), "1 мин"),
        (timedelta(minutes=59, seconds=31), "1 ч 00 мин"),
        (14 * H + 5 * M, "14 ч 05 мин"),
        (27 * H + 10 * M, "27 ч 10 мин"),
        (-(1 * H + 2 * M), "−1 ч 02 мин"),
        (-timedelta(seconds=20), "0 мин"),
    ],
)
def test_format_hmm(td: timedelta, text: str) -> None:
    assert format_hmm(td) == text


def test_per_thousand_of_the_smallest_population() -> None:
    assert incidents_per_thousand(2, 1) == 2000.0  # one resident is a valid population
    assert incidents_per_thousand(0, 1) == 0.0


def test_facts_and_not_available_are_values() -> None:
    fact = IncidentFacts(received_at=msk(2025, 3, 4, 9), status=Status.NEW)
    assert len({fact, IncidentFacts(received_at=msk(2025, 3, 4, 9), status=Status.NEW)}) == 1
    with pytest.raises(AttributeError):
        fact.status = Status.CLOSED  # type: ignore[misc]
    assert {NO_POPULATION: "н/д"}[NotAvailable("численность населения региона неизвестна")]
    with pytest.raises(AttributeError):
        NO_POPULATION.reason = "другое"  # type: ignore[misc]


def test_ranked_items_are_values() -> None:
    item = RankedItem("RU-TUL", 1.0, 1)
    assert len({item, RankedItem("RU-TUL", 1.0, 1)}) == 1
    with pytest.raises(AttributeError):
        item.place = 2  # type: ignore[misc]
