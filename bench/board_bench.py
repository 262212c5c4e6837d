"""Сроки board bench: one board refresh and the window's memory with N open incidents of a region.

Builds (once, cached under ``--cache``) a local store with ``--count`` open incidents of RU-TUL
(``tests.helpers.row_factories.make_unanswered_row`` + ``storage.incidents.bulk_insert_incidents``;
deadlines spread over three days around now, so every breach bucket holds some), then measures
the REAL board widget (``ui.deadline_board.DeadlineBoard`` over a ``Workstation``, offscreen,
shown, on a qasync loop) in fresh subprocesses, for two code trees in the same run:

- ``before``: the branch point's ``cur_desktop`` (``git archive``; default: the merge-base
  with ``main``), which read every open incident and built a tree item for each;
- ``after``: this checkout's.

Figures: first read (attach → ``loaded``), the median of ``--repeat`` refreshes
(``reload()`` → ``loaded``: what one coalesced change event costs), for ``after`` also the
expansion of the biggest group (first page of 200 rows); resident memory (VmRSS) before the
board, after it, and its growth. Targets: refresh < 200 ms, growth < 50 MB at 100,000.

    .venv/bin/python bench/board_bench.py --count 100000 --cache /tmp/board-bench
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "RU-TUL"
REFRESH_TARGET_MS = 200.0
GROWTH_TARGET_MB = 50.0
NONE_PIN = 1 << 40


# --------------------------------------------------------------------------- the store


def build_store(profile: Path, count: int) -> None:
    """A profile whose store holds ``count`` open incidents of RU-TUL (built in chunks)."""
    import random
    from datetime import UTC, datetime, timedelta

    sys.path.insert(0, str(ROOT))
    from cur_desktop.domain.enums import Status
    from cur_desktop.storage import sync_state
    from cur_desktop.storage.database import open_engine
    from cur_desktop.storage.incidents import bulk_insert_incidents
    from cur_desktop.sync.profile import DB_FILE_NAME
    from tests.helpers.row_factories import make_unanswered_row

    open_statuses = [s for s in Status if s not in (Status.CLOSED, Status.REJECTED)]
    rng = random.Random(7)
    now = datetime.now(UTC)
    profile.mkdir(parents=True, exist_ok=True)
    engine = open_engine(profile / DB_FILE_NAME)
    chunk = 10_000
    for start in range(0, count, chunk):
        rows = []
        for _ in range(min(chunk, count - start)):
            received = now - timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
            due = received + timedelta(hours=8) if rng.random() < 0.95 else None
            rows.append(
                make_unanswered_row(
                    rng,
                    due,
                    region_code=REGION,
                    status=rng.choice(open_statuses),
                    received_at=received,
                )
            )
        with engine.begin() as conn:
            bulk_insert_incidents(conn, rows)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "boss")
        sync_state.set_state(conn, sync_state.KEY_ROLE, "supervisor")
        sync_state.set_state(conn, sync_state.KEY_REGION, REGION)
    engine.dispose()


# --------------------------------------------------------------------------- the board process


def measure(code: Path, profile: Path, repeat: int) -> dict[str, Any]:
    """In this (fresh) process: the board of ``code``'s tree over ``profile``; figures."""
    sys.path.insert(0, str(code))
    import cur_desktop

    sys.path.append(str(ROOT))
    import asyncio
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QApplication

    from bench.ui_bench import _rss_mb
    from cur_desktop.services.workstation import Workstation
    from cur_desktop.ui.deadline_board import DeadlineBoard

    try:
        from cur_desktop.ui.event_loop import GuiEventLoop as WindowLoop
    except ImportError:  # an older code tree measured as the baseline
        from qasync import QEventLoop as WindowLoop

    assert Path(cur_desktop.__file__).resolve().is_relative_to(code.resolve())
    # PySide6 6.12 on CPython 3.11 drops a reference to None on every call of a Qt method that
    # returns nothing (see the README): the old board aborts («none_dealloc») after a few
    # thousand rows drawn. Both trees run with None's count raised, so both can be measured;
    # what each refresh loses is reported.
    ctypes.c_ssize_t.from_address(id(None)).value += NONE_PIN
    app = QApplication.instance() or QApplication([])
    loop = WindowLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    out: dict[str, Any] = {}

    async def body() -> None:
        ws = await Workstation.open(profile)
        board = DeadlineBoard()
        board.resize(1366, 700)
        board.show()
        done = asyncio.Event()
        board.loaded.connect(done.set)
        out["rss_before_mb"] = _rss_mb()
        out["private_before_mb"] = _rss_mb("RssAnon")

        async def timed(action: Any) -> float:
            done.clear()
            start = time.perf_counter()
            action()
            await done.wait()
            app.processEvents()  # the repaint
            return (time.perf_counter() - start) * 1000

        out["first_ms"] = await timed(lambda: board.attach(ws, REGION, "boss", supervisor=True))

        def refresh() -> None:
            board._drawn_at = datetime.min.replace(tzinfo=UTC)  # redraw even if unchanged
            board.reload()

        nones = sys.getrefcount(None)
        out["refresh_ms"] = [await timed(refresh) for _ in range(repeat)]
        out["none_refs_lost_per_refresh"] = (nones - sys.getrefcount(None)) / max(1, repeat)
        if hasattr(board, "summary"):  # the grouped board: open the biggest group
            assert board.summary is not None
            groups = board.summary.shown(board.mode)  # in tree order
            biggest = max(range(len(groups)), key=lambda n: groups[n].counts[board.mode])
            top = board.tree.topLevelItem(biggest)
            assert top is not None
            out["expand_ms"] = await timed(lambda: top.setExpanded(True))
            out["rows_after_expand"] = len(board.rows)
            nones = sys.getrefcount(None)
            out["refresh_open_ms"] = [await timed(refresh) for _ in range(repeat)]
            out["none_refs_lost_open"] = (nones - sys.getrefcount(None)) / max(1, repeat)
        out["rows_held"] = len(board.rows)
        out["tree_groups"] = board.tree.topLevelItemCount()
        out["rss_after_mb"] = _rss_mb()
        out["private_growth_mb"] = _rss_mb("RssAnon") - out["private_before_mb"]
        out["rss_peak_mb"] = _rss_mb("VmHWM")
        board.cancel_tasks()
        await ws.close()

    try:
        loop.run_until_complete(body())
    finally:
        loop.close()
    return out


# --------------------------------------------------------------------------- the report


def _run_child(code: Path, profile: Path, repeat: int, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, __file__, "--child", str(code), "--profile", str(profile)]
    command += ["--repeat", str(repeat)]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"not done in {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        fatal = [line for line in done.stderr.splitlines() if line.startswith("Fatal Python")]
        return {"error": (fatal or done.stderr.strip().splitlines()[-1:])[0][:60]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _export(ref: str, into: Path) -> Path:
    """``ref``'s ``cur_desktop`` tree, extracted under ``into``."""
    archive = into / "code.tar"
    with archive.open("wb") as handle:
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "cur_desktop", "resources"],
            stdout=handle,
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def _merge_base() -> str:
    command = ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def _verdict(value: float, target: float) -> str:
    return "MET" if value < target else "MISSED"


def report(results: dict[str, dict[str, Any]], count: int) -> None:
    """Print the figures of both trees and the targets."""
    print(f"\nСроки board, {count:,} open incidents of {REGION} (offscreen, shown)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared)")
    print(f"{'figure':44} {'target':>10} {'before':>16} {'after':>16}")
    rows: list[tuple[str, str, str]] = [
        ("first read (attach → shown), ms", "-", "first_ms"),
        ("refresh (reload → shown), median, ms", f"< {REFRESH_TARGET_MS:.0f}", "refresh_ms"),
        ("expand the biggest group (200 rows), ms", "-", "expand_ms"),
        (
            "refresh with that group open, median, ms",
            f"< {REFRESH_TARGET_MS:.0f}",
            "refresh_open_ms",
        ),
        ("RSS before the board, MB", "-", "rss_before_mb"),
        ("RSS after the refreshes, MB", "-", "rss_after_mb"),
        ("RSS growth by the board, MB", f"< {GROWTH_TARGET_MB:.0f}", "growth"),
        ("of it private (RssAnon; the rest: SQLite mmap pages)", "-", "private_growth_mb"),
        ("RSS peak (VmHWM), MB", "-", "rss_peak_mb"),
        ("None refs lost per refresh (PySide6 bug)", "-", "none_refs_lost_per_refresh"),
        ("None refs lost per refresh, group open", "-", "none_refs_lost_open"),
        ("incident rows held by the board", "-", "rows_held"),
    ]
    for label, target, key in rows:
        cells = []
        for side in ("before", "after"):
            r = results[side]
            if "error" in r:
                cells.append("CRASHED" if "none_dealloc" in str(r["error"]) else "ERROR")
                continue
            value: Any
            if key == "growth":
                value = r["rss_after_mb"] - r["rss_before_mb"]
            elif key in {"refresh_ms", "refresh_open_ms"} and key in r:
                value = statistics.median(r[key])
            else:
                value = r.get(key, "-")
            text = f"{value:,.0f}" if isinstance(value, float | int) else str(value)
            if key == "growth" and isinstance(value, float):
                text += " " + _verdict(value, GROWTH_TARGET_MB)
            if key in {"refresh_ms", "refresh_open_ms"} and isinstance(value, float):
                text += " " + _verdict(value, REFRESH_TARGET_MS)
            cells.append(text)
        print(f"{label:44} {target:>10} {cells[0]:>16} {cells[1]:>16}")


def main(argv: list[str] | None = None) -> int:
    """Build the store once, measure both trees, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/board-bench"))
    parser.add_argument(
        "--before-ref", help="git ref of the 'before' tree (default: merge-base with main)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900.0, help="per process, s")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child, args.profile, args.repeat)))
        return 0
    profile = args.cache / f"profile-{args.count}"
    if not (profile / "ready").exists():
        start = time.perf_counter()
        build_store(profile, args.count)
        (profile / "ready").write_text("ok")
        print(f"store built in {time.perf_counter() - start:.0f} s: {profile}")
    with tempfile.TemporaryDirectory(prefix="board-before-") as tmp:
        ref = args.before_ref or _merge_base()
        print(f"before = {ref}, after = this checkout ({ROOT})")
        before_code = _export(ref, Path(tmp))
        results = {
            "before": _run_child(before_code, profile, max(1, args.repeat // 2), args.timeout),
            "after": _run_child(ROOT, profile, args.repeat, args.timeout),
        }
    print(json.dumps(results))
    report(results, args.count)
    for side, result in results.items():
        if "error" in result:
            print(f"{side}: {result['error']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
