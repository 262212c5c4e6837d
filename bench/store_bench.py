"""Benchmark of the local store at a million incidents: load rate, inbox pages, search, stats.

Run from the project root::

    .venv/bin/python bench/store_bench.py --count 1000000 --repeat 5

The rows are generated once (``cur_desktop.demodata.generator``, fixed seed and end instant) and
reused by every measurement. Figures (medians of ``--repeat`` runs; the first, cold run is shown
beside each) are printed as a table with their targets; see bench/README.md for what each one
includes. Exit status is 0 whatever the figures: this script measures, it does not gate.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger("store_bench")

DEFAULT_END = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
BIG_MUNICIPALITY = "RU-SVE-01"  # Екатеринбург, the largest municipality of the demo data
BIG_REGION = "RU-SVE"


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the result table."""

    name: str
    value: float
    first: float | None
    unit: str
    target: str
    met: bool | None


def _median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Run ``fn`` ``repeat`` times; return (median ms, first ms, last result)."""
    times: list[float] = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times[0], result


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def _raw_tuples(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """The same rows as plain SQLite values: instants as UTC epoch microseconds, bools as 0/1."""
    from cur_desktop.storage.types import to_micros

    instant = {
        "received_at",
        "first_answer_at",
        "first_answer_due",
        "final_answer_due",
        "updated_at",
        "first_answer_warn_at",
        "final_answer_warn_at",
    }
    converters: list[Callable[[Any], Any] | None] = []
    for c in columns:
        if c in instant:
            converters.append(lambda v: None if v is None else to_micros(v))
        elif c in {"has_interim", "has_final", "was_reworked", "was_reopened", "local_changed"}:
            converters.append(int)
        else:
            converters.append(None)
    pairs = list(zip(columns, converters, strict=True))
    return [tuple(f(row[c]) if f else row[c] for c, f in pairs) for row in rows]


def _load_ours(path: Path, rows: Sequence[dict[str, Any]]) -> tuple[float, Any]:
    from cur_desktop.storage.database import DbWriter, open_engine
    from cur_desktop.storage.incidents import bulk_insert_incidents

    engine = open_engine(path)
    writer = DbWriter(engine)
    try:
        start = time.perf_counter()
        written = writer.submit(lambda conn: bulk_insert_incidents(conn, rows)).result()
        elapsed = time.perf_counter() - start
    finally:
        writer.close()
    if written != len(rows):
        raise RuntimeError(f"bulk_insert_incidents wrote {written} of {len(rows)} rows")
    return elapsed, engine


def _load_raw(
    path: Path, schema: Sequence[str], columns: Sequence[str], tuples: list[tuple[Any, ...]]
) -> float:
    from cur_desktop.storage.database import PRAGMAS

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in PRAGMAS:  # the store's own pragmas: WAL, synchronous=NORMAL, cache size ...
            conn.execute(pragma)
        for sql in schema:
            conn.execute(sql)
        insert = (
            f"INSERT INTO incident ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(insert, tuples)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return elapsed


STEM_SAMPLE = 100_000


def _stemming_rate(rows: Sequence[dict[str, Any]]) -> float:
    """Rows per second of stemming author + text as the bulk load does (on a sample)."""
    from cur_desktop.storage.search import stem_texts

    sample = rows[:STEM_SAMPLE]
    start = time.perf_counter()
    stem_texts(f"{row['author']}\n{row['text']}" for row in sample)
    return len(sample) / (time.perf_counter() - start)


def _incident_schema(engine: Any) -> list[str]:
    """CREATE statements of the ``incident`` table and its indexes, as the migration made them."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'incident' AND sql IS NOT NULL"
        ).all()
    return [sql for kind, sql in sorted(rows, key=lambda r: r[0] != "table")]


def _query_figures(engine: Any, end: datetime, repeat: int) -> list[Figure]:
    from cur_desktop.domain.enums import Priority, Source
    from cur_desktop.storage.inbox import (
        OPEN_STATUSES,
        InboxFilter,
        InboxSort,
        inbox_count,
        inbox_page,
    )
    from cur_desktop.storage.search import search
    from cur_desktop.storage.stats import month_stats_by_municipality

    figures: list[Figure] = []

    def timed(name: str, fn: Callable[[], object], target_ms: float) -> object:
        median, first, result = _median_ms(fn, repeat)
        figures.append(Figure(name, median, first, "ms", f"< {target_ms:g} ms", median < target_ms))
        return result

    with engine.connect() as conn:
        assignee = conn.exec_driver_sql(
            "SELECT assignee FROM incident WHERE assignee IS NOT NULL "
            "GROUP BY assignee ORDER BY count(*) DESC LIMIT 1"
        ).scalar_one()
        month_end = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        month_start = (month_end - timedelta(days=1)).replace(day=1)
        filters: list[tuple[str, InboxFilter, InboxSort]] = [
            ("open statuses, by due", InboxFilter(statuses=frozenset(OPEN_STATUSES)),
             InboxSort.DUE_ASC),
            ("one municipality, newest",
             InboxFilter(municipality_ids=frozenset({BIG_MUNICIPALITY})),
             InboxSort.RECEIVED_DESC),
            ("topic roads + source VK, newest",
             InboxFilter(topic_codes=frozenset({"roads"}), sources=frozenset({Source.VK})),
             InboxSort.RECEIVED_DESC),
            (f"assignee {assignee} + overdue, by due",
             InboxFilter(assignees=frozenset({assignee}), overdue=True, now=end),
             InboxSort.DUE_ASC),
            ("received in a week 60 days ago + high priority, newest",
             InboxFilter(received_from=end - timedelta(days=60),
                         received_to=end - timedelta(days=53),
                         priorities=frozenset({Priority.HIGH})),
             InboxSort.RECEIVED_DESC),
        ]  # fmt: skip
        for label, flt, sort in filters:

            def first_page(flt: InboxFilter = flt, sort: InboxSort = sort) -> Any:
                return inbox_page(conn, flt, sort, limit=100)

            page = timed(f"inbox first page: {label}", first_page, 50)
            cursor = getattr(page, "next_cursor", None)
            if cursor is not None:

                def next_page(
                    flt: InboxFilter = flt, sort: InboxSort = sort, cursor: Any = cursor
                ) -> Any:
                    return inbox_page(conn, flt, sort, after=cursor, limit=100)

                timed(f"inbox next page (keyset): {label}", next_page, 20)
        open_filter = filters[0][1]
        topic_filter = filters[2][1]
        timed("count: open statuses", lambda: inbox_count(conn, open_filter), 100)
        timed("count: topic roads + source VK", lambda: inbox_count(conn, topic_filter), 100)
        for q in ("яма на дороге", "не вывозят мусор", "нет горячей воды"):

            def find(q: str = q) -> Any:
                return search(conn, q, limit=50)

            timed(f"full-text search «{q}» (50 hits)", find, 150)
        timed(
            f"month statistics per municipality ({BIG_REGION}, {month_start:%Y-%m})",
            lambda: month_stats_by_municipality(conn, BIG_REGION, month_start, month_end, end),
            500,
        )
    return figures


def _print_table(figures: Sequence[Figure]) -> None:
    name_w = max(len(f.name) for f in figures)
    header = f"{'figure':<{name_w}}  {'median':>14}  {'first run':>12}  {'target':>16}  result"
    print(header)
    print("-" * len(header))
    for f in figures:
        if f.unit == "ms":
            value, first = f"{f.value:,.2f} ms", "" if f.first is None else f"{f.first:,.2f} ms"
        else:
            value, first = f"{f.value:,.0f} {f.unit}", ""
        verdict = "-" if f.met is None else "met" if f.met else "MISSED"
        print(f"{f.name:<{name_w}}  {value:>14}  {first:>12}  {f.target:>16}  {verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1_000_000, help="incidents to generate")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query figure")
    parser.add_argument("--out", type=Path, default=None, help="folder for the database files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=365, help="days the incidents span")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cur_desktop.demodata.generator import generate_incidents
    from cur_desktop.storage.incidents import bulk_insert_incidents  # noqa: F401 - fail early

    out: Path = args.out or Path(tempfile.mkdtemp(prefix="store_bench-"))
    out.mkdir(parents=True, exist_ok=True)
    ours_path, raw_path = out / "ours.sqlite", out / "raw.sqlite"
    for p in (ours_path, raw_path):
        for f in p.parent.glob(p.name + "*"):
            f.unlink()
    print(f"store benchmark: {args.count:,} incidents, {args.repeat} runs per query, in {out}")

    gc.disable()  # a million live dicts make the cyclic collector the bottleneck
    start = time.perf_counter()
    rows = list(generate_incidents(args.count, seed=args.seed, days=args.days, end=DEFAULT_END))
    gen_s = time.perf_counter() - start
    gc.freeze()
    gc.enable()
    print(f"generated in {gen_s:.1f} s ({args.count / gen_s:,.0f} rows/s); loading ...")

    ours_s, engine = _load_ours(ours_path, rows)
    schema = _incident_schema(engine)
    with engine.connect() as conn:
        columns = [
            r[1] for r in conn.exec_driver_sql("PRAGMA table_info(incident)") if r[1] != "rowid_"
        ]
    tuples = _raw_tuples(rows, columns)
    raw_s = _load_raw(raw_path, schema, columns, tuples)
    del tuples
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    ours_rate, raw_rate = args.count / ours_s, args.count / raw_s
    stem_rate = _stemming_rate(rows)
    figures = [
        Figure("generator rate", args.count / gen_s, None, "rows/s", "-", None),
        Figure("bulk load, ours (bulk_insert_incidents)", ours_rate, None, "rows/s", "-", None),
        Figure("bulk load, raw sqlite3.executemany", raw_rate, None, "rows/s", "-", None),
        Figure(
            f"stemming author + text alone (part of ours; first {STEM_SAMPLE:,} rows)",
            stem_rate,
            None,
            "rows/s",
            "-",
            None,
        ),
        Figure(
            "bulk load ratio ours/raw, % (>= 33 %)",
            100 * ours_rate / raw_rate,
            None,
            "%",
            ">= 33 %",
            ours_rate * 3 >= raw_rate,
        ),
    ]
    figures += _query_figures(engine, DEFAULT_END, args.repeat)
    engine.dispose()
    ours_bytes, raw_bytes = _file_bytes(ours_path), _file_bytes(raw_path)
    figures += [
        Figure("database size per incident, ours (with FTS)", ours_bytes / args.count, None,
               "bytes", "-", None),
        Figure("database size per incident, raw (no FTS)", raw_bytes / args.count, None,
               "bytes", "-", None),
    ]  # fmt: skip
    print()
    _print_table(figures)
    print()
    print(
        "ours = DbWriter job: row normalisation and validation, SQLAlchemy Core executemany of\n"
        "       INSERT .. ON CONFLICT(id) DO UPDATE in chunks (datetime -> epoch-µs binding),\n"
        "       the existing-row lookup per chunk, Snowball stemming of author + text and the\n"
        "       FTS5 insert, one transaction, WAL, synchronous=NORMAL, commit included.\n"
        "raw  = plain sqlite3 connection with the store's pragmas (WAL, synchronous=NORMAL, cache\n"
        "       size ...), same incident table and indexes (no FTS), one executemany of\n"
        "       pre-converted tuples in one transaction, commit included;\n"
        "       the conversion to tuples is NOT timed.\n"
        f"sizes: ours {ours_bytes / 2**20:,.1f} MiB, raw {raw_bytes / 2**20:,.1f} MiB "
        "(after a WAL checkpoint)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
