"""Stress of the window loop's thread-safe path: worker threads wake the GUI thread while it is
busy with Qt calls that release the GIL (issue: segfault after a background sync).

The window crashed (exit 139) with the GUI thread inside ``QCoreApplication.translate`` and a
``concurrent.futures`` worker inside qasync's ``call_soon_threadsafe``, which emits a Qt signal
from that (non-Qt) thread. This script recreates the situation in a fresh process and runs it
``--runs`` times, counting the processes that died:

* ``--workers`` plain Python threads (a ``ThreadPoolExecutor``) complete ``run_in_executor``
  futures as fast as the loop takes them, and as many raw threads call
  ``loop.call_soon_threadsafe`` directly (what ``asyncio.wrap_future`` does for every database
  read and write);
* the GUI thread meanwhile translates strings, sets label texts and resets a table model
  (every one of these releases the GIL, so worker and GUI thread run Qt code at once).

``--loop qasync`` is qasync's own ``QEventLoop`` (the code before the fix), ``--loop gui`` is
``cur_desktop.ui.event_loop.GuiEventLoop``. Each run prints its counts; the parent prints the
exit codes, the crash count and the load average. ``--latency`` instead measures the wake-up
latency (``call_soon_threadsafe`` in a worker → callback running on the GUI thread) on an
otherwise idle loop and prints the median / 95th percentile / max in microseconds.

    QT_QPA_PLATFORM=offscreen python bench/loop_stress.py --loop qasync --runs 20 --seconds 6
    QT_QPA_PLATFORM=offscreen python bench/loop_stress.py --loop gui --runs 20 --seconds 6
    QT_QPA_PLATFORM=offscreen python bench/loop_stress.py --loop gui --latency
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def _make_loop(kind: str, app: Any) -> Any:
    if kind == "qasync":
        import qasync

        return qasync.QEventLoop(app)
    from cur_desktop.ui.event_loop import GuiEventLoop

    return GuiEventLoop(app)


def child(args: argparse.Namespace) -> int:
    """One process: stress for ``args.seconds`` and print the counts; exit 0 if it survived."""
    import asyncio
    import faulthandler
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QLabel, QTableView

    faulthandler.enable()
    if args.switch is not None:
        sys.setswitchinterval(args.switch)
    app = QApplication([sys.argv[0]])
    keep: list[object] = []
    if args.translations:  # the window's translators, so translate() really looks strings up
        from cur_desktop.ui.i18n import install_translations

        keep.extend(install_translations(app))
    loop = _make_loop(args.loop, app)
    asyncio.set_event_loop(loop)
    label = QLabel()
    model = QStandardItemModel()
    view = QTableView()
    view.setModel(model)
    view.show()
    label.show()
    counts = {"futures": 0, "threadsafe": 0, "gui": 0}
    stop = threading.Event()

    def job(i: int) -> int:
        return i * 2

    # at most 2,000 callbacks in flight: a flood the GUI thread cannot drain would only grow
    # the queue (qasync's loop starts a Qt timer per callback and falls behind)
    in_flight = threading.BoundedSemaphore(2000)

    def bump() -> None:
        counts["threadsafe"] += 1
        in_flight.release()

    def raw_thread() -> None:
        while not stop.is_set():
            if not in_flight.acquire(timeout=0.1):
                continue
            try:
                loop.call_soon_threadsafe(bump)
            except RuntimeError:
                return

    def short_lived() -> None:
        # new threads, each posting a few callbacks and ending (a thread Qt has not seen yet
        # is adopted on its first signal emission)
        while not stop.is_set():
            batch = [threading.Thread(target=post_few) for _ in range(4)]
            for t in batch:
                t.start()
            for t in batch:
                t.join()

    def post_few() -> None:
        for _ in range(10):
            if in_flight.acquire(timeout=0.1):
                loop.call_soon_threadsafe(bump)

    async def futures(pool: ThreadPoolExecutor) -> None:
        i = 0
        while not stop.is_set():
            batch = [loop.run_in_executor(pool, job, i + k) for k in range(args.workers * 4)]
            await asyncio.gather(*batch)
            counts["futures"] += len(batch)
            i += len(batch)

    async def gui() -> None:
        n = 0
        while not stop.is_set():
            for _ in range(50):
                text = QCoreApplication.translate("Labels", "Overdue")
                label.setText(f"{text} {n}")
                n += 1
            model.clear()  # a model reset
            for r in range(20):
                model.appendRow([QStandardItem(f"{r}:{n}"), QStandardItem("x")])
            counts["gui"] += 1
            await asyncio.sleep(0)

    async def main() -> None:
        pool = ThreadPoolExecutor(max_workers=args.workers, thread_name_prefix="stress")
        raws = [threading.Thread(target=raw_thread, daemon=True) for _ in range(args.workers)]
        if args.fresh:
            raws.append(threading.Thread(target=short_lived, daemon=True))
        for t in raws:
            t.start()
        tasks = [asyncio.ensure_future(futures(pool)), asyncio.ensure_future(gui())]
        await asyncio.sleep(args.seconds)
        stop.set()
        await asyncio.gather(*tasks)
        for t in raws:
            t.join()
        pool.shutdown(wait=True)

    with loop:
        loop.run_until_complete(main())
    print(f"COUNTS {counts}", flush=True)
    return 0


def latency(args: argparse.Namespace) -> int:
    """Wake-up latency of ``call_soon_threadsafe`` from a worker thread (idle GUI thread)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    loop = _make_loop(args.loop, app)
    asyncio.set_event_loop(loop)
    samples: list[float] = []

    def arrived(sent: float, done: asyncio.Event) -> None:
        samples.append(time.perf_counter() - sent)
        done.set()

    def worker(done: asyncio.Event) -> None:
        loop.call_soon_threadsafe(arrived, time.perf_counter(), done)

    async def main() -> None:
        # one long-lived worker thread, as the reader / writer pools are
        pool = ThreadPoolExecutor(max_workers=1)
        for _ in range(args.samples):
            done = asyncio.Event()
            pool.submit(worker, done)
            await done.wait()
            await asyncio.sleep(0.002)
        pool.shutdown()

    with loop:
        loop.run_until_complete(main())
    us = sorted(s * 1e6 for s in samples)
    print(
        f"latency {args.loop}: n={len(us)} median={statistics.median(us):.0f} us "
        f"p95={us[int(len(us) * 0.95) - 1]:.0f} us max={us[-1]:.0f} us "
        f"(load {_load().split()[0]})",
        flush=True,
    )
    return 0


def parent(args: argparse.Namespace) -> int:
    """Run the stress ``args.runs`` times in fresh processes and count the crashes."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    codes: list[int] = []
    started = time.monotonic()
    for i in range(args.runs):
        cmd = [sys.executable, __file__, "--child", "--loop", args.loop]
        cmd += ["--seconds", str(args.seconds), "--workers", str(args.workers)]
        if args.switch is not None:
            cmd += ["--switch", str(args.switch)]
        if args.fresh:
            cmd.append("--fresh")
        if args.translations:
            cmd.append("--translations")
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        codes.append(proc.returncode)
        tail = proc.stdout.strip().splitlines()[-1:] or proc.stderr.strip().splitlines()[:1]
        print(f"run {i + 1}: exit {proc.returncode} {tail[0] if tail else ''}", flush=True)
        if proc.returncode != 0 and args.dumps:
            Path(args.dumps).mkdir(parents=True, exist_ok=True)
            (Path(args.dumps) / f"{args.loop}-{i + 1}.txt").write_text(proc.stderr)
    crashes = sum(1 for c in codes if c != 0)
    print(
        f"loop={args.loop} runs={args.runs} seconds={args.seconds} workers={args.workers} "
        f"fresh={args.fresh} translations={args.translations} crashes={crashes} "
        f"exit codes={sorted(set(codes))} "
        f"wall={time.monotonic() - started:.0f}s load={_load()}",
        flush=True,
    )
    return 1 if crashes else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--loop", choices=("qasync", "gui"), default="gui")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--switch", type=float, default=None, help="sys.setswitchinterval (s)")
    p.add_argument("--dumps", default=None, help="folder for the stderr of crashed runs")
    p.add_argument("--fresh", action="store_true", help="also short-lived posting threads")
    p.add_argument("--translations", action="store_true", help="the window's translators")
    p.add_argument("--latency", action="store_true")
    p.add_argument("--samples", type=int, default=500)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.latency:
        return latency(args)
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
