"""Dates, numbers and durations formatted for the interface language (Russian by default).

Dates and numbers go through :class:`QLocale` (the default locale is set by
:mod:`cur_desktop.ui.i18n`); duration units through the translation system.

Times of day are the operator's region's (docs/WINDOW.md, "Times of day"): the window sets the
region's zone once it knows the user (:func:`set_region_zone`), :func:`in_region` moves an
instant into it (the computer's zone while no region is known), and :func:`zone_mark` says
``UTC+3`` where a time shown could be taken for the computer's clock but differs from it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QTimeZone

from cur_desktop.domain.calendar import DEFAULT_WORKING_HOURS

MINUS = "\u2212"

_region_zone: tzinfo | None = None
"""The zone of the signed-in user's region; ``None``: not known (the computer's zone is shown)."""


def set_region_zone(key: str | None) -> None:
    """Show times in the IANA zone ``key`` (the operator's region); ``None``: the computer's."""
    global _region_zone  # noqa: PLW0603 (one window per process, like QLocale's default)
    _region_zone = None if key is None else ZoneInfo(key)


def in_region(value: datetime) -> datetime:
    """``value`` in the region's zone (the computer's zone while no region is known); a naive
    ``value`` is UTC (the project keeps instants in UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_region_zone) if _region_zone is not None else value.astimezone()


def zone_mark(shown: datetime | None = None) -> str:
    """``UTC+3`` when ``shown`` (an instant in the zone it is shown in; default: now in the
    region's zone) is not at the computer's UTC offset, so its time of day differs from the
    computer's clock; ``""`` when both agree."""
    at = in_region(datetime.now(UTC)) if shown is None else shown
    if at.utcoffset() == at.astimezone().utcoffset():
        return ""
    return utc_offset(at)


def marked(text: str, shown: datetime | None = None) -> str:
    """``text`` followed by `` (UTC+3)`` when :func:`zone_mark` has a mark for ``shown``."""
    mark = zone_mark(shown)
    return f"{text} ({mark})" if mark else text


def region_clock(value: datetime) -> str:
    """``18:25`` in the region's time, marked ``18:25 (UTC+3)`` when the computer's clock says
    otherwise (a time that stands alone: the status bar, a message)."""
    shown = in_region(value)
    return marked(time_of_day(shown), shown)


def region_date_time(value: datetime, *, mark: bool = True) -> str:
    """``01.12.2026 18:25`` in the region's time, marked as :func:`region_clock` unless
    ``mark`` is false (cells of a column whose header carries the mark)."""
    shown = in_region(value)
    text = date_time(shown)
    return marked(text, shown) if mark else text


def duration(td: timedelta, *, days: bool = True) -> str:
    """A compact duration: ``45 мин``, ``3 ч 05 мин``, ``2 д 4 ч`` (sign dropped).

    ``days=False`` keeps hours unfolded (working time: 30 working hours are not "1 d 6 h").
    """
    minutes = int(abs(td.total_seconds()) // 60)
    day_minutes = 24 * 60 if days else 10**9
    days_n, rest = divmod(minutes, day_minutes)
    hours, mins = divmod(rest, 60)
    if days_n:
        return (
            QCoreApplication.translate("Format", "%1 d %2 h")
            .replace("%1", str(days_n))
            .replace("%2", str(hours))
        )
    if hours:
        return (
            QCoreApplication.translate("Format", "%1 h %2 min")
            .replace("%1", str(hours))
            .replace("%2", f"{mins:02d}")
        )
    return QCoreApplication.translate("Format", "%1 min").replace("%1", str(mins))


def time_left_text(td: timedelta, *, days: bool = True, overdue: bool | None = None) -> str:
    """``3 ч 05 мин`` when time is left; ``−1 ч 20 мин`` when overdue.

    ``overdue`` overrides the sign (a deadline passed at night is overdue by 0 working minutes).
    """
    text = duration(td, days=days)
    late = td < timedelta(0) if overdue is None else overdue
    return f"{MINUS}{text}" if late else text


WORKING_DAY = DEFAULT_WORKING_HOURS.daily_duration
"""A working day as a timer counts it: the region's ordinary working day (8 working hours)."""

DAYS_FROM = timedelta(hours=24)
"""From this much working time on, a timer reads in working days (docs/WINDOW.md)."""


def working_span(working: timedelta, *, day: timedelta = WORKING_DAY) -> str:
    """Working time as a timer shows it (sign dropped): ``3 ч 05 мин`` under 24 working hours,
    ``3 дн 2 ч`` (working days of ``day`` each, and whole hours) from 24 working hours on.

    Whole minutes and hours are cut, never rounded up: 475 h 01 min → ``59 дн 3 ч``.
    """
    minutes = int(abs(working).total_seconds() // 60)
    if minutes < DAYS_FROM.total_seconds() // 60:
        return duration(working, days=False)
    day_minutes = max(1, int(day.total_seconds() // 60))
    days_n, rest = divmod(minutes, day_minutes)
    return (
        QCoreApplication.translate("Format", "%1 wd %2 h", "working days and hours")
        .replace("%1", str(days_n))
        .replace("%2", str(rest // 60))
    )


def timer_text(working: timedelta, *, overdue: bool) -> str:
    """What a deadline timer says, in the list's cell and on the card (docs/WINDOW.md, "Timer
    texts").

    ``3 ч 05 мин`` while time is left (working time of the region), ``4 дн 2 ч`` from 24
    working hours on (see :func:`working_span`); ``просрочен на 4 ч 00 мин`` /
    ``просрочен на 59 дн 3 ч`` once overdue by at least one working minute; ``просрочен`` alone
    when the deadline passed but not one working minute has passed since (a deadline at night,
    on a weekend or a holiday, until the next working morning).
    """
    if not overdue:
        return working_span(working)
    if abs(working) < timedelta(minutes=1):
        return QCoreApplication.translate("Format", "overdue")
    return QCoreApplication.translate("Format", "overdue by %1").replace(
        "%1", working_span(working)
    )


def _qdatetime(value: datetime) -> QDateTime:
    qdt = QDateTime.fromSecsSinceEpoch(int(value.timestamp()))
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str):
        return qdt.toTimeZone(QTimeZone(key.encode()))
    offset = value.utcoffset()
    if offset is not None:  # a fixed offset (``astimezone()``, UTC)
        return qdt.toTimeZone(QTimeZone(int(offset.total_seconds())))
    return qdt.toLocalTime()


def date_time(value: datetime) -> str:
    """``01.12.2026 09:15`` in the zone of ``value`` (the region's, when it carries one)."""
    return QLocale().toString(_qdatetime(value), "dd.MM.yyyy HH:mm")


def date_time_long(value: datetime) -> str:
    """``1 декабря 2026 г., 09:15`` in the zone of ``value``."""
    return QLocale().toString(_qdatetime(value), "d MMMM yyyy, HH:mm")


def time_of_day(value: datetime) -> str:
    """``09:15`` in the zone of ``value`` (see :func:`date_time`)."""
    return QLocale().toString(_qdatetime(value), "HH:mm")


def number(value: int) -> str:
    """An integer with the locale's digit grouping (``12 345``)."""
    return QLocale().toString(value)


def utc_offset(value: datetime) -> str:
    """``UTC+3`` for the offset of ``value``."""
    offset = value.utcoffset() or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    return f"UTC{'+' if hours >= 0 else MINUS}{abs(hours)}"
