"""Local operations on a filled profile store: one change recorded, a bulk action on 1,000.

Usage::

    .venv/bin/python bench/local_ops_bench.py                 # 100,000 incidents in the store
    .venv/bin/python bench/local_ops_bench.py --count 20000 --repeat 50

What it does: a fresh profile store (``storage.database.open_engine``: migrations, pragmas),
bound to a supervisor of RU-SVE, loaded with ``--count`` demo incidents
(``storage.incidents.bulk_insert_incidents``, the same rows the sync would bring). Then, through
the real single writer (``DbWriter``), as the window does:

1. **one change recorded**: ``outbox.record_local_mutation`` of one ``incident.classify``
   (priority high, topic roads) on a different incident each time, one writer job each, timed
   from submit to the job's result (view updated, search index followed, outbox row written,
   transaction committed). ``--repeat`` times; median and 95th percentile. Target < 1 ms.
   Beside the wall time, the process CPU time of the same calls (``time.process_time``: what
   the change itself costs, without the waits for a core on a loaded machine).
2. **bulk action on 1,000 incidents**: 1,000 ``incident.transition`` new → moderation recorded
   in ONE writer job (one transaction), then the inbox's first page read back (as the window
   shows the result). Three times on different incidents; median. Target < 1 s.

``--synchronous full`` opens the store with ``PRAGMA synchronous=FULL`` (the setting before
issue 11: an fsync per commit) instead of the store's ``NORMAL``, to show what the fsync costs.

Prints a table of medians beside the targets; exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "RU-SVE"


def _fill(engine: Any, count: int) -> None:
    from cur_desktop.demodata.generator import generate_incidents
    from cur_desktop.storage import sync_state
    from cur_desktop.storage.incidents import bulk_insert_incidents

    end = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    rows = []
    for row in generate_incidents(count, seed=1, regions=[REGION], end=end):
        row["status"] = "new"
        row["assignee"] = None
        rows.append(row)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "sve.boss")
        sync_state.set_state(conn, sync_state.KEY_ROLE, "supervisor")
        sync_state.set_state(conn, sync_state.KEY_REGION, REGION)
        bulk_insert_incidents(conn, rows)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="incidents in the store")
    parser.add_argument("--repeat", type=int, default=200, help="single changes to time")
    parser.add_argument(
        "--synchronous", choices=("normal", "full"), default="normal", help="store's sync mode"
    )
    args = parser.parse_args(argv)

    from cur_desktop.storage import database

    if args.synchronous == "full":
        database.PRAGMAS = tuple(
            "PRAGMA synchronous=FULL" if p.startswith("PRAGMA synchronous") else p
            for p in database.PRAGMAS
        )

    from sqlalchemy import select

    from cur_desktop.storage import outbox
    from cur_desktop.storage.database import DbWriter, open_engine
    from cur_desktop.storage.inbox import InboxFilter, InboxSort, inbox_page
    from cur_desktop.storage.tables import incident_table

    with tempfile.TemporaryDirectory(prefix="local_ops-") as folder:
        engine = open_engine(Path(folder) / "profile.sqlite3")
        start = time.perf_counter()
        _fill(engine, args.count)
        print(f"store filled with {args.count:,} incidents in {time.perf_counter() - start:.1f} s")
        with engine.connect() as conn:
            ids = [
                str(r[0])
                for r in conn.execute(
                    select(incident_table.c.id)
                    .order_by(incident_table.c.rowid_)
                    .limit(args.repeat + 3_000)
                )
            ]
        singles, bulk_ids = ids[: args.repeat], ids[args.repeat :]
        now = datetime.now(UTC)
        one: list[float] = []
        one_cpu: list[float] = []
        with DbWriter(engine) as writer:
            for incident_id in singles:
                args_ = {"incident_id": incident_id, "priority": "high", "topic_code": "roads"}
                t0, c0 = time.perf_counter(), time.process_time()
                writer.submit(
                    lambda c, a=args_: outbox.record_local_mutation(
                        c, "incident.classify", a, now=now
                    )
                ).result()
                one.append(time.perf_counter() - t0)
                one_cpu.append(time.process_time() - c0)
            bulk: list[float] = []
            bulk_cpu: list[float] = []
            for round_no in range(3):
                chunk = bulk_ids[round_no * 1000 : (round_no + 1) * 1000]

                def job(conn: Any, chunk: list[str] = chunk) -> None:
                    for incident_id in chunk:
                        outbox.record_local_mutation(
                            conn,
                            "incident.transition",
                            {
                                "incident_id": incident_id,
                                "from_status": "new",
                                "to_status": "moderation",
                            },
                            now=now,
                        )

                t0, c0 = time.perf_counter(), time.process_time()
                writer.submit(job).result()
                with engine.connect() as conn:
                    inbox_page(conn, InboxFilter(), InboxSort.RECEIVED_DESC, limit=100)
                bulk.append(time.perf_counter() - t0)
                bulk_cpu.append(time.process_time() - c0)
        engine.dispose()

    one_ms = statistics.median(one) * 1000
    p95 = statistics.quantiles(one, n=20)[-1] * 1000
    bulk_s = statistics.median(bulk)
    print()
    print(f"{'figure':<50}{'median':>12}{'p95 / runs':>22}{'target':>10}  result")
    print(
        f"{'one change recorded (classify)':<50}{one_ms:>9.2f} ms{p95:>19.2f} ms"
        f"{'< 1 ms':>10}  {'met' if one_ms < 1 else 'MISSED'}"
    )
    cpu_ms = statistics.median(one_cpu) * 1000
    print(f"{'  the same, process CPU time':<50}{cpu_ms:>9.2f} ms{'':>22}{'':>10}  -")
    runs = " / ".join(f"{b:.2f}" for b in bulk)
    print(
        f"{'bulk action on 1,000 incidents, shown':<50}{bulk_s:>10.2f} s{runs:>22}"
        f"{'< 1 s':>10}  {'met' if bulk_s < 1 else 'MISSED'}"
    )
    cpu_runs = " / ".join(f"{b:.2f}" for b in bulk_cpu)
    bulk_cpu_s = statistics.median(bulk_cpu)
    print(f"{'  the same, process CPU time':<50}{bulk_cpu_s:>10.2f} s{cpu_runs:>22}{'':>10}  -")
    print(f"(store opened with synchronous={args.synchronous.upper()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
