"""Headline figures and their changes as shown: the seed cases, counted by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.services.definitions import FIGURES, Unit
from cur_desktop.services.supervision import cards_of, format_change, format_value, parse_period
from cur_desktop.storage.stats import PeriodStats

NAO_POPULATION = 41_400  # resources/reference/regions.csv, RU-NEN


def _stats(registered: int, mean: timedelta | None, share: float | None = None) -> PeriodStats:
    return PeriodStats(
        registered=registered,
        rejected=0,
        answered=registered,
        mean_first_answer_time=mean,
        median_first_answer_time=mean,
        processing_share=share,
        overdue_share=None,
        interim_only_share=None,
        rework_share=None,
        reopened_share=None,
        mean_rating=None,
    )


def test_seed_march_against_february_is_minus_38_minutes_and_nao_per_thousand() -> None:
    # March 3:02:30 shows as 3 ч 03 мин, February 3:41:29 as 3 ч 41 мин: −38 мин (raw: −38:59)
    # НАО (41 400 residents): 460 incidents → 11,1 per 1 000 (Feb), 567 → 13,7 (Mar)
    march = _stats(567, timedelta(hours=3, minutes=2, seconds=30), 99.96)
    february = _stats(460, timedelta(hours=3, minutes=41, seconds=29), 98.04)
    cards = {c.figure.key: c for c in cards_of(march, february, NAO_POPULATION)}
    mean = cards["mean_first_answer"]
    assert (mean.text, mean.previous_text, mean.change_text) == (
        "3 ч 03 мин",
        "3 ч 41 мин",
        "\u221238 мин",
    )
    assert mean.change == timedelta(minutes=-38)
    assert mean.improved is True
    per = cards["per_thousand"]
    assert (per.previous_text, per.text, per.change_text) == ("11,1", "13,7", "+2,6")
    share = cards["processing_share"]
    # 100,0 % (99.96 rounds up) against 98,0 %: +2,0 п. п.
    assert (share.text, share.previous_text, share.change_text) == (
        "100,0 %",
        "98,0 %",
        "+2,0 п. п.",
    )
    assert cards["registered"].change_text == "+107"
    assert cards["overdue_share"].text == "—"
    assert [c.figure.key for c in cards_of(march, february, None)] == [f.key for f in FIGURES]
    assert cards_of(march, february, None)[6].text.startswith("нет данных")


def test_formats() -> None:
    assert format_value(Unit.COUNT, 12345) == "12\u00a0345"
    assert format_change(Unit.DURATION, timedelta(hours=2, minutes=56)) == "+2 ч 56 мин"
    assert format_change(Unit.DURATION, timedelta(0)) == "0 мин"
    assert format_change(Unit.PERCENT, -0.5) == "\u22120,5 п. п."


@pytest.mark.parametrize(
    ("text", "kind", "start"),
    [
        ("2026-03", PeriodKind.MONTH, date(2026, 3, 1)),
        ("2026-q2", PeriodKind.QUARTER, date(2026, 4, 1)),
        ("2026", PeriodKind.YEAR, date(2026, 1, 1)),
        ("2026-W11", PeriodKind.WEEK, date(2026, 3, 9)),
        ("2026-03-10", PeriodKind.DAY, date(2026, 3, 10)),
    ],
)
def test_parse_period(text: str, kind: PeriodKind, start: date) -> None:
    assert parse_period(text, "Asia/Kamchatka") == LocalPeriod("Asia/Kamchatka", kind, start)


@pytest.mark.parametrize("text", ["март", "2026-13", "2026-Q5", ""])
def test_parse_period_refuses_in_russian(text: str) -> None:
    with pytest.raises(ValueError, match="Не понимаю период"):
        parse_period(text, "Europe/Moscow")
