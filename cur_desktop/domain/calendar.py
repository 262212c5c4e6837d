"""Business calendar of a region: working hours, the Russian production calendar, working time.

A :class:`BusinessCalendar` answers "is this a working day", "when does this much working time
run out" and "how much working time lies between two instants" for one region: its IANA time
zone, its :class:`WorkingHours` and the Russian production calendar from the ``holidays``
package (public holidays, decreed transfers of days off and working Saturdays).

Rules (see docs/DOMAIN_RULES.md, "Business calendar"):

* a day is working when it is Monday..Friday or a decreed working weekend day
  (``weekend_workdays``), and it is not a holiday or a transferred day off; region-specific
  ``extra_days_off`` / ``extra_workdays`` override both;
* a pre-holiday day (Labour Code art. 95) ends ``WorkingHours.pre_holiday_shortening`` earlier
  when ``shorten_pre_holiday`` is on: a working day whose next calendar day is one of the
  art. 112 holiday dates, or a working weekend day that stands in for such a day;
* working-time intervals are closed at their end: 8 working hours from 09:00 end at 18:00 of the
  same day, not at 09:00 of the next;
* all arithmetic is done in exact integer microseconds of local wall time, stepping by days and
  by per-year cumulative sums (no per-minute loops); per-year data is cached.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "DEFAULT_WORKING_HOURS",
    "BusinessCalendar",
    "WorkingHours",
    "require_aware",
]

logger = logging.getLogger(__name__)

_US_PER_SECOND = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_SECOND

# Non-working public holidays of the Labour Code, art. 112 (since 2013): a day right before
# one of these dates is shortened by one hour (art. 95). Transferred days off are not holidays.
_ART_112_DATES: frozenset[tuple[int, int]] = frozenset(
    [(1, day) for day in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
)


def require_aware(value: datetime, name: str = "datetime") -> None:
    """Raise ``ValueError`` when ``value`` is naive (has no UTC offset)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US_PER_SECOND + (
        value.microsecond
    )


def _td_us(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * _US_PER_SECOND + value.microseconds


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Daily working hours in local time.

    Default: 09:00–18:00 with a 13:00–14:00 lunch break, i.e. 8 working hours a day (a 40-hour
    week); a shortened pre-holiday day ends ``pre_holiday_shortening`` (1 hour) earlier, at
    17:00. Lunch is optional: give both ``lunch_start`` and ``lunch_end`` or neither.
    """

    start: time = time(9, 0)
    end: time = time(18, 0)
    lunch_start: time | None = time(13, 0)
    lunch_end: time | None = time(14, 0)
    pre_holiday_shortening: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        for value in (self.start, self.end, self.lunch_start, self.lunch_end):
            if value is not None and value.tzinfo is not None:
                raise ValueError("working hours are local wall times without a time zone")
        if self.start >= self.end:
            raise ValueError(f"working day must start before it ends: {self.start}–{self.end}")
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("give both lunch_start and lunch_end, or neither")
        if (
            self.lunch_start is not None
            and self.lunch_end is not None
            and not (self.start < self.lunch_start < self.lunch_end < self.end)
        ):
            raise ValueError(
                f"lunch {self.lunch_start}–{self.lunch_end} must lie inside {self.start}–{self.end}"
            )
        if self.pre_holiday_shortening < timedelta(0):
            raise ValueError("pre_holiday_shortening must not be negative")
        if not self.intervals_us(shortened=True):
            raise ValueError("a shortened pre-holiday day would have no working time left")

    def intervals_us(self, *, shortened: bool = False) -> tuple[tuple[int, int], ...]:
        """Working intervals of one day as microseconds since local midnight, in order."""
        start = _time_us(self.start)
        end = _time_us(self.end)
        if shortened:
            end -= _td_us(self.pre_holiday_shortening)
        if self.lunch_start is None or self.lunch_end is None:
            raw = [(start, end)]
        else:
            raw = [(start, _time_us(self.lunch_start)), (_time_us(self.lunch_end), end)]
        clipped = [(a, min(b, end)) for a, b in raw]
        return tuple((a, b) for a, b in clipped if b > a)

    @property
    def daily_duration(self) -> timedelta:
        """Working time of an ordinary (not shortened) day."""
        return timedelta(microseconds=sum(b - a for a, b in self.intervals_us()))


DEFAULT_WORKING_HOURS = WorkingHours()


@dataclass(frozen=True, slots=True)
class _RuYear:
    """Production-calendar facts of one year, from the ``holidays`` package."""

    days_off: frozenset[date]  # holidays and transferred days off
    weekend_workdays: frozenset[date]  # decreed working Saturdays/Sundays
    stands_for: dict[date, date]  # working weekend day -> the weekday it swapped with


def _pairs(raw: Any) -> list[tuple[int, int, int, int]]:
    """Normalise ``special_public_holidays[year]`` (one tuple or a tuple of tuples)."""
    if not raw:
        return []
    if isinstance(raw[0], int):
        raw = (raw,)
    result: list[tuple[int, int, int, int]] = []
    for item in raw:
        if len(item) == 4 and all(isinstance(x, int) for x in item):
            result.append((item[0], item[1], item[2], item[3]))
    return result


@lru_cache(maxsize=256)
def _ru_year(year: int) -> _RuYear:
    cal = holidays.country_holidays("RU", years=year)
    days_off = frozenset(d for d in cal if d.year == year)
    workdays = frozenset(d for d in getattr(cal, "weekend_workdays", ()) if d.year == year)
    stands_for: dict[date, date] = {}
    special = getattr(cal, "special_public_holidays", None)
    if isinstance(special, dict):
        for to_m, to_d, from_m, from_d in _pairs(special.get(year)):
            source = date(year, from_m, from_d)
            if source in workdays:
                stands_for[source] = date(year, to_m, to_d)
    return _RuYear(days_off, workdays, stands_for)


@dataclass(frozen=True, slots=True)
class _Year:
    """Cached working-time layout of one local year of one calendar."""

    year: int
    first: int  # ordinal of 1 January
    days: tuple[tuple[tuple[int, int], ...], ...]  # per day of year: intervals in µs
    cum: tuple[int, ...]  # cum[i] = working µs in days[0:i]; cum[-1] = year total

    @property
    def total(self) -> int:
        return self.cum[-1]


class BusinessCalendar:
    """Working time of one region: time zone, working hours, Russian production calendar.

    Instants returned are aware datetimes in the calendar's time zone. Naive datetimes are
    refused with ``ValueError``. Instances are immutable and safe to share between threads.
    """

    __slots__ = (
        "_extra_days_off",
        "_extra_workdays",
        "_hours",
        "_lock",
        "_normal",
        "_short",
        "_shorten",
        "_timezone",
        "_tz",
        "_years",
    )

    def __init__(
        self,
        timezone: str,
        hours: WorkingHours = DEFAULT_WORKING_HOURS,
        shorten_pre_holiday: bool = True,
        *,
        extra_days_off: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        try:
            self._tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone: {timezone!r}") from exc
        self._timezone = timezone
        self._hours = hours
        self._shorten = shorten_pre_holiday
        self._extra_days_off = frozenset(extra_days_off)
        self._extra_workdays = frozenset(extra_workdays)
        if self._extra_days_off & self._extra_workdays:
            raise ValueError("a date cannot be both an extra day off and an extra workday")
        self._normal = hours.intervals_us()
        self._short = hours.intervals_us(shortened=True)
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self._timezone!r}, {self._hours!r}, "
            f"shorten_pre_holiday={self._shorten})"
        )

    @property
    def timezone(self) -> str:
        """The IANA name of the region's time zone."""
        return self._timezone

    @property
    def tzinfo(self) -> ZoneInfo:
        """The region's time zone."""
        return self._tz

    @property
    def hours(self) -> WorkingHours:
        """The region's daily working hours."""
        return self._hours

    @property
    def shorten_pre_holiday(self) -> bool:
        """Whether pre-holiday days are shortened."""
        return self._shorten

    # ------------------------------------------------------------------ days

    def _is_working(self, day: date) -> bool:
        if day in self._extra_workdays:
            return True
        if day in self._extra_days_off:
            return False
        ru = _ru_year(day.year)
        if day in ru.days_off:
            return False
        return day.weekday() < 5 or day in ru.weekend_workdays

    def _is_pre_holiday(self, day: date) -> bool:
        following = day + timedelta(days=1)
        if (following.month, following.day) in _ART_112_DATES:
            return True
        swapped = _ru_year(day.year).stands_for.get(day)
        if swapped is None:
            return False
        after_swapped = swapped + timedelta(days=1)
        return (after_swapped.month, after_swapped.day) in _ART_112_DATES

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a local date of the region) is a working day."""
        if isinstance(day, datetime):
            raise TypeError("is_working_day takes a date, not a datetime")
        return self._is_working(day)

    def is_shortened_day(self, day: date) -> bool:
        """Whether ``day`` is a working day shortened as pre-holiday under this calendar."""
        return self._shorten and self._is_working(day) and self._is_pre_holiday(day)

    def _day_intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        if not self._is_working(day):
            return ()
        if self._shorten and self._is_pre_holiday(day):
            return self._short
        return self._normal

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is not None:
                return cached
            first = date(year, 1, 1)
            count = (date(year + 1, 1, 1) - first).days
            days = tuple(self._day_intervals(first + timedelta(days=i)) for i in range(count))
            cum = [0]
            for intervals in days:
                cum.append(cum[-1] + sum(b - a for a, b in intervals))
            built = _Year(year, first.toordinal(), days, tuple(cum))
            self._years[year] = built
            logger.debug("built working-time layout of %s for %s", year, self._timezone)
            return built

    def _intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        year = self._year(day.year)
        return year.days[day.toordinal() - year.first]

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of a local date as aware ``(start, end)`` pairs, in order."""
        if isinstance(day, datetime):
            raise TypeError("working_intervals takes a date, not a datetime")
        return [(self._at(day, a), self._at(day, b)) for a, b in self._intervals(day)]

    def working_time_on(self, day: date) -> timedelta:
        """Total working time of a local date (zero on a day off)."""
        return timedelta(microseconds=sum(b - a for a, b in self._intervals(day)))

    # ------------------------------------------------------------------ instants

    def _local(self, value: datetime, name: str) -> tuple[date, int]:
        require_aware(value, name)
        local = value.astimezone(self._tz)
        return local.date(), _time_us(local.time())

    def _at(self, day: date, offset_us: int) -> datetime:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self._tz)
        return midnight + timedelta(microseconds=offset_us)

    @staticmethod
    def _worked_before(intervals: tuple[tuple[int, int], ...], offset: int) -> int:
        """Working µs of a day before local offset ``offset``."""
        total = 0
        for a, b in intervals:
            if offset <= a:
                break
            total += min(offset, b) - a
        return total

    @staticmethod
    def _position(intervals: tuple[tuple[int, int], ...], amount: int) -> int:
        """Local offset where ``amount`` (0 < amount <= day total) working µs of a day run out."""
        for a, b in intervals:
            if amount <= b - a:
                return a + amount
            amount -= b - a
        raise AssertionError("amount exceeds the day's working time")  # pragma: no cover

    def _cumulative(self, day: date) -> tuple[int, int]:
        """(year, working µs in that year before ``day``)."""
        year = self._year(day.year)
        return day.year, year.cum[day.toordinal() - year.first]

    def _span(self, first: date, last: date) -> int:
        """Working µs of whole days ``first`` (inclusive) .. ``last`` (exclusive)."""
        if last <= first:
            return 0
        y1, c1 = self._cumulative(first)
        y2, c2 = self._cumulative(last)
        if y1 == y2:
            return c2 - c1
        total = self._year(y1).total - c1
        for year in range(y1 + 1, y2):
            total += self._year(year).total
        return total + c2

    def is_working_time(self, value: datetime) -> bool:
        """Whether ``value`` lies inside a working interval (both ends included)."""
        day, offset = self._local(value, "value")
        return any(a <= offset <= b for a, b in self._intervals(day))

    def next_working_instant(self, value: datetime) -> datetime:
        """``value`` itself when it is working time, else the start of the next interval."""
        day, offset = self._local(value, "value")
        for a, b in self._intervals(day):
            if offset <= b:
                return self._at(day, max(a, offset))
        day += timedelta(days=1)
        while True:
            intervals = self._intervals(day)
            if intervals:
                return self._at(day, intervals[0][0])
            day += timedelta(days=1)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b]``; zero when ``b <= a``."""
        day_a, off_a = self._local(a, "a")
        day_b, off_b = self._local(b, "b")
        if b <= a:
            return timedelta(0)
        before_a = self._worked_before(self._intervals(day_a), off_a)
        before_b = self._worked_before(self._intervals(day_b), off_b)
        return timedelta(microseconds=self._span(day_a, day_b) + before_b - before_a)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of working time after ``start`` has passed.

        A zero duration returns ``start`` unchanged (even outside working hours); a positive one
        always lands inside working hours, at an interval's end when it runs out exactly there.
        Negative durations are refused.
        """
        day, offset = self._local(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative: {duration}")
        remaining = _td_us(duration)
        if remaining == 0:
            return start
        year = self._year(day.year)
        index = day.toordinal() - year.first
        # target: working µs from the start of the year at which the duration runs out
        target = year.cum[index] + self._worked_before(year.days[index], offset) + remaining
        while target > year.total:
            target -= year.total
            year = self._year(year.year + 1)
        # the day j with cum[j] < target <= cum[j + 1] holds the instant (and has working time)
        found = bisect.bisect_left(year.cum, target) - 1
        return self._at(
            date.fromordinal(year.first + found),
            self._position(year.days[found], target - year.cum[found]),
        )

    # ------------------------------------------------------------------ working-time axis

    def working_position(self, value: datetime) -> tuple[date, int]:
        """``value``'s place on the working-time axis: its local date and the working µs of
        that date's year before it.

        Converts ``value`` once; :meth:`after_position` and :meth:`working_between` then answer
        what :meth:`add_working_time` and :meth:`working_time_between` answer, for several
        amounts from the same instant (the deadlines of an incident), with the same arithmetic.
        """
        day, offset = self._local(value, "value")
        year = self._year(day.year)
        index = day.toordinal() - year.first
        return day, year.cum[index] + self._worked_before(year.days[index], offset)

    def after_position(self, position: tuple[date, int], amount_us: int) -> datetime:
        """The earliest instant at which ``amount_us`` (> 0) working µs after ``position`` have
        passed: :meth:`add_working_time` of a positive duration from that instant."""
        if amount_us <= 0:
            raise ValueError(f"amount must be positive: {amount_us}")
        year = self._year(position[0].year)
        target = position[1] + amount_us
        while target > year.total:
            target -= year.total
            year = self._year(year.year + 1)
        found = bisect.bisect_left(year.cum, target) - 1
        return self._at(
            date.fromordinal(year.first + found),
            self._position(year.days[found], target - year.cum[found]),
        )

    def working_between(self, a: tuple[date, int], b: tuple[date, int]) -> int:
        """Working µs from position ``a`` to the later position ``b`` (see
        :meth:`working_time_between`, whose result this is for ``a`` before ``b``)."""
        year_a, year_b = a[0].year, b[0].year
        if year_a == year_b:
            return b[1] - a[1]
        total = self._year(year_a).total - a[1]
        for year in range(year_a + 1, year_b):
            total += self._year(year).total
        return total + b[1]

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The same local time of day on the ``n``-th working day after ``start``.

        ``start`` is first moved to the next working instant (a start before hours, at lunch,
        after hours or on a day off moves to the next interval's start). The result keeps that
        local time of day on the ``n``-th following working day; if that day is shortened and
        ends earlier, the result is clamped to its end. ``n == 0`` returns the moved start.
        """
        if n < 0:
            raise ValueError(f"n must not be negative: {n}")
        moved = self.next_working_instant(start)
        day, offset = self._local(moved, "start")
        for _ in range(n):
            day += timedelta(days=1)
            while not self._intervals(day):
                day += timedelta(days=1)
        if n == 0:
            return moved
        intervals = self._intervals(day)
        end = intervals[-1][1]
        return self._at(day, min(offset, end))

    # ------------------------------------------------------------------ limits in days

    def local_date(self, value: datetime) -> date:
        """The region's local calendar date of an aware instant."""
        return self._local(value, "value")[0]

    def end_of_working_day(self, day: date) -> datetime:
        """The end of the last working interval of ``day`` (a shortened day ends earlier).

        ``ValueError`` when ``day`` is not a working day.
        """
        intervals = self._intervals(day)
        if not intervals:
            raise ValueError(f"{day.isoformat()} is not a working day")
        return self._at(day, intervals[-1][1])

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next working day."""
        while not self._intervals(day):
            day += timedelta(days=1)
        return day

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day counted from the day after ``day`` (``n >= 1``)."""
        if n < 1:
            raise ValueError(f"n must be at least 1: {n}")
        for _ in range(n):
            day = self.working_day_on_or_after(day + timedelta(days=1))
        return day

    def working_days_limit(self, event: datetime, n: int) -> datetime:
        """End of a limit of ``n`` working days after ``event`` (ГК РФ ст. 191, 193).

        Counting starts on the local day after the event, whatever its hour; the limit ends at
        the end of the ``n``-th working day (the end of its last working interval).
        """
        return self.end_of_working_day(self.nth_working_day_after(self.local_date(event), n))

    def calendar_days_limit(self, event: datetime, n: int) -> datetime:
        """End of a limit of ``n`` calendar days after ``event`` (ГК РФ ст. 191, 193).

        Counting starts on the local day after the event; the ``n``-th calendar day, moved to
        the next working day when it is a day off, ends at the end of its working hours.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1: {n}")
        last = self.local_date(event) + timedelta(days=n)
        return self.end_of_working_day(self.working_day_on_or_after(last))
