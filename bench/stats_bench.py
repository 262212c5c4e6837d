"""Benchmark of issue 10: supervisors' statistics, the federal rating, report export.

Prints medians beside the targets; asserts nothing (exit 0 whatever the figures).

1. **Statistics refresh** (what the Статистика tab computes on a period change:
   :func:`cur_desktop.services.supervision.statistics_report`, i.e. the period and the
   previous one, five groupings, three chart series) over a local store of ``--count``
   incidents of one region (default 1,000,000 spread over four years, Europe/Moscow): for the
   last full month and the last full year. Target < 1 s each.
2. **Federal rating** (:func:`cur_desktop.server.ratings.compute`) on a server SQLite database
   holding 89 regions × 12 months (``--per-region-month`` incidents each, default 500): the
   last month. Target < 1 s.
3. **Report export of a year**: XLSX + CSV + PDF of the year computed in 1 (the computation not
   included; printed apart). Target < 5 s for the three files.

Rows are written with plain ``sqlite3`` ``executemany`` into migrated files (no FTS rows: the
statistics do not read them); values are random but shaped like the demo data (see the code).

    .venv/bin/python bench/stats_bench.py [--count 1000000] [--repeat 5] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.reference import data as refdata
from cur_desktop.services.reports import write_csv, write_xlsx
from cur_desktop.services.supervision import refresh_rollup, statistics_report
from cur_desktop.storage import stats_rollup
from cur_desktop.storage.database import open_engine

END = datetime(2026, 3, 16, 9, tzinfo=UTC)
REGION = "RU-SVE"
STATUSES = (
    ["closed"] * 60
    + ["on_control"] * 8
    + ["primary_answered"] * 8
    + ["new"] * 5
    + ["moderation"] * 4
    + ["sent_to_executor"] * 6
    + ["rejected"] * 7
    + ["rework"] * 1
    + ["reopened"] * 1
)
SOURCES = ("vk", "ok", "telegram", "pos", "appeal_59fz", "other")
TOPICS = ("zhkh", "roads", "blagoustroystvo", "health", "education", "transport", "social", None)


def _us(value: datetime) -> int:
    return int(value.timestamp()) * 1_000_000 + value.microsecond


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times[0], result


def build_store(path: Path, count: int, seed: int) -> None:
    """A migrated store with ``count`` incidents of one region over four years."""
    open_engine(path).dispose()  # migrations and pragmas
    rng = random.Random(seed)
    span = int(timedelta(days=4 * 365).total_seconds())
    start = END - timedelta(seconds=span)
    municipalities = [f"m-{i:02d}" for i in range(30)]
    executors = [f"ex-{i:03d}" for i in range(120)]
    assignees = [f"sve.op{i}" for i in range(14)] + [None]
    conn = sqlite3.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(incident)") if r[1] != "rowid_"]
    rows = []
    for i in range(count):
        received = start + timedelta(seconds=rng.randrange(span))
        status = rng.choice(STATUSES)
        answered = status not in ("new", "moderation", "rejected")
        minutes = int(rng.expovariate(1 / 180)) + 3
        fa = received + timedelta(minutes=minutes) if answered else None
        due = received + timedelta(hours=8)
        interim = answered and rng.random() < 0.3
        values = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "source": rng.choice(SOURCES),
            "external_id": f"b-{i}",
            "link": "",
            "author": "",
            "text": "Ямы на дороге во дворе",
            "received_at": _us(received),
            "region_code": REGION,
            "municipality_id": rng.choice(municipalities),
            "topic_code": rng.choice(TOPICS),
            "subtopic_code": None,
            "executor_id": rng.choice(executors),
            "assignee": rng.choice(assignees),
            "priority": "normal",
            "status": status,
            "outcome": None,
            "reject_reason": None,
            "first_answer_at": None if fa is None else _us(fa),
            "first_answer_due": _us(due),
            "first_answer_warn_at": _us(due - timedelta(hours=2)),
            "final_answer_due": None,
            "final_answer_warn_at": None,
            "moderation_due": None,
            "moderation_warn_at": None,
            "first_answer_working_us": None if fa is None else minutes * 60_000_000 // 2,
            "current_due": None,
            "current_warn_at": None,
            "version": 1,
            "updated_at": _us(received),
            "has_interim": int(interim),
            "has_final": int(answered and not interim),
            "was_reworked": int(rng.random() < 0.03),
            "was_reopened": int(rng.random() < 0.02),
            "rating": rng.choice((None, None, None, 3, 4, 5)),
            "local_changed": 0,
        }
        rows.append(tuple(values.get(c) for c in columns))
    marks = ",".join("?" * len(columns))
    with conn:
        conn.executemany(f"INSERT INTO incident ({','.join(columns)}) VALUES ({marks})", rows)
    conn.execute("ANALYZE")
    conn.close()


def build_server(path: Path, per_region_month: int, seed: int) -> str:
    """A migrated server SQLite database with 89 regions × 12 months of incidents."""
    from cur_desktop.server.db import Database
    from cur_desktop.server.migrate import upgrade

    url = f"sqlite:///{path}"
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    rows = []
    n = 0
    for region in refdata.load_regions():
        for month in range(12):
            first = date(2025, 4, 1) + timedelta(days=31 * month)
            base = datetime(first.year, first.month, 1, tzinfo=UTC)
            for _ in range(per_region_month):
                n += 1
                received = base + timedelta(seconds=rng.randrange(28 * 86400))
                answered = rng.random() < 0.95
                fa = received + timedelta(minutes=int(rng.expovariate(1 / 200)) + 2)
                fmt = "%Y-%m-%d %H:%M:%S.%f"
                rows.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "vk",
                        f"s-{n}",
                        "",
                        "",
                        "Ямы",
                        received.strftime(fmt),
                        region.iso_code,
                        "normal",
                        "rejected" if rng.random() < 0.05 else "closed",
                        fa.strftime(fmt) if answered else None,
                        1,
                        received.strftime(fmt),
                        n,
                    )
                )
    with conn:
        conn.executemany(
            "INSERT INTO incident (id, source, external_id, link, author, text, received_at, "
            "region_code, priority, status, first_answer_at, version, updated_at, seq) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    conn.execute("ANALYZE")
    conn.close()
    return url


def _print(results: list[tuple[str, float, float, float | None]]) -> None:
    print(f"\n{'what':<72} {'median':>9} {'first':>9} {'target':>8}")
    for name, median, first, target in results:
        if target is None:
            print(f"{name:<72} {median:>8.3f}s {first:>8.3f}s")
            continue
        mark = "ok" if median < target else "MISSED"
        print(f"{name:<72} {median:>8.3f}s {first:>8.3f}s {target:>7.1f}s {mark}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--per-region-month", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--direct",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the direct SQL (the path before the rollup) as the baseline",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse OUT/store.sqlite3 of an earlier run (its rollup is rebuilt from scratch)",
    )
    parser.add_argument(
        "--rating",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also build the server database and time the federal rating",
    )
    parser.add_argument(
        "--keep-rollup",
        action="store_true",
        help="with --reuse: keep the earlier run's rollup (only its dirty days are rebuilt)",
    )
    parser.add_argument("--changed", type=int, default=20_000, help="incidents a sync changes")
    parser.add_argument(
        "--changed-days",
        type=int,
        default=30,
        help="the changed incidents were received in the last N days (0: anywhere)",
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="stats-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"files in {out}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")

    store = out / "store.sqlite3"
    if args.reuse and store.exists():
        print(f"store reused: {store}")
    else:
        t0 = time.perf_counter()
        build_store(store, args.count, args.seed)
        print(f"store of {args.count:,} incidents written in {time.perf_counter() - t0:.0f} s")
    engine = open_engine(store)
    zone = refdata.region_by_code(REGION).timezone
    month = LocalPeriod(zone, PeriodKind.MONTH, date(2026, 2, 1))
    year = LocalPeriod(zone, PeriodKind.YEAR, date(2025, 1, 1))
    now = END
    results: list[tuple[str, float, float, float | None]] = []
    report_of_year = None
    with engine.begin() as conn:  # the first open after the upgrade: every day is dirty
        if args.keep_rollup:  # --reuse: the rollup built by the earlier run stays
            conn.exec_driver_sql("DELETE FROM stats_day WHERE 0")
        else:
            conn.exec_driver_sql("DELETE FROM stats_dirty")
            conn.exec_driver_sql(
                "INSERT INTO stats_dirty SELECT DISTINCT region_code, "
                "received_at / 86400000000 FROM incident"
            )
    with engine.begin() as conn:
        t0 = time.perf_counter()
        days = stats_rollup.refresh(conn)
        results.append(
            (f"rollup build, all {days:,} local days (once)", *[time.perf_counter() - t0] * 2, None)
        )
    with engine.connect() as conn:
        for name, period in (("month", month), ("year", year)):
            for path, use_rollup in (("direct SQL, before", False), ("rollup", True)):
                repeat = args.repeat if use_rollup or args.direct else 0
                if repeat == 0:
                    continue
                median, first, report = _median(
                    lambda p=period, u=use_rollup: statistics_report(
                        conn, REGION, p, now, use_rollup=u
                    ),
                    repeat,
                )
                label = f"statistics refresh, {name} ({report.current.registered:,}), {path}"
                results.append((label, median, first, 1.0))
                if name == "year" and use_rollup:
                    report_of_year = report
    # what a sync of --changed incidents costs the next refresh: mark, recompute, read
    with engine.begin() as conn:
        rng = random.Random(args.seed + 1)
        # what a sync brings: changes of incidents received in the last --changed-days days
        # (0: anywhere in the four years, the worst case: every day of both years is dirty)
        since = 0 if args.changed_days == 0 else _us(END - timedelta(days=args.changed_days))
        ids = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT rowid_ FROM incident WHERE received_at >= ?", (since,)
            ).fetchall()
        ]
        changed = [(rng.choice(STATUSES), rowid) for rowid in rng.sample(ids, args.changed)]
        t0 = time.perf_counter()
        conn.exec_driver_sql("UPDATE incident SET status = ? WHERE rowid_ = ?", changed)  # type: ignore[arg-type]
        marks = conn.exec_driver_sql("SELECT count(*) FROM stats_dirty").scalar_one()
        print(
            f"{args.changed:,} incidents updated in {time.perf_counter() - t0:.2f} s: "
            f"{marks} dirty UTC days"
        )

    # the period the changes fall in: February 2026 for recent ones, 2025 for the worst case
    touched, touched_name = (month, "month") if args.changed_days else (year, "year")

    def after_sync() -> None:
        with engine.begin() as conn:
            refresh_rollup(conn, REGION, touched)
        with engine.connect() as conn:
            statistics_report(conn, REGION, touched, now)

    median, first, _ = _median(after_sync, 1)
    where = f"in the last {args.changed_days} days" if args.changed_days else "on any day"
    results.append(
        (
            f"{touched_name} refresh after {args.changed:,} changes {where} (recompute + read)",
            median,
            first,
            None,
        )
    )
    engine.dispose()
    assert report_of_year is not None

    from PySide6.QtGui import QGuiApplication

    from cur_desktop.ui.report_pdf import write_pdf

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication([])

    def export() -> None:
        write_xlsx(report_of_year, out / "year.xlsx")
        write_csv(report_of_year, out / "year.csv")
        write_pdf(report_of_year, out / "year.pdf")

    median, first, _ = _median(export, args.repeat)
    results.append(("report export of a year (XLSX + CSV + PDF)", median, first, 5.0))

    if not args.rating:
        _print(results)
        app.shutdown()
        return 0
    server = out / "server.sqlite3"
    t0 = time.perf_counter()
    url = build_server(server, args.per_region_month, args.seed)
    rows = 89 * 12 * args.per_region_month
    print(f"server of {rows:,} incidents written in {time.perf_counter() - t0:.0f} s")
    from cur_desktop.server import ratings
    from cur_desktop.server.db import Database

    db = Database(url)
    with db.snapshot() as session:
        median, first, table = _median(
            lambda: ratings.compute(session, "2026-02", now), args.repeat
        )
    db.dispose()
    results.append(
        (
            f"federal rating, 89 regions × 12 months ({table.regions_ranked} ranked)",
            median,
            first,
            1.0,
        )
    )

    _print(results)
    # Qt objects must not outlive the application at interpreter exit (PySide aborts then)
    app.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
