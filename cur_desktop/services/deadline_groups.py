"""The Сроки board read in SQL: group counts and breach buckets, one group's rows by the page.

A region can hold a hundred thousand open incidents; the board never reads them all
(issue: a supervisor's window grew to 3.9 GB reloading every open incident on each change).
:func:`board_summary` returns, in one ``GROUP BY`` over the open incidents of the region (or
of one operator), every group (by operator, executor or municipality) with its counts for each
"show" mode — all open, overdue, breaching within the hour, by the end of the local day — and
its soonest deadline in each, so the window switches the mode without a read.
:func:`group_rows` reads one group's incidents of a mode, soonest deadline first, a page at
a time (``limit``/``offset``); the window reads them only for the groups it has expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal_column, select, true

from cur_desktop.domain.enums import Status
from cur_desktop.services.supervision import HOUR, BoardRow, BreachCounts
from cur_desktop.storage.tables import incident_table

_OPEN_EXCLUDED = (Status.CLOSED.value, Status.REJECTED.value)
FAR = datetime.max.replace(tzinfo=UTC)
"""The sort key of a group without a deadline in the mode (it goes last)."""


class GroupField(StrEnum):
    """What the board groups by (the incident column)."""

    ASSIGNEE = "assignee"
    EXECUTOR = "executor_id"
    MUNICIPALITY = "municipality_id"


class ShowMode(StrEnum):
    """Which open incidents the board shows."""

    ALL = "all"
    OVERDUE = "overdue"
    HOUR = "hour"
    TODAY = "today"


@dataclass(frozen=True, slots=True)
class BoardMoment:
    """The instants the buckets are cut at: now and the region's next local midnight."""

    now: datetime
    end_of_day: datetime


@dataclass(frozen=True, slots=True)
class BoardGroup:
    """One group of the board: its counts per mode and its soonest deadline per mode."""

    key: str | None
    counts: dict[ShowMode, int]
    first_due: dict[ShowMode, datetime | None]

    def sort_key(self, mode: ShowMode) -> tuple[int, datetime]:
        """The group whose first deadline (in ``mode``) comes first is on top."""
        due = self.first_due[mode]
        return (1, FAR) if due is None else (0, due)


@dataclass(frozen=True, slots=True)
class BoardSummary:
    """The board's header and groups, as of ``moment``."""

    moment: BoardMoment
    open_total: int
    breaches: BreachCounts
    groups: tuple[BoardGroup, ...]

    def shown(self, mode: ShowMode) -> list[BoardGroup]:
        """The groups with incidents in ``mode``, soonest first deadline on top."""
        kept = [g for g in self.groups if g.counts[mode] > 0]
        return sorted(kept, key=lambda g: g.sort_key(mode))

    def shown_count(self, mode: ShowMode) -> int:
        """How many incidents ``mode`` shows in all."""
        return sum(g.counts[mode] for g in self.groups)


def _mode_condition(mode: ShowMode, moment: BoardMoment) -> ColumnElement[bool]:
    due = incident_table.c.current_due
    if mode is ShowMode.ALL:
        return true()
    if mode is ShowMode.OVERDUE:
        return and_(due.is_not(None), due <= moment.now)
    if mode is ShowMode.HOUR:
        return and_(due > moment.now, due <= moment.now + HOUR)
    return and_(due > moment.now, due < moment.end_of_day)


def _open_where(region_code: str | None, assignee: str | None) -> list[ColumnElement[bool]]:
    i = incident_table
    where: list[ColumnElement[bool]] = [i.c.status.not_in(_OPEN_EXCLUDED)]
    if region_code is not None:
        where.append(i.c.region_code == region_code)
    if assignee is not None:
        where.append(i.c.assignee == assignee)
    return where


def board_summary(
    conn: Connection,
    region_code: str | None,
    assignee: str | None,
    field: GroupField,
    moment: BoardMoment,
) -> BoardSummary:
    """Every group of the open incidents with its counts and first deadlines (one query)."""
    i = incident_table
    column = i.c[field.value]
    due = i.c.current_due
    parts: list[ColumnElement[object]] = []
    for mode in ShowMode:
        cond = _mode_condition(mode, moment)
        parts.append(func.sum(case((cond, 1), else_=0)))
        parts.append(func.min(case((cond, due), else_=None)))
    stmt = select(column, *parts).where(*_open_where(region_code, assignee)).group_by(column)
    groups = []
    for row in conn.execute(stmt):
        values = list(row)
        counts = {m: int(values[1 + 2 * n] or 0) for n, m in enumerate(ShowMode)}
        firsts = {m: values[2 + 2 * n] for n, m in enumerate(ShowMode)}
        key = None if values[0] is None else str(values[0])
        groups.append(BoardGroup(key=key, counts=counts, first_due=firsts))
    total = sum(g.counts[ShowMode.ALL] for g in groups)
    breaches = BreachCounts(
        overdue=sum(g.counts[ShowMode.OVERDUE] for g in groups),
        within_hour=sum(g.counts[ShowMode.HOUR] for g in groups),
        today=sum(g.counts[ShowMode.TODAY] for g in groups),
    )
    return BoardSummary(moment=moment, open_total=total, breaches=breaches, groups=tuple(groups))


def _unindexed(name: str) -> ColumnElement[object]:
    """``+incident.<name>``: the same value, but SQLite will not pick an index on it, so the
    rows of a group are walked in ``current_due`` order on ``ix_incident_current_due`` and
    the read stops after a page (an index on the group column read the whole group, sorted)."""
    return literal_column(f"+incident.{name}")


def group_rows(
    conn: Connection,
    region_code: str | None,
    assignee: str | None,
    field: GroupField,
    key: str | None,
    *,
    mode: ShowMode,
    moment: BoardMoment,
    limit: int,
    skip_dated: int = 0,
    skip_undated: int = 0,
) -> list[BoardRow]:
    """A page of a group's incidents in ``mode``, soonest deadline first, those without a
    deadline last (received, then id, breaks ties). The next page skips the rows read so far
    with a deadline (``skip_dated``) and without (``skip_undated``)."""
    i = incident_table
    where = [i.c.status.not_in(_OPEN_EXCLUDED), _mode_condition(mode, moment)]
    if region_code is not None:
        where.append(_unindexed("region_code") == region_code)
    if assignee is not None:
        where.append(_unindexed("assignee") == assignee)
    group = _unindexed(field.value)
    where.append(group.is_(None) if key is None else group == key)
    columns = (
        i.c.id,
        i.c.received_at,
        i.c.status,
        i.c.assignee,
        i.c.executor_id,
        i.c.municipality_id,
        i.c.topic_code,
        i.c.current_due,
        func.substr(i.c.text, 1, 400).label("text"),
    )
    dated = (
        select(*columns)
        .where(*where, i.c.current_due.is_not(None))
        .order_by(i.c.current_due, i.c.received_at, i.c.id)
        .limit(limit)
        .offset(skip_dated)
    )
    rows = list(conn.execute(dated))
    if len(rows) < limit and mode is ShowMode.ALL:
        undated = (
            select(*columns)
            .where(*where, i.c.current_due.is_(None))
            .order_by(i.c.received_at, i.c.id)
            .limit(limit - len(rows))
            .offset(skip_undated)
        )
        rows.extend(conn.execute(undated))
    return [
        BoardRow(
            incident_id=str(r.id),
            received_at=r.received_at,
            status=Status(r.status),
            assignee=r.assignee,
            executor_id=r.executor_id,
            municipality_id=r.municipality_id,
            topic_code=r.topic_code,
            current_due=r.current_due,
            text=" ".join(str(r.text).split())[:160],
        )
        for r in rows
    ]


def in_mode(row: BoardRow, mode: ShowMode, moment: BoardMoment) -> bool:
    """Whether ``row`` is shown in ``mode`` (the same cut as :func:`group_rows`'s SQL)."""
    due = row.current_due
    if mode is ShowMode.ALL:
        return True
    if due is None:
        return False
    if mode is ShowMode.OVERDUE:
        return due <= moment.now
    if mode is ShowMode.HOUR:
        return moment.now < due <= moment.now + HOUR
    return moment.now < due < moment.end_of_day


__all__ = [
    "BoardGroup",
    "BoardMoment",
    "BoardSummary",
    "GroupField",
    "ShowMode",
    "board_summary",
    "group_rows",
    "in_mode",
]
