"""The window loop's thread-safe path (ui/event_loop.py): worker threads schedule callbacks on
the GUI thread without a single Qt call of their own (PYSIDE-3124: a signal emitted from a
thread Qt did not start crashed the window after a background sync)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from cur_desktop.ui.bridge import CoreBridge
from cur_desktop.ui.event_loop import GuiEventLoop
from tests.ui.conftest import until

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


def _run(loop: Any, make: Callable[[], Awaitable[T]]) -> T:
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(make())  # type: ignore[no-any-return]
    finally:
        loop.close()
        asyncio.set_event_loop(None)


class QtCallsOffGui:
    """Records every call into PySide6 / shiboken6 made by a thread started while active."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def _profile(self, _frame: FrameType, event: str, arg: object) -> None:
        if event != "c_call":
            return
        module = getattr(arg, "__module__", None) or type(getattr(arg, "__self__", None)).__module__
        if module and module.split(".")[0] in ("PySide6", "shiboken6"):
            name = getattr(arg, "__qualname__", repr(arg))
            self.calls.append((threading.current_thread().name, name))

    def __enter__(self) -> QtCallsOffGui:
        threading.setprofile(self._profile)  # type: ignore[arg-type]
        return self

    def __exit__(self, *_exc: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]


@pytest.fixture
def qt_calls_off_gui() -> Iterator[QtCallsOffGui]:
    with QtCallsOffGui() as recorder:
        yield recorder


def test_many_threads_each_callback_once_on_the_gui_thread_in_order(qapp: QApplication) -> None:
    threads, per_thread = 8, 400
    gui = threading.get_ident()
    seen: list[tuple[int, int, int]] = []
    loop = GuiEventLoop(qapp)

    def record(worker: int, seq: int) -> None:
        seen.append((worker, seq, threading.get_ident()))

    def post(worker: int) -> None:
        for seq in range(per_thread):
            loop.call_soon_threadsafe(record, worker, seq)

    async def body() -> None:
        workers = [threading.Thread(target=post, args=(w,)) for w in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        await until(lambda: len(seen) >= threads * per_thread, what="every callback")
        await asyncio.sleep(0.05)  # a duplicate would arrive now

    _run(loop, body)
    assert len(seen) == 3200  # 8 threads × 400, each once
    assert {ident for _, _, ident in seen} == {gui}
    for worker in range(threads):
        assert [s for w, s, _ in seen if w == worker] == list(range(per_thread))


def test_a_callback_scheduled_while_the_gui_thread_is_busy_runs_after(qapp: QApplication) -> None:
    order: list[str] = []
    loop = GuiEventLoop(qapp)
    posted = threading.Event()

    def worker() -> None:
        loop.call_soon_threadsafe(order.append, "callback")
        posted.set()

    async def body() -> None:
        t = threading.Thread(target=worker)
        t.start()
        posted.wait()  # the GUI thread is busy (blocked) while the callback is scheduled
        t.join()
        order.append("busy work done")
        await until(lambda: "callback" in order, what="the callback")

    _run(loop, body)
    assert order == ["busy work done", "callback"]


def test_executor_results_reach_the_loop_without_qt_calls_on_workers(
    qapp: QApplication, qt_calls_off_gui: QtCallsOffGui
) -> None:
    loop = GuiEventLoop(qapp)

    async def body() -> list[int]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(
                await asyncio.gather(*(loop.run_in_executor(pool, pow, i, 2) for i in range(200)))
            )

    squares = _run(loop, body)
    assert squares == [i * i for i in range(200)]
    assert qt_calls_off_gui.calls == []


def test_the_detector_sees_qasyncs_own_signal_from_a_worker(
    qapp: QApplication, qt_calls_off_gui: QtCallsOffGui
) -> None:
    """The check above can fail: qasync's loop emits a Qt signal on the calling thread."""
    loop = qasync.QEventLoop(qapp)
    done: list[int] = []

    async def body() -> None:
        t = threading.Thread(target=loop.call_soon_threadsafe, args=(done.append, 1), name="w1")
        t.start()
        t.join()
        await until(lambda: done == [1], what="the callback")

    _run(loop, body)
    assert ("w1", "SignalInstance.emit") in qt_calls_off_gui.calls


def test_bridge_delivers_a_worker_threads_event_on_the_gui_thread(
    qapp: QApplication, qt_calls_off_gui: QtCallsOffGui
) -> None:
    gui = threading.get_ident()
    got: list[tuple[object, int]] = []
    loop = GuiEventLoop(qapp)

    async def body() -> None:
        bridge = CoreBridge()
        bridge.core_event.connect(lambda e: got.append((e, threading.get_ident())))
        t = threading.Thread(target=bridge.deliver, args=("синхронизировано",), name="sync")
        t.start()
        t.join()
        await until(lambda: bool(got), what="the event")

    _run(loop, body)
    assert got == [("синхронизировано", gui)]
    assert qt_calls_off_gui.calls == []


def test_closing_with_pending_callbacks_drops_them_and_later_calls_raise(
    qapp: QApplication,
) -> None:
    ran: list[int] = []
    loop = GuiEventLoop(qapp)
    asyncio.set_event_loop(loop)
    loop.run_until_complete(asyncio.sleep(0))

    def post() -> None:
        for i in range(500):
            loop.call_soon_threadsafe(ran.append, i)

    # the loop is stopped: these wait for a turn that never comes
    posters = [threading.Thread(target=post) for _ in range(4)]
    for t in posters:
        t.start()
    for t in posters:
        t.join()
    refused: list[BaseException] = []
    racing_started = threading.Event()

    def racing() -> None:
        # keeps posting while the loop closes, until it is told the loop is closed
        while True:
            try:
                loop.call_soon_threadsafe(ran.append, -1)
            except RuntimeError as exc:
                refused.append(exc)
                return
            racing_started.set()

    racer = threading.Thread(target=racing)
    racer.start()
    racing_started.wait()
    loop.close()
    racer.join()
    asyncio.set_event_loop(None)
    qapp.processEvents()
    assert ran == []
    assert loop.is_closed()
    assert [str(e) for e in refused] == ["Event loop is closed"]
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon_threadsafe(ran.append, 1)
    loop.close()  # twice is harmless


@pytest.mark.slow
def test_stress_subprocess_survives(tmp_path: Path) -> None:
    """The scenario of the crash, in a fresh process: workers flooding the loop while the GUI
    thread translates, sets label texts and resets a model. Exit code 0 means it survived."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, str(ROOT / "bench" / "loop_stress.py"), "--loop", "gui", "--runs", "3"]
    cmd += ["--seconds", "4", "--fresh", "--switch", "0.0002", "--dumps", str(tmp_path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "crashes=0" in done.stdout


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_worker_threads_run_below_the_gui_thread_once_the_window_enables_it(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """storage/thread_priority.py: the loop's default executor and the store's writer and
    readers start their threads BACKGROUND_NICENESS nicer than the GUI thread, and only after
    ``enable`` (the command line and the server keep plain priorities)."""
    from cur_desktop.storage import thread_priority
    from cur_desktop.storage.database import DbReaders, DbWriter, open_engine

    monkeypatch.setattr(thread_priority, "_ENABLED", threading.Event())
    gui = _own_nice()
    expected = min(19, gui + thread_priority.BACKGROUND_NICENESS)
    plain = GuiEventLoop(qapp)
    assert _run(plain, lambda: asyncio.to_thread(_own_nice)) == gui

    thread_priority.enable()
    loop = GuiEventLoop(qapp)
    engine = open_engine(tmp_path / "store.db")
    writer, readers = DbWriter(engine), DbReaders(engine)
    try:
        assert _run(loop, lambda: asyncio.to_thread(_own_nice)) == expected
        assert writer.submit(lambda _conn: _own_nice()).result(timeout=30) == expected
        assert readers.submit(lambda _conn: _own_nice()).result(timeout=30) == expected
    finally:
        writer.close()
        readers.close()
        engine.dispose()
    assert _own_nice() == gui  # the GUI thread itself is untouched
