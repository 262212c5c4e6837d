"""``cur-desktop --demo --role supervisor`` in-process: the supervisor signs in, Сроки fills.

Runs the composition root's own window entry (``app._window_main``, without the
single-instance server): what ``cur-desktop --demo --role supervisor`` runs after parsing its
arguments (the parsing is covered in ``tests/unit/test_window_logic.py``), on the test's
qasync loop, with a smaller demo history (7 days instead of 90) to keep it cheap. The demo
server is a real process; the window is the real one, offscreen. Closing the window ends the
run (demo server stopped, folder kept).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import signal
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from cur_desktop import app
from cur_desktop.demo import window_demo
from cur_desktop.domain.enums import Role, Status
from cur_desktop.ui.main_window import MainWindow
from tests.ui.conftest import run_qt, until

pytestmark = [pytest.mark.ui, pytest.mark.slow]  # a real demo server process


def _main_window(qapp: QApplication) -> MainWindow | None:
    found = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    return found[0] if found else None


def test_demo_role_supervisor_signs_in_the_supervisor_and_the_board_shows_the_region(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = functools.partial(window_demo.start_demo_server, days=7, per_day=2)
    monkeypatch.setattr(window_demo, "start_demo_server", small)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    excepthook = sys.excepthook  # the window installs its crash dialog there
    # Qt objects earlier tests left for the collector are collected here, on the GUI thread,
    # not later in the thread that seeds the demo (Qt warns about timers of another thread).
    gc.collect()
    supervisor, region = window_demo.demo_login("supervisor")

    async def body() -> None:
        run = asyncio.ensure_future(
            app._window_main(True, tmp_path / "demo", "supervisor", None, None)
        )
        window: MainWindow | None = None
        try:
            await until(lambda: _main_window(qapp) is not None, what="the window at once")
            window = _main_window(qapp)
            assert window is not None
            await until(lambda: window.ws is not None, timeout=120, what="signed in")
            assert window.ws is not None
            info = await window.ws.session_info()
            assert info.login == supervisor
            assert info.role is Role.SUPERVISOR
            assert info.region_code == region
            assert supervisor in window.windowTitle()
            board = window.supervision.board
            window.tabs.setCurrentWidget(board)  # a hidden board does not read (it catches up
            # when shown)
            await until(lambda: len(board.rows) >= 5, timeout=120, what="the board filled")
            rows = list(board.rows)
            assert all(r.status not in (Status.CLOSED, Status.REJECTED) for r in rows)
            for row in rows[:20]:  # every incident shown is of the supervisor's region
                detail = await window.ws.incident(row.incident_id)
                assert detail.incident.region_code == region
            # the whole region's board, not only the supervisor's own incidents
            assert {r.assignee for r in rows} - {None, supervisor}
            assert window.tabs.tabText(window.tabs.currentIndex()) == "Сроки"
        finally:
            if window is not None:
                window.close()
            assert await asyncio.wait_for(run, 60) == 0

    try:
        run_qt(qapp, body)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        sys.excepthook = excepthook
        gc.collect()
