"""The Сроки board stays live: a colleague's change made through a REAL server reaches a
supervisor's window by background sync (poke stream → pull → change event → board re-read)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from cur_desktop.services import ChangeOrigin, Changes
from cur_desktop.services.deadline_groups import GroupField, ShowMode
from cur_desktop.services.outcomes import WorkstationEvent
from cur_desktop.sync.events import UpToDate
from cur_desktop.ui import deadline_board
from cur_desktop.ui.deadline_board import GROUP_ROLE, DeadlineBoard
from cur_desktop.ui.main_window import MainWindow
from tests.helpers.live import REGION, ingest
from tests.helpers.server_process import ServerProcess
from tests.services.test_workstation_live import open_logged_in
from tests.ui.conftest import run_qt, until


def test_a_colleagues_take_arrives_on_the_supervisors_board(
    qapp: QApplication,
    qtbot: QtBot,
    server: ServerProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the board's clock re-reads it every 30 s: off here, so only the sync's change event can
    # bring the take within the waits below
    monkeypatch.setattr(deadline_board, "TICK_MS", 3_600_000)
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

            def takes_of_ivanova() -> int:
                summary = board.summary
                groups = () if summary is None else summary.groups
                return next((g.counts[ShowMode.ALL] for g in groups if g.key == "ivanova"), 0)

            # The shared server's region may hold hundreds of open incidents from other tests
            # (then the board opens no group by itself), so the test reads the group counts and
            # opens the colleague's group as the supervisor would. The board starts reading
            # after the inbox has shown rows: slow on a loaded machine.
            board.group.setCurrentIndex(board.group.findData(GroupField.ASSIGNEE.value))
            await until(
                lambda: board.summary is not None and board.summary.open_total >= 1,
                timeout=60,
                what="the synced region on the board",
            )
            assert board.supervisor
            taken_before = takes_of_ivanova()
            assert getattr(row(), "assignee", None) is None  # nobody has it yet
            seen = len(pulled)

            await ivanova.take(incident_id)  # the colleague, on her own workstation
            await ivanova.sync_now()

            await until(
                lambda: takes_of_ivanova() == taken_before + 1,
                timeout=30,
                what="the colleague's group counting her take",
            )
            group = _top_item(board, "ivanova")
            assert group is not None
            group.setExpanded(True)  # a no-op when the board opened every group itself
            await until(
                lambda: getattr(row(), "assignee", None) == "ivanova",
                timeout=30,
                what="the colleague's take among her group's rows",
            )
            # it came by sync (a pulled change), not by an operation of this window
            assert any(incident_id in e.incident_ids for e in pulled[seen:])
        finally:
            window.close()
            await boss.close()
            await ivanova.close()

    run_qt(qapp, body)


def _top_item(board: DeadlineBoard, key: str) -> QTreeWidgetItem | None:
    """The board's row of the group ``key`` (a login, when grouped by operator)."""
    for index in range(board.tree.topLevelItemCount()):
        item = board.tree.topLevelItem(index)
        if item is not None and item.data(0, GROUP_ROLE) == key:
            return item
    return None
