"""What the statistics rollup's dirty-day triggers cost the store's write paths (issue 10).

The triggers of revision 0008 put one primary-key probe (and, for a day not marked yet, one
insert into a small table) on every incident row written. This measures that cost against the
same writes without the triggers, A/B interleaved in one process so that the machine's load
(shared by other jobs) hits both sides alike:

1. **bulk upsert** of ``--batch`` incidents (``storage.incidents.bulk_insert_incidents``, the
   path of a pulled page and of the initial sync): half new rows, half updates of rows already
   there;
2. **single-row updates**: ``--singles`` status changes, one statement and one transaction each
   (what an operation on one incident writes to the ``incident`` table).

Each round runs on a fresh copy of a filled store (``--count`` incidents), with the triggers
(as shipped) and with them dropped; ``--rounds`` rounds, medians and the ratio.

    .venv/bin/python bench/rollup_write_bench.py [--count 50000] [--batch 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cur_desktop.demodata.generator import generate_incidents
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents

END = datetime(2026, 3, 16, 9, tzinfo=UTC)
TRIGGERS = ("stats_mark_insert", "stats_mark_update", "stats_mark_delete")


def _timed_writes(path: Path, batch: list[dict[str, Any]], singles: int) -> tuple[float, float]:
    engine = open_engine(path)
    try:
        start = time.perf_counter()
        with engine.begin() as conn:
            bulk_insert_incidents(conn, batch)
        bulk = time.perf_counter() - start
        with engine.connect() as conn:
            rowids = [
                r[0]
                for r in conn.exec_driver_sql(
                    f"SELECT rowid_ FROM incident ORDER BY rowid_ LIMIT {singles}"
                )
            ]
        start = time.perf_counter()
        for rowid in rowids:
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "UPDATE incident SET status = 'moderation' WHERE rowid_ = ?", (rowid,)
                )
        single = (time.perf_counter() - start) / max(len(rowids), 1)
    finally:
        engine.dispose()
    return bulk, single


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="rollup-write-bench-"))
    print(f"files in {out}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    rows = list(generate_incidents(args.count + args.batch // 2, seed=1, days=365, end=END))
    base_rows, new_rows = rows[: args.count], rows[args.count :]
    changed = [dict(r, status="closed") for r in base_rows[: args.batch - len(new_rows)]]
    batch = new_rows + changed
    filled = out / "filled.sqlite3"
    engine = open_engine(filled)
    with engine.begin() as conn:
        bulk_insert_incidents(conn, base_rows)
        conn.exec_driver_sql("DELETE FROM stats_dirty")
    engine.dispose()
    times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(args.rounds):
        for with_triggers in (True, False):
            copy = out / "copy.sqlite3"
            shutil.copyfile(filled, copy)
            if not with_triggers:
                engine = open_engine(copy)
                with engine.begin() as conn:
                    for name in TRIGGERS:
                        conn.exec_driver_sql(f"DROP TRIGGER {name}")
                engine.dispose()
            times[with_triggers].append(_timed_writes(copy, batch, args.singles))
            copy.unlink()
    print(f"\n{'figure':<58} {'with':>10} {'without':>10} {'ratio':>7}")
    for index, name, unit, scale in (
        (0, f"bulk upsert of {len(batch):,} incidents (half new)", "s", 1.0),
        (1, "one row updated, own transaction", "ms", 1000.0),
    ):
        with_t = statistics.median(t[index] for t in times[True]) * scale
        without = statistics.median(t[index] for t in times[False]) * scale
        print(
            f"{name:<58} {with_t:>8.3f}{unit:<2} {without:>8.3f}{unit:<2} {with_t / without:>6.2f}"
        )
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
