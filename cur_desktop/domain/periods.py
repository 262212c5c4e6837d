"""Statistics periods in a region's own calendar: day, week, month, quarter, year.

A :class:`LocalPeriod` is a period of the region's local calendar (its IANA time zone): it
starts and ends at local midnight, and :meth:`LocalPeriod.utc_bounds` gives the half-open
interval ``[start, end)`` of UTC instants it covers. An incident received on 1 March at 05:00
in Камчатка (UTC+12) belongs to March there, although it is still February in Moscow and in
UTC. The SQL statistics (:mod:`cur_desktop.storage.stats`) and the domain metrics (through
:func:`in_period`) take their bounds from the same object, and federal tables build one
period per region, each in that region's own time zone.

Weeks start on Monday (ISO 8601, as Russian calendars do); quarters start in January, April,
July and October.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cur_desktop.domain.calendar import require_aware

__all__ = ["LocalPeriod", "PeriodKind", "in_period"]

logger = logging.getLogger(__name__)

_MONTHS_RU = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


class PeriodKind(StrEnum):
    """The length of a statistics period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _first_day(kind: PeriodKind, day: date) -> date:
    """The first day of the period of ``kind`` that contains ``day``."""
    if kind is PeriodKind.DAY:
        return day
    if kind is PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    if kind is PeriodKind.QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone: {timezone!r}") from exc


@dataclass(frozen=True, slots=True)
class LocalPeriod:
    """A period of ``kind`` starting on local date ``start_date`` in time zone ``timezone``.

    ``start_date`` must be the first day of such a period (a Monday for a week, the 1st for a
    month, 1 Jan/Apr/Jul/Oct for a quarter, 1 January for a year); otherwise ``ValueError``.
    """

    timezone: str
    kind: PeriodKind
    start_date: date

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if isinstance(self.start_date, datetime):
            raise TypeError("start_date is a date, not a datetime")
        if _first_day(self.kind, self.start_date) != self.start_date:
            raise ValueError(
                f"{self.start_date.isoformat()} does not start a {self.kind.value} "
                f"(the {self.kind.value} containing it starts "
                f"{_first_day(self.kind, self.start_date).isoformat()})"
            )

    @classmethod
    def containing(cls, timezone: str, kind: PeriodKind, instant: datetime) -> LocalPeriod:
        """The period of ``kind`` that holds ``instant`` in the local calendar of ``timezone``."""
        require_aware(instant, "instant")
        local_day = instant.astimezone(_zone(timezone)).date()
        return cls(timezone, kind, _first_day(kind, local_day))

    @property
    def end_date(self) -> date:
        """The first local date after the period (exclusive end)."""
        if self.kind is PeriodKind.DAY:
            return self.start_date + timedelta(days=1)
        if self.kind is PeriodKind.WEEK:
            return self.start_date + timedelta(days=7)
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
        return _add_months(self.start_date, months)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: the local midnights that open and close the period."""
        tz = _zone(self.timezone)

        def midnight(day: date) -> datetime:
            return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)

        return midnight(self.start_date), midnight(self.end_date)

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in the period (start included, end excluded)."""
        require_aware(instant, "instant")
        start, end = self.utc_bounds()
        return start <= instant < end

    def previous(self) -> LocalPeriod:
        """The period of the same kind just before this one."""
        return LocalPeriod(
            self.timezone, self.kind, _first_day(self.kind, self.start_date - timedelta(days=1))
        )

    def following(self) -> LocalPeriod:
        """The period of the same kind just after this one."""
        return LocalPeriod(self.timezone, self.kind, self.end_date)

    def in_zone(self, timezone: str) -> LocalPeriod:
        """The same calendar period (same kind and start date) in another region's zone."""
        return LocalPeriod(timezone, self.kind, self.start_date)

    @property
    def title(self) -> str:
        """A Russian label: «10.03.2026», «неделя с 09.03.2026», «март 2026», «I кв. 2026»."""
        start = self.start_date
        if self.kind is PeriodKind.DAY:
            return start.strftime("%d.%m.%Y")
        if self.kind is PeriodKind.WEEK:
            return f"неделя с {start.strftime('%d.%m.%Y')}"
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTHS_RU[start.month - 1]} {start.year}"
        if self.kind is PeriodKind.QUARTER:
            return f"{('I', 'II', 'III', 'IV')[(start.month - 1) // 3]} кв. {start.year}"
        return f"{start.year} год"


_T = TypeVar("_T")


def in_period(
    items: Iterable[_T], period: LocalPeriod, received_at: Callable[[_T], datetime]
) -> list[_T]:
    """The items whose ``received_at(item)`` lies in ``period`` (the metrics' "registered in")."""
    start, end = period.utc_bounds()
    return [item for item in items if start <= received_at(item) < end]
