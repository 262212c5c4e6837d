"""Deadlines of an incident (first answer, final answer, moderation), pauses and time left.

Each function turns an :class:`~cur_desktop.domain.sla.SlaRule` and a region's
:class:`~cur_desktop.domain.calendar.BusinessCalendar` into a :class:`Deadline` (due instant and
warning instant). Limits of different kinds compete and the earliest due instant wins; its
warning instant is taken at ``warn_fraction`` of that limit's allowed time, measured the way the
limit is measured (working time for working limits, wall-clock time for calendar caps).

Pauses (:class:`PauseLog`: intervals while waiting for the resident's clarification) push a
deadline: a working-time limit by the paused working time, a calendar cap by the paused
wall-clock time. Only the part of a pause after the limit starts counts, and only a pause that
begins before the (already pushed) instant: once a limit has run out, a later pause cannot undo
the breach. An open pause counts up to ``now``. Details: docs/DOMAIN_RULES.md, "Deadlines".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from cur_desktop.domain.calendar import BusinessCalendar, require_aware
from cur_desktop.domain.sla import SlaRule

__all__ = [
    "Band",
    "Deadline",
    "Pause",
    "PauseLog",
    "TimeLeft",
    "final_answer_deadline",
    "first_answer_deadline",
    "moderation_deadline",
    "receipt_deadlines",
    "time_left",
]

logger = logging.getLogger(__name__)

DEFAULT_WARN_FRACTION = 0.75
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)


class Band(StrEnum):
    """Colour band of a timer: green, amber, red."""

    OK = "ok"
    WARNING = "warning"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Deadline:
    """When something is due and when to warn about it (``warn_at <= due``)."""

    due: datetime
    warn_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.due, "due")
        require_aware(self.warn_at, "warn_at")
        if self.warn_at > self.due:
            raise ValueError(f"warn_at {self.warn_at} is after due {self.due}")


@dataclass(frozen=True, slots=True)
class Pause:
    """One interval of waiting for the resident; ``end is None`` while it lasts."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        if self.end is not None:
            require_aware(self.end, "end")
            if self.end < self.start:
                raise ValueError(f"pause ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True, slots=True)
class PauseLog:
    """The pauses of one incident's timers, in the order they were recorded."""

    pauses: tuple[Pause, ...] = ()

    def __post_init__(self) -> None:
        if sum(p.end is None for p in self.pauses) > 1:
            raise ValueError("only one pause can be open at a time")

    @property
    def is_paused(self) -> bool:
        """Whether a pause is open now."""
        return any(p.end is None for p in self.pauses)

    def pause(self, at: datetime) -> PauseLog:
        """A log with a new open pause starting ``at``."""
        if self.is_paused:
            raise ValueError("the timer is already paused")
        return PauseLog((*self.pauses, Pause(at)))

    def resume(self, at: datetime) -> PauseLog:
        """A log whose open pause ends ``at``."""
        if not self.is_paused:
            raise ValueError("the timer is not paused")
        return PauseLog(tuple(Pause(p.start, at) if p.end is None else p for p in self.pauses))

    def intervals(self, now: datetime | None = None) -> list[tuple[datetime, datetime]]:
        """Closed pause intervals, sorted and merged; an open pause ends at ``now``.

        Without ``now`` an open pause is left out (it has pushed nothing yet).
        """
        raw: list[tuple[datetime, datetime]] = []
        for p in self.pauses:
            end = p.end if p.end is not None else now
            if end is not None:
                require_aware(end, "now")
                if end > p.start:
                    raw.append((p.start, end))
        raw.sort()
        merged: list[tuple[datetime, datetime]] = []
        for start, end in raw:
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged

    def paused_working_time(
        self, calendar: BusinessCalendar, since: datetime, until: datetime
    ) -> timedelta:
        """Working time inside pauses between ``since`` and ``until`` (open pause to ``until``)."""
        total = timedelta(0)
        for start, end in self.intervals(until):
            total += calendar.working_time_between(max(start, since), min(end, until))
        return total


@dataclass(frozen=True, slots=True)
class TimeLeft:
    """What a timer shows: time remaining (negative = overdue by) and its colour band."""

    wall: timedelta
    working: timedelta
    band: Band

    @property
    def is_overdue(self) -> bool:
        """Whether the deadline has passed."""
        return self.band is Band.OVERDUE


def _push_working(
    instant: datetime,
    anchor: datetime,
    pauses: Iterable[tuple[datetime, datetime]],
    calendar: BusinessCalendar,
) -> datetime:
    for pause_start, end in pauses:
        if end <= anchor:
            continue
        start = max(pause_start, anchor)
        if start >= instant:
            break
        instant = calendar.add_working_time(instant, calendar.working_time_between(start, end))
    return instant


def _push_wall(
    instant: datetime, anchor: datetime, pauses: Iterable[tuple[datetime, datetime]]
) -> datetime:
    for pause_start, end in pauses:
        if end <= anchor:
            continue
        start = max(pause_start, anchor)
        if start >= instant:
            break
        instant += end - start
    return instant


def _check_fraction(warn_fraction: float) -> None:
    if not 0 < warn_fraction <= 1:
        raise ValueError(f"warn_fraction must lie in (0, 1], got {warn_fraction}")


# A candidate limit: (due, warn_at), compared as a tuple (earlier due, then earlier warning).
_Candidate = tuple[datetime, datetime]


def _after(
    start: datetime, position: tuple[date, int], amount: timedelta, calendar: BusinessCalendar
) -> datetime:
    """:meth:`BusinessCalendar.add_working_time` from ``start`` (at ``position``)."""
    if amount < _ZERO:
        raise ValueError(f"duration must not be negative: {amount}")
    amount_us = amount // _MICROSECOND
    if amount_us == 0:
        return start
    key = (calendar, position, amount_us)
    found = _afters.get(key)
    if found is None:
        if len(_afters) >= _AFTERS_CACHED:
            _afters.clear()
        found = _afters[key] = calendar.after_position(position, amount_us)
    return found


_AFTERS_CACHED = 65_536
_afters: dict[tuple[BusinessCalendar, tuple[date, int], int], datetime] = {}
"""Instants :func:`_after` found, by position and amount: every instant outside working hours
(nights, lunch, days off: most of the day) between two working intervals has the same position,
so their deadlines in working time are the same instants."""


_LIMITS_CACHED = 65_536
_limits: dict[tuple[BusinessCalendar, bool, date, int], tuple[datetime, tuple[date, int]]] = {}


def _day_limit(
    calendar: BusinessCalendar, working: bool, day: date, n: int
) -> tuple[datetime, tuple[date, int]]:
    """End of a limit of ``n`` working (or calendar) days after the local ``day`` and its
    position: a function of the day alone, cached (ingestion asks it for every item)."""
    key = (calendar, working, day, n)
    found = _limits.get(key)
    if found is None:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=calendar.tzinfo)
        if working:
            due = calendar.working_days_limit(noon, n)
        else:
            due = calendar.calendar_days_limit(noon, n)
        if len(_limits) >= _LIMITS_CACHED:
            _limits.clear()
        found = _limits[key] = (due, calendar.working_position(due))
    return found


def _working_limit(
    start: datetime,
    position: tuple[date, int],
    allowed: timedelta,
    calendar: BusinessCalendar,
    warn_fraction: float,
    *,
    pauses: list[tuple[datetime, datetime]],
) -> _Candidate:
    due = _after(start, position, allowed, calendar)
    warn = _after(start, position, allowed * warn_fraction, calendar)
    if pauses:
        due = _push_working(due, start, pauses, calendar)
        warn = _push_working(warn, start, pauses, calendar)
    return due, warn


def _working_days_limit(
    start: datetime,
    position: tuple[date, int],
    days: int,
    calendar: BusinessCalendar,
    warn_fraction: float,
    *,
    pauses: list[tuple[datetime, datetime]],
) -> _Candidate:
    """End of the ``days``-th working day after the day of ``start`` (ГК РФ ст. 191–193).

    The warning falls at ``warn_fraction`` of the working time from ``start`` to the due
    instant; pauses push both by the paused working time, as for limits in working hours.
    """
    due, due_position = _day_limit(calendar, True, position[0], days)
    allowed = (
        timedelta(microseconds=calendar.working_between(position, due_position))
        if due > start
        else _ZERO
    )
    warn = _after(start, position, allowed * warn_fraction, calendar)
    if pauses:
        due = _push_working(due, start, pauses, calendar)
        warn = _push_working(warn, start, pauses, calendar)
    return due, warn


def _calendar_days_limit(
    start: datetime,
    position: tuple[date, int],
    days: int,
    calendar: BusinessCalendar,
    warn_fraction: float,
    *,
    pauses: list[tuple[datetime, datetime]],
) -> _Candidate:
    """End of the ``days``-th calendar day after the day of ``start``, moved off a day off.

    The warning falls at ``warn_fraction`` of the wall-clock time from ``start`` to the due
    instant; pauses push both by the paused wall-clock time.
    """
    due = _day_limit(calendar, False, position[0], days)[0]
    warn = start + (due - start) * warn_fraction
    if pauses:
        due = _push_wall(due, start, pauses)
        warn = _push_wall(warn, start, pauses)
    return due, warn


def _wall_limit(
    start: datetime,
    allowed: timedelta,
    warn_fraction: float,
    pauses: list[tuple[datetime, datetime]],
) -> _Candidate:
    due = start + allowed
    warn = start + allowed * warn_fraction
    if pauses:
        due = _push_wall(due, start, pauses)
        warn = _push_wall(warn, start, pauses)
    return due, warn


def _earliest(candidates: list[_Candidate], calendar: BusinessCalendar) -> Deadline:
    """The candidate due first; on equal due instants, the earlier warning."""
    due, warn = min(candidates)
    tz = calendar.tzinfo
    return Deadline(due=due.astimezone(tz), warn_at=warn.astimezone(tz))


def _first_answer_limits(
    received_at: datetime,
    at: tuple[date, int],
    rule: SlaRule,
    calendar: BusinessCalendar,
    warn_fraction: float,
    *,
    paused: list[tuple[datetime, datetime]],
) -> list[_Candidate]:
    """The competing limits of the first answer (see :func:`first_answer_deadline`)."""
    candidates: list[_Candidate] = []
    if rule.first_answer_working_hours is not None:
        hours = timedelta(hours=rule.first_answer_working_hours)
        candidates.append(
            _working_limit(received_at, at, hours, calendar, warn_fraction, pauses=paused)
        )
    if rule.first_answer_working_days is not None:
        days = rule.first_answer_working_days
        candidates.append(
            _working_days_limit(received_at, at, days, calendar, warn_fraction, pauses=paused)
        )
    if rule.first_answer_calendar_hours is not None:
        cap = timedelta(hours=rule.first_answer_calendar_hours)
        candidates.append(_wall_limit(received_at, cap, warn_fraction, paused))
    if rule.total_calendar_days is not None:
        total = rule.total_calendar_days
        candidates.append(
            _calendar_days_limit(received_at, at, total, calendar, warn_fraction, pauses=paused)
        )
    return candidates


def first_answer_deadline(
    received_at: datetime,
    rule: SlaRule,
    calendar: BusinessCalendar,
    warn_fraction: float = DEFAULT_WARN_FRACTION,
    *,
    pauses: PauseLog | None = None,
    now: datetime | None = None,
) -> Deadline:
    """When the first public answer is due.

    Candidates, the earliest due wins: ``first_answer_working_hours`` of working time after
    ``received_at``, or the end of the ``first_answer_working_days``-th working day after the
    day of receipt; ``received_at + first_answer_calendar_hours``; and the end of the
    ``total_calendar_days``-th calendar day after the day of receipt, moved off a day off.
    ``now`` closes an open pause (see :class:`PauseLog`).
    """
    require_aware(received_at, "received_at")
    _check_fraction(warn_fraction)
    paused = pauses.intervals(now) if pauses is not None else []
    at = calendar.working_position(received_at)
    candidates = _first_answer_limits(received_at, at, rule, calendar, warn_fraction, paused=paused)
    return _earliest(candidates, calendar)


def final_answer_deadline(
    interim_at: datetime,
    rule: SlaRule,
    calendar: BusinessCalendar,
    warn_fraction: float = DEFAULT_WARN_FRACTION,
    *,
    received_at: datetime | None = None,
    pauses: PauseLog | None = None,
    now: datetime | None = None,
) -> Deadline:
    """When the final answer is due after an interim answer published at ``interim_at``.

    The end of the ``final_answer_working_days``-th working day after the day of the interim
    answer (:meth:`BusinessCalendar.working_days_limit`); the warning falls at
    ``warn_fraction`` of the working time in between. With ``received_at`` given, the rule's
    ``total_calendar_days`` cap from registration competes (the earlier wins).
    """
    require_aware(interim_at, "interim_at")
    _check_fraction(warn_fraction)
    paused = pauses.intervals(now) if pauses is not None else []
    interim = calendar.working_position(interim_at)
    candidates = [
        _working_days_limit(
            interim_at,
            interim,
            rule.final_answer_working_days,
            calendar,
            warn_fraction,
            pauses=paused,
        )
    ]
    if rule.total_calendar_days is not None and received_at is not None:
        require_aware(received_at, "received_at")
        total = rule.total_calendar_days
        at = calendar.working_position(received_at)
        candidates.append(
            _calendar_days_limit(received_at, at, total, calendar, warn_fraction, pauses=paused)
        )
    return _earliest(candidates, calendar)


def moderation_deadline(
    received_at: datetime,
    rule: SlaRule,
    calendar: BusinessCalendar,
    warn_fraction: float = DEFAULT_WARN_FRACTION,
) -> Deadline:
    """When classification and routing are due: the end of the ``moderation_working_days``-th
    working day after the day of receipt."""
    require_aware(received_at, "received_at")
    _check_fraction(warn_fraction)
    at = calendar.working_position(received_at)
    days = rule.moderation_working_days
    limit = _working_days_limit(received_at, at, days, calendar, warn_fraction, pauses=[])
    return _earliest([limit], calendar)


def receipt_deadlines(
    received_at: datetime,
    rule: SlaRule,
    calendar: BusinessCalendar,
    warn_fraction: float = DEFAULT_WARN_FRACTION,
) -> tuple[Deadline, Deadline]:
    """:func:`first_answer_deadline` and :func:`moderation_deadline` of a new incident (no
    pauses yet), with ``received_at`` placed on the working-time axis once."""
    require_aware(received_at, "received_at")
    _check_fraction(warn_fraction)
    at = calendar.working_position(received_at)
    first = _earliest(
        _first_answer_limits(received_at, at, rule, calendar, warn_fraction, paused=[]), calendar
    )
    days = rule.moderation_working_days
    limit = _working_days_limit(received_at, at, days, calendar, warn_fraction, pauses=[])
    return first, _earliest([limit], calendar)


def time_left(deadline: Deadline, now: datetime, calendar: BusinessCalendar) -> TimeLeft:
    """Time remaining until ``deadline.due`` (negative when overdue) and the band.

    ``overdue`` once ``now`` is after ``due``; ``warning`` from ``warn_at`` on; else ``ok``.
    """
    require_aware(now, "now")
    wall = deadline.due - now
    if now <= deadline.due:
        working = calendar.working_time_between(now, deadline.due)
    else:
        working = -calendar.working_time_between(deadline.due, now)
    if now > deadline.due:
        band = Band.OVERDUE
    elif now >= deadline.warn_at:
        band = Band.WARNING
    else:
        band = Band.OK
    return TimeLeft(wall=wall, working=working, band=band)
