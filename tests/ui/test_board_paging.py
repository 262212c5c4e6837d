"""The Сроки board over the hand-counted store (tests/services/hand_data): a big board keeps
its groups collapsed and reads a group's rows only when expanded, a page at a time; change
events are coalesced and wait while the board is hidden.

Open incidents by hand: petrov has c (overdue since March) and i (due 1 h ago), ivanova has h
(due in 30 min); petrov's group is first (its first deadline is the earliest).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from cur_desktop.domain.enums import Role
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui import deadline_board
from cur_desktop.ui.deadline_board import MORE_ROLE, DeadlineBoard
from tests.ui.conftest import run_qt, until
from tests.ui.test_supervision_ui import make_profile


def _more_item(top: QTreeWidgetItem) -> QTreeWidgetItem | None:
    for index in range(top.childCount()):
        child = top.child(index)
        if child.data(0, MORE_ROLE):
            return child
    return None


def test_a_big_board_reads_a_group_only_when_expanded_and_by_the_page(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadline_board, "AUTO_EXPAND_ROWS", 1)  # 3 open: "big"
    monkeypatch.setattr(deadline_board, "PAGE_ROWS", 1)
    profile, ids = make_profile(tmp_path, "boss", Role.SUPERVISOR)

    async def body() -> None:
        ws = await Workstation.open(profile)
        board = DeadlineBoard()
        qtbot.addWidget(board)
        board.show()
        try:
            board.attach(ws, "RU-TUL", "boss", supervisor=True)
            await until(lambda: board.tree.topLevelItemCount() == 2, what="groups")
            assert board.counts.text().startswith("Открыто: 3 · просрочено: 2 ·")
            petrov, ivanova = (board.tree.topLevelItem(i) for i in range(2))
            assert (petrov.text(0), ivanova.text(0)) == ("petrov", "ivanova")
            assert petrov.text(6) == "открыто 2, просрочено 2"
            assert board.rows == []  # collapsed: not read
            assert petrov.childCount() == 0

            petrov.setExpanded(True)  # the person opens the group
            await until(lambda: len(board.rows) == 1, what="first page")
            assert [r.incident_id for r in board.rows] == [ids["c"]]
            petrov = board.tree.topLevelItem(0)
            more = _more_item(petrov)
            assert more is not None
            assert more.text(0) == "Показать ещё (осталось 1)"

            board.tree.itemClicked.emit(more, 0)
            await until(lambda: len(board.rows) == 2, what="next page")
            assert [r.incident_id for r in board.rows] == [ids["c"], ids["i"]]
            assert _more_item(board.tree.topLevelItem(0)) is None

            board.tree.topLevelItem(0).setExpanded(False)
            assert board.rows == []  # collapsing drops the group's rows
        finally:
            board.cancel_tasks()
            await ws.close()

    run_qt(qapp, body)


def test_changes_are_coalesced_and_wait_while_the_board_is_hidden(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadline_board, "REFRESH_INTERVAL_MS", 300)
    profile, _ids = make_profile(tmp_path, "boss", Role.SUPERVISOR)

    async def body() -> None:
        ws = await Workstation.open(profile)
        board = DeadlineBoard()
        qtbot.addWidget(board)
        loads: list[int] = []
        board.loaded.connect(lambda: loads.append(1))
        try:
            board.attach(ws, "RU-TUL", "boss", supervisor=True)  # the first read, even hidden
            await until(lambda: len(loads) == 1, what="first read")
            for _ in range(50):
                board.on_incidents_changed(["x"])
            assert not board._refresh_timer.isActive()  # hidden: nothing is read
            assert board._dirty

            board.show()  # shown: it catches up, once
            assert board._refresh_timer.isActive()
            await until(lambda: len(loads) == 2, what="catch-up read")
            for _ in range(50):  # a burst while shown: one read
                board.on_incidents_changed(["x"])
            await until(lambda: len(loads) == 3, what="coalesced read")
            assert not board._refresh_timer.isActive()
            assert not board._dirty
        finally:
            board.cancel_tasks()
            await ws.close()

    run_qt(qapp, body)
