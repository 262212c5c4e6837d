"""Cost of the Сроки board's row timer: one page of 200 rows, working-time timer vs the old text.

The board draws rows only for its expanded groups, a page of 200 at a time; each row's timer is
now the inbox's (``services.timers.timer_for`` on the region's calendar, ``ui.format.timer_text``
and the two-clock tooltip) instead of ``format.time_left_text(due - now)``. Prints the median
wall and CPU time of 9 passes over 200 rows with deadlines spread over ±3 days (RU-TUL).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/board_row_timer_bench.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 200
PASSES = 9


def main() -> int:
    """Time both ways of writing the timers of one page."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from cur_desktop.domain.deadlines import Band
    from cur_desktop.domain.enums import Status
    from cur_desktop.services.timers import timer_for
    from cur_desktop.ui import format as fmt
    from cur_desktop.ui.inbox_model import timer_tooltip

    now = datetime.now(UTC)
    rng = random.Random(1)
    dues = [now + timedelta(minutes=rng.randint(-3 * 1440, 3 * 1440)) for _ in range(ROWS)]

    def working() -> None:
        for due in dues:
            row = {
                "current_due": due,
                "current_warn_at": None,
                "status": Status.SENT_TO_EXECUTOR,
                "region_code": "RU-TUL",
            }
            timer = timer_for(row, now)
            assert timer is not None
            fmt.timer_text(timer.working, overdue=timer.band is Band.OVERDUE)
            timer_tooltip(timer)

    def calendar() -> None:
        for due in dues:
            fmt.time_left_text(due - now)

    runs: list[tuple[str, Callable[[], None]]] = [
        ("before: calendar text", calendar),
        ("after: working-time timer + tooltip", working),
    ]
    for name, fn in runs:
        fn()
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(PASSES):
            w, c = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        print(
            f"{name:38} {ROWS} rows: median wall {statistics.median(wall) * 1000:.1f} ms, "
            f"CPU {statistics.median(cpu) * 1000:.1f} ms"
        )
    with open("/proc/loadavg") as handle:
        print("load average", handle.read().split()[:3])
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
