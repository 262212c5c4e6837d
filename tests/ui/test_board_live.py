"""The Сроки board stays live: a colleague's change made through a REAL server reaches a
supervisor's window by background sync (poke stream → pull → change event → board re-read)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.services import ChangeOrigin, Changes
from cur_desktop.services.outcomes import WorkstationEvent
from cur_desktop.sync.events import UpToDate
from cur_desktop.ui.main_window import MainWindow
from tests.helpers.live import REGION, ingest
from tests.helpers.server_process import ServerProcess
from tests.services.test_workstation_live import open_logged_in
from tests.ui.conftest import run_qt, until


def test_a_colleagues_take_arrives_on_the_supervisors_board(
    qapp: QApplication, qtbot: QtBot, server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)

    async def body() -> None:
        ivanova = await open_logged_in(tmp_path / "ivanova", server, "ivanova")
        boss = await open_logged_in(tmp_path / "boss", server, "boss")
        caught_up = asyncio.Event()
        pulled: list[Changes] = []

        def on_event(event: WorkstationEvent) -> None:
            if isinstance(event, UpToDate):
                caught_up.set()
            if isinstance(event, Changes) and event.origin is ChangeOrigin.PULLED:
                pulled.append(event)

        window = MainWindow()
        qtbot.addWidget(window)
        try:
            await ivanova.sync_now()
            boss.subscribe(on_event)
            window.attach(boss, await boss.session_info())
            board = window.supervision.board
            window.show()  # a hidden board re-reads on changes only once shown
            window.tabs.setCurrentWidget(board)
            boss.start_sync()  # poll_interval 300 s: only the server's poke brings it fast
            await asyncio.wait_for(caught_up.wait(), 30)
            assert await boss.wait_live(30)

            def row() -> object:
                return next((r for r in board.rows if r.incident_id == incident_id), None)

            # the board starts reading after the inbox has shown rows: slow on a loaded machine
            await until(lambda: row() is not None, timeout=60, what="the incident on the board")
            assert board.supervisor
            assert getattr(row(), "assignee", "?") is None  # nobody has it yet
            seen = len(pulled)

            await ivanova.take(incident_id)  # the colleague, on her own workstation
            await ivanova.sync_now()

            await until(
                lambda: getattr(row(), "assignee", None) == "ivanova",
                timeout=30,
                what="the colleague's take on the board",
            )
            # it came by sync (a pulled change), not by an operation of this window
            assert any(incident_id in e.incident_ids for e in pulled[seen:])
            grouped = board.tree.topLevelItemCount()
            assert grouped >= 1
        finally:
            window.close()
            await boss.close()
            await ivanova.close()

    run_qt(qapp, body)
