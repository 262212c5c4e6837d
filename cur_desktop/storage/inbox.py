"""The inbox query: filters, sorts and keyset pagination over ``incident`` in SQL.

Nothing here loads more than one page into Python. Pages are found by keyset ("seek")
pagination on ``(sort key, rowid_)``: ties in the sort key are broken by the local row id, so a
walk over all pages visits every matching row exactly once even with equal keys, and a page
costs the same whether it is the first or the ten-thousandth.

With filters that keep only open incidents (open statuses, overdue, at risk) the status term
is marked selective with SQLite's ``likelihood()``, so that the planner uses the status index
instead of walking a time index through years of closed incidents (see
:func:`drives_by_status`).

``DUE_ASC`` sorts by ``current_due`` (the deadline that matters now: first-answer due until the
first public answer, final-answer due while on control, none when closed or rejected; see
:mod:`cur_desktop.domain.current_due`) with incidents without a running timer last; it is
walked in two phases (rows with a due, then rows without one in ``rowid_`` order), so both
phases use plain indexes. ``InboxFilter.due_before`` keeps rows whose current due is earlier.

Overdue / at risk (evaluated at ``InboxFilter.now``), for incidents not closed or rejected:

* overdue: no first answer and ``first_answer_due < now``; or an interim answer without a final
  one and ``final_answer_due < now``;
* at risk: not overdue, and the same condition holds for the warning instant
  (``first_answer_warn_at <= now`` / ``final_answer_warn_at <= now``).

With both flags set the filter keeps rows that are overdue OR at risk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    type_coerce,
)

from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.storage.tables import incident_table
from cur_desktop.storage.types import UtcEpochMicros

log = logging.getLogger(__name__)

PREVIEW_CHARS = 160
OPEN_LIKELIHOOD = 0.01
"""Planner hint: share of rows an open-only status filter is expected to keep."""
OPEN_STATUSES: tuple[Status, ...] = tuple(s for s in Status if not s.is_terminal)

inc = incident_table


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the inbox shows. ``None`` means "any"; a set may contain ``None`` for "not set".

    ``received_from`` is inclusive, ``received_to`` exclusive. ``now`` is required when
    ``overdue`` or ``at_risk`` is set. ``due_before`` keeps incidents whose current due is
    set and earlier than it (exclusive).
    """

    statuses: frozenset[Status] | None = None
    sources: frozenset[Source] | None = None
    topic_codes: frozenset[str | None] | None = None
    municipality_ids: frozenset[str | None] | None = None
    executor_ids: frozenset[str | None] | None = None
    assignees: frozenset[str | None] | None = None
    priorities: frozenset[Priority] | None = None
    overdue: bool = False
    at_risk: bool = False
    received_from: datetime | None = None
    received_to: datetime | None = None
    now: datetime | None = None
    region_code: str | None = None
    local_changed: bool | None = None
    due_before: datetime | None = None
    local_weekday: int | None = None
    """Received on this local weekday (Monday 0), local = UTC + ``utc_offset_us``."""
    local_hour: int | None = None
    """Received within this local hour of day (0–23), local = UTC + ``utc_offset_us``."""
    utc_offset_us: int = 0
    """The region's UTC offset in µs for ``local_weekday`` / ``local_hour`` (drill-down)."""


class InboxSort(StrEnum):
    """Orders of the inbox list."""

    DUE_ASC = "due_asc"
    RECEIVED_DESC = "received_desc"
    RECEIVED_ASC = "received_asc"


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Position after the last row of a page: its sort key (``None``: no deadline) and rowid."""

    sort: InboxSort
    key: datetime | None
    rowid: int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of inbox rows and the cursor of the next page (``None`` at the end)."""

    rows: list[Mapping[str, Any]]
    next_cursor: PageCursor | None


def _in(col: ColumnElement[Any], values: frozenset[Any] | None) -> ColumnElement[bool] | None:
    if values is None:
        return None
    present = sorted(str(v) for v in values if v is not None)
    terms: list[ColumnElement[bool]] = []
    if present:
        terms.append(col.in_(present) if len(present) > 1 else col == present[0])
    if None in values:
        terms.append(col.is_(None))
    if not terms:
        return false()
    return terms[0] if len(terms) == 1 else or_(*terms)


def _selective(term: ColumnElement[bool] | None) -> ColumnElement[bool]:
    # SQLite's likelihood(X, p) hint; p must be a literal constant, not a bound parameter
    assert term is not None
    # untyped on purpose: a Boolean-typed function would be rendered as "likelihood(..) = 1",
    # which hides the term from the index matcher
    hint: ColumnElement[bool] = func.likelihood(term, literal_column(str(OPEN_LIKELIHOOD)))
    return hint


def _open() -> ColumnElement[bool]:
    return inc.c.status.in_([s.value for s in OPEN_STATUSES])


def _interim_only() -> ColumnElement[bool]:
    return and_(inc.c.has_interim.is_(True), inc.c.has_final.is_(False))


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Open incidents whose first (or, after an interim answer, final) deadline has passed."""
    first = and_(
        _open(),
        inc.c.first_answer_at.is_(None),
        inc.c.first_answer_due.is_not(None),
        inc.c.first_answer_due < now,
    )
    final = and_(
        _open(),
        _interim_only(),
        inc.c.final_answer_due.is_not(None),
        inc.c.final_answer_due < now,
    )
    return or_(first, final)


def at_risk_clause(now: datetime) -> ColumnElement[bool]:
    """Open incidents past a warning instant but not yet overdue."""
    first = and_(
        inc.c.first_answer_at.is_(None),
        inc.c.first_answer_warn_at.is_not(None),
        inc.c.first_answer_warn_at <= now,
    )
    final = and_(
        _interim_only(),
        inc.c.final_answer_warn_at.is_not(None),
        inc.c.final_answer_warn_at <= now,
    )
    return and_(_open(), or_(first, final), ~overdue_clause(now))


_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


def _local_time_clauses(flt: InboxFilter) -> list[ColumnElement[bool]]:
    """Local weekday / hour of receipt, the arithmetic of the statistics' heat map."""
    if flt.local_weekday is None and flt.local_hour is None:
        return []
    shifted = type_coerce(inc.c.received_at, Integer) + literal(flt.utc_offset_us, Integer)
    clauses: list[ColumnElement[bool]] = []
    if flt.local_weekday is not None:
        # day 0 of the epoch (1970-01-01) was a Thursday: weekday 3 counting Monday as 0
        day = shifted // literal(_US_PER_DAY, Integer)
        clauses.append((day + 3) % 7 == flt.local_weekday)
    if flt.local_hour is not None:
        clauses.append((shifted // literal(_US_PER_HOUR, Integer)) % 24 == flt.local_hour)
    return clauses


def filter_clauses(flt: InboxFilter) -> list[ColumnElement[bool]]:
    """Return the WHERE terms (ANDed) of ``flt`` against ``incident``."""
    clauses: list[ColumnElement[bool]] = []
    if drives_by_status(flt):
        # few open incidents among years of closed ones; the planner cannot know that
        # without STAT4, so say it: the status index then drives the query
        clauses.append(
            _selective(_open() if flt.statuses is None else _in(inc.c.status, flt.statuses))
        )
    for col, values in (
        (inc.c.status, None if drives_by_status(flt) else flt.statuses),
        (inc.c.source, flt.sources),
        (inc.c.topic_code, flt.topic_codes),
        (inc.c.municipality_id, flt.municipality_ids),
        (inc.c.executor_id, flt.executor_ids),
        (inc.c.assignee, flt.assignees),
        (inc.c.priority, flt.priorities),
    ):
        term = _in(col, values)
        if term is not None:
            clauses.append(term)
    if flt.region_code is not None:
        clauses.append(inc.c.region_code == flt.region_code)
    if flt.local_changed is not None:
        clauses.append(inc.c.local_changed.is_(flt.local_changed))
    if flt.received_from is not None:
        clauses.append(inc.c.received_at >= flt.received_from)
    if flt.received_to is not None:
        clauses.append(inc.c.received_at < flt.received_to)
    if flt.due_before is not None:
        clauses.append(and_(inc.c.current_due.is_not(None), inc.c.current_due < flt.due_before))
    clauses.extend(_local_time_clauses(flt))
    if flt.overdue or flt.at_risk:
        if flt.now is None:
            raise ValueError("InboxFilter.now is required for overdue / at_risk")
        terms = []
        if flt.overdue:
            terms.append(overdue_clause(flt.now))
        if flt.at_risk:
            terms.append(at_risk_clause(flt.now))
        clauses.append(terms[0] if len(terms) == 1 else or_(*terms))
    return clauses


LIST_COLUMNS = (
    inc.c.id,
    inc.c.rowid_,
    inc.c.received_at,
    inc.c.status,
    inc.c.priority,
    inc.c.source,
    inc.c.topic_code,
    inc.c.municipality_id,
    inc.c.executor_id,
    inc.c.assignee,
    inc.c.author,
    inc.c.region_code,
    inc.c.first_answer_due,
    inc.c.first_answer_warn_at,
    inc.c.final_answer_due,
    inc.c.final_answer_warn_at,
    inc.c.current_due,
    inc.c.current_warn_at,
    inc.c.local_changed,
    func.substr(inc.c.text, 1, PREVIEW_CHARS).label("preview"),
)


def _key(after: PageCursor) -> Any:
    # typed binds: a tuple comparison does not take the column types on its own
    return tuple_(literal(after.key, UtcEpochMicros()), literal(after.rowid, Integer()))


def drives_by_status(flt: InboxFilter) -> bool:
    """Whether the filter keeps only open incidents: few, recent rows in a long history.

    The planner would otherwise walk a time index from the far end through years of closed
    incidents looking for a page of matches; the status index reaches them directly and the
    sort of the (small) open set is cheap.
    """
    if flt.overdue or flt.at_risk:
        return True
    return bool(flt.statuses) and all(not Status(s).is_terminal for s in flt.statuses or ())


def _base(flt: InboxFilter) -> Select[Any]:
    return select(*LIST_COLUMNS).where(*filter_clauses(flt))


def _fetch(conn: Connection, stmt: Select[Any]) -> list[Mapping[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(stmt)]


def _cursor(sort: InboxSort, row: Mapping[str, Any]) -> PageCursor:
    key = row["current_due"] if sort is InboxSort.DUE_ASC else row["received_at"]
    return PageCursor(sort=sort, key=key, rowid=row["rowid_"])


def inbox_page(
    conn: Connection,
    flt: InboxFilter,
    sort: InboxSort,
    *,
    after: PageCursor | None = None,
    limit: int = 100,
) -> Page:
    """Return the page of rows after ``after`` (the first page when ``None``)."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    if after is not None and after.sort is not sort:
        raise ValueError("cursor belongs to another sort order")
    base = _base(flt)
    rowid = inc.c.rowid_
    rows: list[Mapping[str, Any]]
    if sort is InboxSort.DUE_ASC:
        rows = []
        due = inc.c.current_due
        if after is None or after.key is not None:
            stmt = base.where(due.is_not(None))
            if after is not None:
                stmt = stmt.where(tuple_(due, rowid) > _key(after))
            rows = _fetch(conn, stmt.order_by(due, rowid).limit(limit + 1))
        if len(rows) <= limit:
            stmt = base.where(due.is_(None))
            if after is not None and after.key is None:
                stmt = stmt.where(rowid > after.rowid)
            rows += _fetch(conn, stmt.order_by(rowid).limit(limit + 1 - len(rows)))
    else:
        key = inc.c.received_at
        stmt = base
        if sort is InboxSort.RECEIVED_DESC:
            if after is not None:
                stmt = stmt.where(tuple_(key, rowid) < _key(after))
            stmt = stmt.order_by(key.desc(), rowid.desc())
        else:
            if after is not None:
                stmt = stmt.where(tuple_(key, rowid) > _key(after))
            stmt = stmt.order_by(key, rowid)
        rows = _fetch(conn, stmt.limit(limit + 1))
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows=rows, next_cursor=_cursor(sort, rows[-1]))
    return Page(rows=rows, next_cursor=None)


def inbox_count(conn: Connection, flt: InboxFilter) -> int:
    """Return how many incidents match ``flt``."""
    stmt = select(func.count()).select_from(inc).where(*filter_clauses(flt))
    return int(conn.execute(stmt).scalar_one())


def _order(sort: InboxSort) -> Sequence[ColumnElement[Any]]:
    rowid = inc.c.rowid_
    if sort is InboxSort.DUE_ASC:
        due = inc.c.current_due
        return (due.is_(None), due, rowid)
    if sort is InboxSort.RECEIVED_DESC:
        return (inc.c.received_at.desc(), rowid.desc())
    return (inc.c.received_at, rowid)


def inbox_ids(conn: Connection, flt: InboxFilter, sort: InboxSort, limit: int) -> list[str]:
    """Return the ids of the first ``limit`` matching incidents in ``sort`` order."""
    stmt = select(inc.c.id).where(*filter_clauses(flt)).order_by(*_order(sort)).limit(limit)
    return list(conn.execute(stmt).scalars())


def inbox_rowids(conn: Connection, flt: InboxFilter, sort: InboxSort) -> list[int]:
    """Return the local row keys (``rowid_``) of every matching incident in ``sort`` order.

    For a virtual list: 8 bytes a row in an ``array('q')``, rows fetched on demand with
    :func:`rows_by_rowid`. The due order is read in its two phases, like :func:`inbox_page`.
    """
    rowid = inc.c.rowid_
    base = select(rowid).where(*filter_clauses(flt))
    if sort is InboxSort.DUE_ASC:
        due = inc.c.current_due
        first = conn.execute(base.where(due.is_not(None)).order_by(due, rowid)).scalars()
        keys = [int(k) for k in first]
        rest = conn.execute(base.where(due.is_(None)).order_by(rowid)).scalars()
        keys.extend(int(k) for k in rest)
        return keys
    return [int(k) for k in conn.execute(base.order_by(*_order(sort))).scalars()]


_ROWS_CHUNK = 500


def rows_by_rowid(conn: Connection, rowids: Sequence[int]) -> list[Mapping[str, Any]]:
    """List rows (the columns of a page) for these row keys, in the order given.

    Keys of incidents that no longer exist are skipped.
    """
    keys = list(rowids)
    found: dict[int, Mapping[str, Any]] = {}
    for start in range(0, len(keys), _ROWS_CHUNK):
        chunk = keys[start : start + _ROWS_CHUNK]
        for row in _fetch(conn, select(*LIST_COLUMNS).where(inc.c.rowid_.in_(chunk))):
            found[int(row["rowid_"])] = row
    return [found[k] for k in keys if k in found]


def rows_by_id(conn: Connection, incident_ids: Sequence[str]) -> list[Mapping[str, Any]]:
    """List rows for these incident ids, in the order given (unknown ids skipped)."""
    ids = [str(i) for i in incident_ids]
    found: dict[str, Mapping[str, Any]] = {}
    for start in range(0, len(ids), _ROWS_CHUNK):
        chunk = ids[start : start + _ROWS_CHUNK]
        for row in _fetch(conn, select(*LIST_COLUMNS).where(inc.c.id.in_(chunk))):
            found[str(row["id"])] = row
    return [found[i] for i in ids if i in found]


__all__ = [
    "OPEN_STATUSES",
    "InboxFilter",
    "InboxSort",
    "Page",
    "PageCursor",
    "at_risk_clause",
    "filter_clauses",
    "inbox_count",
    "inbox_ids",
    "inbox_page",
    "inbox_rowids",
    "overdue_clause",
    "rows_by_id",
    "rows_by_rowid",
]
