"""Inbox marks and bulk actions on a filled profile store: what unread markers and a bulk take cost.

Usage::

    .venv/bin/python bench/inbox_marks_bench.py                  # 100,000 incidents
    .venv/bin/python bench/inbox_marks_bench.py --count 20000 --repeat 20

What it does: a fresh profile store bound to an operator of RU-SVE, loaded with ``--count`` demo
incidents (all «Новый», nobody assigned), half of them marked read. Then, through a real
:class:`Workstation` (its reader pool and single writer), as the window does:

1. **a list page with marks** (``Workstation.inbox_rows_with_marks``: 100 rows + which are
   unread + their reminders, one snapshot) against the same page without marks
   (``Workstation.inbox_rows``, the baseline measured in the same run): median of ``--repeat``
   pages at different offsets; target: marks add < 5 ms a page;
2. **unread counts** of Мои and Новые (``WindowReads.unread_counts``, both views; Новые holds
   every incident here, the worst case) beside the plain counts (``WindowReads.view_counts``);
   target < 100 ms;
3. **bulk take of ``--bulk`` incidents** (default 1,000; ``Workstation.bulk_take``: one outbox
   mutation each, one savepoint each, one transaction); three times on different incidents,
   median; target 1,000 in < 1 s. Baseline in the same run: as many single
   ``Workstation.take`` calls (one transaction each).

Prints medians beside the targets; exits 0 whatever they are. The machine is shared (2 cores,
other jobs running): read the figures as orders of magnitude and compare with the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # local_ops_bench's store filler

REGION = "RU-SVE"
LOGIN = "sve.operator"


def _fill(directory: Path, count: int) -> None:
    """``local_ops_bench``'s store (all «Новый», nobody assigned), bound to an operator, with
    every other incident marked read."""
    from local_ops_bench import _fill as fill_new_incidents
    from sqlalchemy import select

    from cur_desktop.storage import operator_marks, sync_state
    from cur_desktop.storage.database import open_engine
    from cur_desktop.storage.tables import incident_table

    engine = open_engine(directory / "local.sqlite3")
    fill_new_incidents(engine, count)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, LOGIN)
        sync_state.set_state(conn, sync_state.KEY_ROLE, "operator")
        ids = [str(i) for i in conn.execute(select(incident_table.c.id)).scalars()]
        operator_marks.mark_seen(conn, LOGIN, ids[::2])
    engine.dispose()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def _measure(directory: Path, repeat: int, bulk_size: int) -> None:
    from cur_desktop.services.saved_views import SavedView
    from cur_desktop.services.window_reads import WindowReads
    from cur_desktop.services.workstation import Workstation
    from cur_desktop.storage.inbox import InboxFilter, InboxSort

    station = await Workstation.open(directory)
    try:
        snapshot = await station.inbox_snapshot(InboxFilter(), InboxSort.RECEIVED_DESC)
        keys = list(snapshot.rowids)
        step = max(len(keys) // repeat, 100)
        plain: list[float] = []
        marked: list[float] = []
        for n in range(repeat):
            page = keys[n * step : n * step + 100]
            start = time.perf_counter()
            await station.inbox_rows(page)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            await station.inbox_rows_with_marks(page)
            marked.append(time.perf_counter() - start)
        reads = WindowReads(station, REGION)
        counts: list[float] = []
        unread: list[float] = []
        found: dict[SavedView, int] = {}
        for _ in range(max(repeat // 4, 3)):
            start = time.perf_counter()
            await reads.view_counts(login=LOGIN)
            counts.append(time.perf_counter() - start)
            start = time.perf_counter()
            found = await reads.unread_counts(login=LOGIN)
            unread.append(time.perf_counter() - start)
        takes: list[float] = []
        for n in range(3):
            chosen = await station.inbox_rows(keys[n * bulk_size : (n + 1) * bulk_size])
            start = time.perf_counter()
            outcome = await station.bulk_take([r.id for r in chosen])
            takes.append(time.perf_counter() - start)
            assert len(outcome.done) == len(chosen), outcome.failures[:3]
        singles = await station.inbox_rows(keys[3 * bulk_size : 4 * bulk_size])
        start = time.perf_counter()
        for row in singles:
            await station.take(row.id)
        one_by_one = time.perf_counter() - start
    finally:
        await station.close()

    page_plain, page_marked = statistics.median(plain), statistics.median(marked)
    print(f"{'measure':52} {'median':>11}   target")
    print(f"{'list page of 100 rows, no marks (baseline)':52} {_ms(page_plain)}")
    print(
        f"{'list page of 100 rows with unread + reminders':52} {_ms(page_marked)}"
        f"   marks add < 5 ms (added {(page_marked - page_plain) * 1000:.1f} ms,"
        f" ×{page_marked / page_plain:.2f})"
    )
    print(f"{'saved-view counts (6 views, baseline)':52} {_ms(statistics.median(counts))}")
    print(
        f"{'unread counts of Мои + Новые':52} {_ms(statistics.median(unread))}   < 100 ms"
        f"  (found {found})"
    )
    bulk_median = statistics.median(takes)
    print(
        f"{f'bulk take of {bulk_size:,} incidents (one transaction)':52} {_ms(bulk_median)}"
        f"   1,000 in < 1000 ms ({bulk_median / bulk_size * 1000:.1f} ms an incident)"
    )
    print(
        f"{f'the same, {bulk_size:,} single takes (baseline)':52} {_ms(one_by_one)}"
        f"   bulk ×{one_by_one / bulk_median:.1f} faster"
    )


def main(argv: list[str] | None = None) -> int:
    """Fill a store, run the measurements, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="incidents in the store")
    parser.add_argument("--repeat", type=int, default=40, help="pages to time")
    parser.add_argument("--bulk", type=int, default=1000, help="incidents per bulk take")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inbox_marks-") as folder:
        directory = Path(folder)
        start = time.perf_counter()
        _fill(directory, args.count)
        print(f"store filled with {args.count:,} incidents in {time.perf_counter() - start:.1f} s")
        asyncio.run(_measure(directory, args.repeat, args.bulk))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
