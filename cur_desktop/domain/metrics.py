"""Performance metrics of a region (or municipality, executor): pure functions over facts.

Each function takes :class:`IncidentFacts` already filtered by the caller to "registered in the
period" (and to the region, topic ... wanted). The storage layer computes the same figures in
SQL; a test holds both equal, so the definitions below are the contract (also written down in
docs/DOMAIN_RULES.md, "Metrics"):

* ``rejected`` incidents need no answer and are left out of every metric here (volumes such as
  :func:`incidents_per_thousand` take a plain count from the caller);
* "answered" means ``first_answer_at is not None`` (the first public answer: a solution or an
  interim "taken into work");
* shares are percentages (0..100) as floats, ``None`` when the denominator is zero;
* mean and median durations are exact in microseconds, rounded half up to a microsecond; the
  median of an even count is the mean of the two middle values;
* a change (:func:`change`) is computed from the figures as shown: durations rounded to the
  minute (as :func:`format_hmm` shows them), numbers rounded to the shown decimals, so
  3 ч 03 мин against 3 ч 41 мин is −38 мин everywhere, whatever the seconds behind them;
* a figure that cannot be computed for a region (no population for the per-1,000 figure) is a
  :class:`NotAvailable` with the reason in words, never an exception deep in a report;
* "registered in the period" is the region's local period (:func:`facts_in_period`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from cur_desktop.domain.calendar import BusinessCalendar, require_aware
from cur_desktop.domain.enums import Status
from cur_desktop.domain.periods import LocalPeriod, in_period

__all__ = [
    "NO_POPULATION",
    "IncidentFacts",
    "NotAvailable",
    "RankedItem",
    "change",
    "facts_in_period",
    "format_hmm",
    "format_per_thousand",
    "incidents_per_thousand",
    "interim_only_share",
    "mean_first_answer_time",
    "mean_first_answer_working_time",
    "mean_rating",
    "median_first_answer_time",
    "median_first_answer_working_time",
    "overdue_share",
    "processing_share",
    "rank",
    "reopened_share",
    "rework_share",
    "round_to_minute",
]

logger = logging.getLogger(__name__)

MINUS_SIGN = "\u2212"


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the metrics need to know about one incident."""

    received_at: datetime
    status: Status
    first_answer_at: datetime | None = None
    first_answer_due: datetime | None = None
    has_interim: bool = False  # an interim answer was published
    has_final: bool = False  # a final (or solution) answer was published
    was_reworked: bool = False
    was_reopened: bool = False
    rating: int | None = None  # ПОС rating 1..5

    def __post_init__(self) -> None:
        require_aware(self.received_at, "received_at")
        if self.first_answer_at is not None:
            require_aware(self.first_answer_at, "first_answer_at")
        if self.first_answer_due is not None:
            require_aware(self.first_answer_due, "first_answer_due")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"rating must lie in 1..5, got {self.rating}")

    @property
    def counts(self) -> bool:
        """Whether the incident enters the metrics (it is not rejected)."""
        return self.status is not Status.REJECTED

    @property
    def is_answered(self) -> bool:
        """Whether a first public answer is out."""
        return self.first_answer_at is not None


def _us(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def _mean_us(values: list[int]) -> timedelta:
    """Mean rounded half up (towards +inf) to a microsecond."""
    n = len(values)
    return timedelta(microseconds=(2 * sum(values) + n) // (2 * n))


def _median_us(values: list[int]) -> timedelta:
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    if n % 2:
        return timedelta(microseconds=ordered[middle])
    return _mean_us([ordered[middle - 1], ordered[middle]])


def _first_answer_durations(
    facts: Iterable[IncidentFacts],
    measure: Callable[[datetime, datetime], timedelta],
) -> list[int]:
    return [
        _us(measure(f.received_at, f.first_answer_at))
        for f in facts
        if f.counts and f.first_answer_at is not None
    ]


def _wall(a: datetime, b: datetime) -> timedelta:
    return b - a


def mean_first_answer_time(facts: Iterable[IncidentFacts]) -> timedelta | None:
    """Mean of ``first_answer_at - received_at`` over answered, non-rejected incidents."""
    values = _first_answer_durations(facts, _wall)
    return _mean_us(values) if values else None


def median_first_answer_time(facts: Iterable[IncidentFacts]) -> timedelta | None:
    """Median of ``first_answer_at - received_at`` over answered, non-rejected incidents."""
    values = _first_answer_durations(facts, _wall)
    return _median_us(values) if values else None


def mean_first_answer_working_time(
    facts: Iterable[IncidentFacts], calendar: BusinessCalendar
) -> timedelta | None:
    """Like :func:`mean_first_answer_time`, counting only the region's working time."""
    values = _first_answer_durations(facts, calendar.working_time_between)
    return _mean_us(values) if values else None


def median_first_answer_working_time(
    facts: Iterable[IncidentFacts], calendar: BusinessCalendar
) -> timedelta | None:
    """Like :func:`median_first_answer_time`, counting only the region's working time."""
    values = _first_answer_durations(facts, calendar.working_time_between)
    return _median_us(values) if values else None


def _share(numerator: int, denominator: int) -> float | None:
    return 100.0 * numerator / denominator if denominator else None


def processing_share(facts: Iterable[IncidentFacts]) -> float | None:
    """Доля обработки, %: answered ÷ registered, rejected excluded from both."""
    counted = [f for f in facts if f.counts]
    return _share(sum(f.is_answered for f in counted), len(counted))


@dataclass(frozen=True, slots=True)
class NotAvailable:
    """A figure that cannot be computed; ``reason`` says why, in Russian, for the screen."""

    reason: str

    def __str__(self) -> str:
        return f"нет данных ({self.reason})"


NO_POPULATION = NotAvailable("численность населения региона неизвестна")
"""The per-1,000 figure of a region without a population estimate."""


def incidents_per_thousand(count: int, population: int | None) -> float | NotAvailable:
    """Incidents per 1,000 residents: ``count / population * 1000`` (not rounded).

    :data:`NO_POPULATION` when ``population`` is ``None`` (Rosstat publishes no estimate for
    some subjects); a population of zero or less, or a negative count, is a ``ValueError``.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    if population is None:
        return NO_POPULATION
    if population <= 0:
        raise ValueError(f"population must be positive, got {population}")
    return count * 1000 / population


def format_per_thousand(value: float | NotAvailable) -> str:
    """A per-1,000 figure as shown: one decimal with a comma («11,1»), or «нет данных (...)»."""
    if isinstance(value, NotAvailable):
        return str(value)
    return f"{_shown(value, 1):.1f}".replace(".", ",")


def facts_in_period(facts: Iterable[IncidentFacts], period: LocalPeriod) -> list[IncidentFacts]:
    """The incidents registered in ``period`` (the region's local day, week, month ...)."""
    return in_period(facts, period, lambda fact: fact.received_at)


def _is_overdue(fact: IncidentFacts, now: datetime) -> bool:
    due = fact.first_answer_due
    if due is None:
        return False
    if fact.first_answer_at is not None:
        return fact.first_answer_at > due
    return now > due


def overdue_share(facts: Iterable[IncidentFacts], now: datetime) -> float | None:
    """Overdue first answers, %, over non-rejected incidents that have a ``first_answer_due``.

    Overdue: answered after the due instant, or not answered and ``now`` is after it.
    """
    require_aware(now, "now")
    counted = [f for f in facts if f.counts and f.first_answer_due is not None]
    return _share(sum(_is_overdue(f, now) for f in counted), len(counted))


def interim_only_share(facts: Iterable[IncidentFacts]) -> float | None:
    """%, of answered non-rejected incidents: an interim answer out, no final one yet."""
    answered = [f for f in facts if f.counts and f.is_answered]
    return _share(sum(f.has_interim and not f.has_final for f in answered), len(answered))


def rework_share(facts: Iterable[IncidentFacts]) -> float | None:
    """%, of non-rejected incidents: an answer was returned to the executor at least once."""
    counted = [f for f in facts if f.counts]
    return _share(sum(f.was_reworked for f in counted), len(counted))


def reopened_share(facts: Iterable[IncidentFacts]) -> float | None:
    """%, of non-rejected incidents: reopened at least once."""
    counted = [f for f in facts if f.counts]
    return _share(sum(f.was_reopened for f in counted), len(counted))


def mean_rating(facts: Iterable[IncidentFacts]) -> float | None:
    """Mean ПОС rating over non-rejected incidents that have one."""
    ratings = [f.rating for f in facts if f.counts and f.rating is not None]
    return sum(ratings) / len(ratings) if ratings else None


V = TypeVar("V", float, timedelta)

_US_PER_MINUTE = 60_000_000


def round_to_minute(value: timedelta) -> timedelta:
    """``value`` rounded to the nearest minute, halves away from zero (as :func:`format_hmm`)."""
    us = _us(value)
    minutes = (abs(us) + _US_PER_MINUTE // 2) // _US_PER_MINUTE
    return timedelta(minutes=minutes if us >= 0 else -minutes)


def _shown(value: float, digits: int) -> float:
    """``value`` rounded half away from zero to ``digits`` decimals (its decimal text)."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def change(current: V | None, previous: V | None, *, digits: int = 1) -> V | None:
    """The change between two figures as shown (negative = decrease); ``None`` if one is missing.

    Durations are first rounded to the minute (:func:`round_to_minute`), numbers to ``digits``
    decimals (percentages and per-1,000 figures are shown with one): 3:02:30 and 3:41:29
    show as «3 ч 03 мин» and «3 ч 41 мин», so the change is −38 min, not the −38:59 of the
    raw means that would show as −39.
    """
    if current is None or previous is None:
        return None
    if isinstance(current, timedelta) and isinstance(previous, timedelta):
        return round_to_minute(current) - round_to_minute(previous)
    if isinstance(current, timedelta) or isinstance(previous, timedelta):
        raise TypeError("change takes two durations or two numbers")
    quantum = Decimal(1).scaleb(-digits)
    shown = Decimal(repr(_shown(current, digits))) - Decimal(repr(_shown(previous, digits)))
    return float(shown.quantize(quantum))


@dataclass(frozen=True, slots=True)
class RankedItem(Generic[V]):
    """One ranked entry; equal values share a place ("1224" competition ranking)."""

    key: str
    value: V
    place: int


def rank(values: Mapping[str, V], *, ascending: bool = True) -> list[RankedItem[V]]:
    """Order ``values`` (smallest first unless ``ascending=False``) and give places.

    Ties share the best place and the next place skips ("1224"); tied keys are listed in
    key order so the result is deterministic.
    """
    items = sorted(values.items(), key=lambda kv: kv[0])
    items.sort(key=lambda kv: kv[1], reverse=not ascending)
    result: list[RankedItem[V]] = []
    for index, (key, value) in enumerate(items):
        tied = bool(result) and result[-1].value == value
        place = result[-1].place if tied else index + 1
        result.append(RankedItem(key=key, value=value, place=place))
    return result


def format_hmm(td: timedelta) -> str:
    """A duration as hours and minutes, rounded to the nearest minute (half up).

    ``"3 ч 03 мин"``; under an hour ``"38 мин"``; negative with a minus sign ``"−38 мин"``;
    hours are not folded into days (``"27 ч 10 мин"``).
    """
    us = _us(td)
    sign = MINUS_SIGN if us < 0 else ""
    minutes = abs(_us(round_to_minute(td))) // _US_PER_MINUTE
    if minutes == 0:
        return "0 мин"
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{sign}{rest} мин"
    return f"{sign}{hours} ч {rest:02d} мин"
