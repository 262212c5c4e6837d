"""The statistics rollup: a period's figures as a sum of region-local days (fast years).

Tables (revision 0008): ``stats_day`` holds, per region, local day, dimension and key (split
rejected / not rejected), the counts and sums :mod:`cur_desktop.storage.stats` computes, plus
three packed int64 blobs: the answered durations (wall and working), from which the medians
come exactly, and the first-answer deadlines of unanswered incidents, from which the overdue
count at any ``now`` comes exactly. ``stats_month`` holds the same per local month (its days
summed, blobs concatenated): a period is read as its whole months plus the days around them,
so a year is 12 rows per key. ``stats_hour`` counts incidents per local day and hour.
Dimensions: ``all`` (key NULL) and the incident column of each :class:`GroupBy`.

Freshness: triggers mark ``(region_code, UTC day)`` of every incident row written in
``stats_dirty`` (a primary-key probe per row, an insert for a day not marked yet; no
figure is computed on a write).
:func:`refresh` (a write, run on the store's writer before a statistics read) recomputes the
local days those UTC days touch, from the incident table, and clears the marks.
:func:`is_current` says whether a period may be read from the rollup: the reader falls back to
the direct SQL of :mod:`.stats_groups` when a mark inside the period is still there, so a
figure is never stale, only slower.

Local days are the region's own (its IANA zone, per day: a zone changing its offset would be
cut correctly); the hour of the heat map uses each day's offset at its start.
"""

from __future__ import annotations

import logging
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from cur_desktop.domain.date_range import StatsPeriod
from cur_desktop.reference import data as refdata
from cur_desktop.storage.stats import PeriodStats, _build, _mean_half_up
from cur_desktop.storage.stats_groups import GroupBy, GroupStats
from cur_desktop.storage.types import to_micros

log = logging.getLogger(__name__)

_np: Any
try:  # medians over a year's durations: numpy's partial sort (pure Python when absent)
    import numpy

    _np = numpy
except ImportError:  # pragma: no cover - the desktop install has numpy (pyqtgraph needs it)
    _np = None

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
EPOCH = date(1970, 1, 1)
ALL = "all"
DIMENSIONS: tuple[str, ...] = (ALL, *(by.value for by in GroupBy))

_SUMS = (
    "n",
    "answered",
    "fat_sum",
    "working_n",
    "working_sum",
    "with_due",
    "overdue_answered",
    "interim_only",
    "reworked",
    "reopened",
    "rating_sum",
    "rating_n",
)

# one pass over a run of local days with one UTC offset: the terms of stats._aggregates
_DAY_SQL = """
SELECT (i.received_at + :off) / {day} AS day, {key} AS key,
       i.status = 'rejected' AS is_rejected,
       count(*), count(i.first_answer_at),
       coalesce(sum(i.first_answer_at - i.received_at), 0),
       count(i.first_answer_working_us), coalesce(sum(i.first_answer_working_us), 0),
       count(i.first_answer_due),
       coalesce(sum(i.first_answer_at > i.first_answer_due), 0),
       coalesce(sum(i.first_answer_at IS NOT NULL AND i.has_interim AND NOT i.has_final), 0),
       coalesce(sum(i.was_reworked), 0), coalesce(sum(i.was_reopened), 0),
       coalesce(sum(i.rating), 0), count(i.rating),
       group_concat(i.first_answer_at - i.received_at),
       group_concat(i.first_answer_working_us),
       group_concat(CASE WHEN i.first_answer_at IS NULL THEN i.first_answer_due END)
FROM incident AS i
WHERE i.rowid_ IN (SELECT s.rowid_ FROM incident AS s
                   WHERE s.region_code = :region AND s.received_at >= :start
                     AND s.received_at < :end)
GROUP BY 1, 2, 3
"""

_HOUR_SQL = f"""
SELECT (received_at + :off) / {US_PER_DAY}, ((received_at + :off) / {US_PER_HOUR}) % 24, count(*)
FROM incident
WHERE region_code = :region AND received_at >= :start AND received_at < :end
GROUP BY 1, 2
"""


def _day_number(day: date) -> int:
    return (day - EPOCH).days


def _offset_us(zone: ZoneInfo, day: date) -> int:
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    offset = midnight.utcoffset() or timedelta(0)
    return int(offset.total_seconds()) * 1_000_000


def _local_days_of_utc_day(zone: ZoneInfo, utc_day: int) -> list[int]:
    """Local day numbers that instants of UTC day ``utc_day`` fall on in ``zone``."""
    first = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=utc_day)
    last = first + timedelta(days=1, microseconds=-1)
    a, b = first.astimezone(zone).date(), last.astimezone(zone).date()
    return list(range(_day_number(a), _day_number(b) + 1))


def _runs(days: Iterable[int], zone: ZoneInfo) -> list[tuple[int, int, int]]:
    """Contiguous runs ``(first, last, offset_us)`` of local days sharing one UTC offset."""
    runs: list[tuple[int, int, int]] = []
    for d in sorted(set(days)):
        off = _offset_us(zone, EPOCH + timedelta(days=d))
        if runs and runs[-1][1] == d - 1 and runs[-1][2] == off:
            runs[-1] = (runs[-1][0], d, off)
        else:
            runs.append((d, d, off))
    return runs


def _pack(text: str | None) -> bytes | None:
    if text is None:
        return None
    return array("q", map(int, text.split(","))).tobytes()


def _recompute(conn: Connection, region_code: str, first: int, last: int, off: int) -> None:
    """Recompute local days ``first..last`` (one UTC offset ``off``) of one region."""
    start = first * US_PER_DAY - off
    end = (last + 1) * US_PER_DAY - off
    params = {"region": region_code, "start": start, "end": end, "off": off}
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    for dim in DIMENSIONS:
        cur.execute(
            "DELETE FROM stats_day WHERE region_code = ? AND dim = ? AND day BETWEEN ? AND ?",
            (region_code, dim, first, last),
        )
        key = "NULL" if dim == ALL else f"i.{dim}"
        rows = [
            (region_code, row[0], dim, row[1], row[2], *row[3:15], *map(_pack, row[15:18]))
            for row in cur.execute(_DAY_SQL.format(day=US_PER_DAY, key=key), params)
        ]
        cur.executemany(
            "INSERT INTO stats_day (region_code, day, dim, key, is_rejected, "
            + ", ".join(_SUMS)
            + ", durations, working_durations, open_dues) VALUES ("
            + ", ".join("?" * (5 + len(_SUMS) + 3))
            + ")",
            rows,
        )
    cur.execute(
        "DELETE FROM stats_hour WHERE region_code = ? AND day BETWEEN ? AND ?",
        (region_code, first, last),
    )
    cur.executemany(
        "INSERT INTO stats_hour (region_code, day, hour, n) VALUES (?, ?, ?, ?)",
        [(region_code, *row) for row in cur.execute(_HOUR_SQL, params)],
    )


def _month_of(day: int) -> int:
    local = EPOCH + timedelta(days=day)
    return local.year * 12 + local.month - 1


def _month_start(month: int) -> int:
    """The local day number of the first day of ``month`` (year × 12 + month − 1)."""
    return _day_number(date(month // 12, month % 12 + 1, 1))


_COLUMNS = ("key", "is_rejected", *_SUMS, "durations", "working_durations", "open_dues")


def _recompute_month(conn: Connection, region_code: str, month: int) -> None:
    """Sum a local month of one region from its days (blobs concatenated in SQL)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("DELETE FROM stats_month WHERE region_code = ? AND month = ?", (region_code, month))
    blobs = ", ".join(
        f"CAST(group_concat({c}, '') AS BLOB)"
        for c in ("durations", "working_durations", "open_dues")
    )
    raw.execute(
        "INSERT INTO stats_month (region_code, month, dim, "
        + ", ".join(_COLUMNS)
        + ") SELECT region_code, ?, dim, key, is_rejected, "
        + ", ".join(f"sum({c})" for c in _SUMS)
        + f", {blobs} FROM stats_day WHERE region_code = ? AND day >= ? AND day < ? "
        "GROUP BY dim, key, is_rejected",
        (month, region_code, _month_start(month), _month_start(month + 1)),
    )


def _zone(region_code: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(refdata.region_by_code(region_code).timezone)
    except (KeyError, LookupError, ValueError):
        return None


def refresh(
    conn: Connection,
    region_code: str | None = None,
    utc_from: datetime | None = None,
    utc_to: datetime | None = None,
    limit: int | None = None,
) -> int:
    """Recompute the local days touched by the dirty marks (of a region; within a UTC range;
    at most ``limit`` marks, oldest day first, so that a big rebuild can be cut into short
    writer jobs).

    Run inside a write transaction (the store's writer). Returns the number of local days
    recomputed (0: nothing was dirty). Marks of an unknown region are dropped (no local
    calendar to cut its days).
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    where: list[str] = ["1"]
    args: list[object] = []
    if region_code is not None:
        where.append("region_code = ?")
        args.append(region_code)
    if utc_from is not None:
        where.append("utc_day >= ?")
        args.append(to_micros(utc_from) // US_PER_DAY - 1)
    if utc_to is not None:
        where.append("utc_day <= ?")
        args.append(to_micros(utc_to) // US_PER_DAY + 1)
    condition = " AND ".join(where)
    cap = "" if limit is None else f" LIMIT {int(limit)}"
    marks = raw.execute(
        f"SELECT region_code, utc_day FROM stats_dirty WHERE {condition} "
        f"ORDER BY region_code, utc_day{cap}",
        args,
    ).fetchall()
    by_region: dict[str, list[int]] = defaultdict(list)
    for region, utc_day in marks:
        by_region[str(region)].append(int(utc_day))
    recomputed = 0
    for region, utc_days in by_region.items():
        zone = _zone(region)
        if zone is None:
            continue
        days = {d for u in utc_days for d in _local_days_of_utc_day(zone, u)}
        for first, last, off in _runs(days, zone):
            _recompute(conn, region, first, last, off)
        for month in sorted({_month_of(d) for d in days}):
            _recompute_month(conn, region, month)
        recomputed += len(days)
    raw.executemany("DELETE FROM stats_dirty WHERE region_code = ? AND utc_day = ?", marks)
    log.debug("statistics rollup: %d local days recomputed from %d marks", recomputed, len(marks))
    return recomputed


def is_current(conn: Connection, region_code: str, period: StatsPeriod) -> bool:
    """Whether the rollup holds ``period`` of the region as the incidents are now."""
    start, end = period.utc_bounds()
    raw = conn.connection.driver_connection
    assert raw is not None
    mark = raw.execute(
        "SELECT 1 FROM stats_dirty WHERE region_code = ? AND utc_day BETWEEN ? AND ? LIMIT 1",
        (region_code, to_micros(start) // US_PER_DAY - 1, to_micros(end) // US_PER_DAY + 1),
    ).fetchone()
    return mark is None


# --------------------------------------------------------------------------- reading


def _values(data: bytes | None) -> Any:
    """The int64 values of packed blobs: a numpy array when numpy is there, else a list."""
    if _np is None:  # pragma: no cover - the desktop install has numpy (pyqtgraph needs it)
        return array("q", data or b"").tolist()
    return _np.frombuffer(data or b"", dtype="<i8")


def _median(data: bytes | None) -> timedelta | None:
    """Median of the durations packed in ``data`` as :mod:`metrics` defines it (even count:
    the mean of the two middle values, half up)."""
    values = _values(data)
    n = len(values)
    if n == 0:
        return None
    middle = n // 2
    low_index = middle - 1 if n > 1 else 0
    if isinstance(values, list):
        ordered = sorted(values)
    else:  # a partial sort puts the two middle values in place
        ordered = _np.partition(values, (low_index, middle))
    low, high = int(ordered[low_index]), int(ordered[middle])
    if n % 2:
        return timedelta(microseconds=high)
    return _mean_half_up(low + high, 2)


def _count_before(data: bytes | None, now_us: int) -> int:
    values = _values(data)
    if isinstance(values, list):
        return sum(1 for v in values if v < now_us)
    return int((values < now_us).sum())


@dataclass(frozen=True, slots=True)
class RollupFigures:
    """What the Статистика tab shows of a period, read from the rollup."""

    total: PeriodStats
    groups: dict[GroupBy, list[GroupStats]]
    daily_volume: dict[date, dict[str, int]]
    daily_first_answer: dict[date, timedelta]
    hour_weekday: list[list[int]]


def _day_range(period: StatsPeriod) -> tuple[int, int]:
    return _day_number(period.start_date), _day_number(period.end_date)


def _segments(days: tuple[int, int]) -> list[tuple[str, str, int, int]]:
    """``[first, end)`` local days as whole months (``stats_month``) and the days around them."""
    first, end = days
    month = _month_of(first)
    if _month_start(month) < first:
        month += 1  # the first month is partial: its days come from stats_day
    last_month = _month_of(end)  # the month holding ``end``: whole months stop before it
    if month >= last_month:
        return [("stats_day", "day", first, end)]
    segments = [("stats_month", "month", month, last_month)]
    if first < _month_start(month):
        segments.append(("stats_day", "day", first, _month_start(month)))
    if _month_start(last_month) < end:
        segments.append(("stats_day", "day", _month_start(last_month), end))
    return segments


def _dimension(
    conn: Connection, region_code: str, dim: str, days: tuple[int, int], now_us: int
) -> dict[str | None, PeriodStats]:
    """Figures per key of one dimension over local days ``[first, end)``."""
    raw = conn.connection.driver_connection
    assert raw is not None
    sums: dict[tuple[str | None, int], list[int]] = {}
    blobs: dict[str | None, tuple[list[bytes], list[bytes], list[bytes]]] = defaultdict(
        lambda: ([], [], [])
    )
    width = len(_SUMS)
    for table, column, low, high in _segments(days):
        rows = raw.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM {table} WHERE region_code = ? AND dim = ? "
            f"AND {column} >= ? AND {column} < ?",
            (region_code, dim, low, high),
        ).fetchall()
        for row in rows:
            key, rejected = row[0], int(row[1])
            total = sums.get((key, rejected))
            if total is None:
                sums[(key, rejected)] = list(row[2 : 2 + width])
            else:
                for i, value in enumerate(row[2 : 2 + width]):
                    total[i] += value
            if not rejected:
                lists = blobs[key]
                for target, blob in zip(lists, row[2 + width :], strict=True):
                    if blob is not None:
                        target.append(blob)
    result: dict[str | None, PeriodStats] = {}
    for key in sorted({k for k, _ in sums}, key=lambda k: (k is not None, k or "")):
        rejected_n = sums[(key, 1)][0] if (key, 1) in sums else 0
        kept = sums.get((key, 0))
        if kept is None:
            result[key] = _build(rejected_n, None)
            continue
        named = dict(zip(_SUMS, (int(v) for v in kept), strict=True))
        durations, working, dues = (b"".join(parts) for parts in blobs[key])
        overdue = named.pop("overdue_answered") + _count_before(dues, now_us)
        row = SimpleNamespace(**named, overdue=overdue, durations=None, working_durations=None)
        result[key] = replace(
            _build(rejected_n, row),
            median_first_answer_time=_median(durations),
            median_first_answer_working_time=_median(working),
        )
    return result


def period_stats(
    conn: Connection, region_code: str, period: StatsPeriod, now: datetime
) -> PeriodStats:
    """The figures of the region's ``period`` (equal to :func:`.stats.local_period_stats`)."""
    figures = _dimension(conn, region_code, ALL, _day_range(period), to_micros(now))
    return figures.get(None) or _build(0, None)


def grouped_stats(
    conn: Connection, region_code: str, period: StatsPeriod, now: datetime, by: GroupBy
) -> list[GroupStats]:
    """Figures per value of ``by`` (equal to :func:`.stats_groups.grouped_stats`)."""
    figures = _dimension(conn, region_code, by.value, _day_range(period), to_micros(now))
    return [GroupStats(key=k, stats=s) for k, s in figures.items()]


def figures(
    conn: Connection, region_code: str, period: StatsPeriod, now: datetime
) -> RollupFigures:
    """Everything of one period the tab shows (the rollup must be current: :func:`is_current`)."""
    days = _day_range(period)
    raw = conn.connection.driver_connection
    assert raw is not None
    volume: dict[date, dict[str, int]] = {}
    for day, key, n in raw.execute(
        "SELECT day, key, sum(n) FROM stats_day WHERE region_code = ? AND dim = 'source' "
        "AND day >= ? AND day < ? GROUP BY day, key",
        (region_code, *days),
    ):
        volume.setdefault(EPOCH + timedelta(days=int(day)), {})[str(key)] = int(n)
    trend: dict[date, timedelta] = {}
    for day, answered, total in raw.execute(
        "SELECT day, answered, fat_sum FROM stats_day WHERE region_code = ? AND dim = 'all' "
        "AND day >= ? AND day < ? AND is_rejected = 0 AND answered > 0",
        (region_code, *days),
    ):
        trend[EPOCH + timedelta(days=int(day))] = _mean_half_up(int(total), int(answered))
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, n in raw.execute(
        "SELECT day, hour, n FROM stats_hour WHERE region_code = ? AND day >= ? AND day < ?",
        (region_code, *days),
    ):
        grid[(int(day) + 3) % 7][int(hour)] += int(n)  # day 0 (1970-01-01) was a Thursday
    return RollupFigures(
        total=period_stats(conn, region_code, period, now),
        groups={by: grouped_stats(conn, region_code, period, now, by) for by in GroupBy},
        daily_volume=volume,
        daily_first_answer=trend,
        hour_weekday=grid,
    )


__all__ = [
    "DIMENSIONS",
    "RollupFigures",
    "figures",
    "grouped_stats",
    "is_current",
    "period_stats",
    "refresh",
]
