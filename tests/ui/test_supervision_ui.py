"""Сроки and Статистика in the real window over a hand-counted store (tests/services/hand_data)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from cur_desktop.domain.enums import AnswerKind, AnswerState, Role
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.stats_groups import GroupBy
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.main_window import MainWindow
from tests.services.hand_data import hand_rows
from tests.ui.conftest import run_qt, until

MARCH = LocalPeriod("Europe/Moscow", PeriodKind.MONTH, date(2026, 3, 1))
MINUS = "\u2212"


def make_profile(
    tmp_path: Path, login: str, role: Role, *, routed: tuple[str, ...] = ()
) -> tuple[Path, dict[str, str]]:
    """``routed``: letters of rows given an executor (a solution answer needs one)."""
    profile = tmp_path / f"profile-{login}"
    profile.mkdir()
    engine = open_engine(profile / DB_FILE_NAME)
    rows = hand_rows(datetime.now(UTC))
    for key in routed:
        rows[key]["executor_id"] = "ex-roads"
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows.values())
        sync_state.set_state(conn, sync_state.KEY_LOGIN, login)
        sync_state.set_state(conn, sync_state.KEY_ROLE, role.value)
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
    engine.dispose()
    return profile, {k: str(r["id"]) for k, r in rows.items()}


def _shown(window: MainWindow) -> set[str | None]:
    """Ids of the rows the inbox list shows (``None``: a row not loaded yet)."""
    assert window.inbox is not None
    model = window.inbox.model
    return {model.incident_id(r) for r in range(model.rowCount())}


def show_board(window: MainWindow) -> None:
    """Show the window on the Сроки tab: a hidden board re-reads on changes only when shown."""
    window.show()
    window.tabs.setCurrentWidget(window.supervision.board)


def _info(login: str, role: Role) -> SessionInfo:
    return SessionInfo(
        login=login, role=role, region_code="RU-TUL", server_url=None, can_sync=False
    )


def test_statistics_tab_shows_the_hand_counted_figures(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, ids = make_profile(tmp_path, "boss", Role.SUPERVISOR)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, _info("boss", Role.SUPERVISOR))
            tab = window.supervision.statistics
            tab.set_period(MARCH)
            await until(
                lambda: tab.report is not None and tab.report.period == MARCH, what="report"
            )
            cards = tab.cards
            assert cards["registered"].value.text() == "5"
            assert cards["mean_first_answer"].value.text() == "2 ч 00 мин"
            assert cards["mean_first_answer"].change.text().startswith(f"{MINUS}3 ч 00 мин")
            assert "5 ч 00 мин" in cards["mean_first_answer"].change.text()
            assert cards["median_first_answer"].value.text() == "2 ч 00 мин"
            assert cards["processing_share"].value.text() == "75,0 %"
            assert cards["processing_share"].change.text().startswith(f"{MINUS}25,0 п. п.")
            assert cards["overdue_share"].value.text() == "25,0 %"
            assert cards["overdue_share"].change.text().startswith("+25,0 п. п.")
            assert cards["interim_only_share"].value.text() == "0,0 %"
            assert tab.period_title.text() == "март 2026"

            tab.group_by.setCurrentIndex(tab.group_by.findData(GroupBy.OPERATOR.value))
            table = tab.table
            shown = {
                table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 6)]
                for r in range(table.rowCount())
            }
            # working time: e was answered on Sunday night (0), a on Monday 09:00–10:00 (1 h),
            # b on Tuesday 10:00–13:00 (3 h)
            assert shown == {
                "ivanova": ["2", "1 ч 30 мин", "30 мин", "100,0 %", "0"],
                "petrov": ["2", "3 ч 00 мин", "3 ч 00 мин", "50,0 %", "1"],
                "не указан": ["1", "—", "—", "—", "0"],
            }
            tab.group_by.setCurrentIndex(tab.group_by.findData(GroupBy.MUNICIPALITY.value))
            counts = {
                table.item(r, 0).text(): table.item(r, 1).text()
                for r in range(3)[: table.rowCount()]
            }
            assert counts == {"m-tula": "3", "m-aleksin": "2"}

            # a double-click on a table row opens the inbox on exactly its incidents
            window.resize(1366, 768)
            window.show()
            window.tabs.setCurrentIndex(2)
            tab.group_by.setCurrentIndex(tab.group_by.findData(GroupBy.OPERATOR.value))
            tab.views.setCurrentIndex(1)  # the Tables sub-tab
            await until(lambda: table.isVisible() and table.viewport().height() > 60, what="shown")
            row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "petrov")
            rect = table.visualItemRect(table.item(row, 0))
            # a real double-click: press/release, then the double-click event on the same cell
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            inbox = window.inbox
            assert inbox is not None
            await until(lambda: _shown(window) == {ids["b"], ids["c"]}, what="operator drill")
            assert window.tabs.currentIndex() == 0
            assert inbox.view is SavedView.ALL
            chips = [c.text() for c in inbox.drill_chips()]
            assert chips == ["Получено: март 2026  ✕", "Оператор: petrov  ✕"]
            # removing the operator chip leaves the whole of March: a, b, c, d, e
            inbox.drill_chips()[1].click()
            await until(lambda: _shown(window) == {ids[k] for k in "abcde"}, what="period only")
            # a bar of the volume chart: day 0 is 1 March (local), only e was received then
            tab.drill_day(0)
            await until(lambda: _shown(window) == {ids["e"]}, what="day drill")
            # a heat map cell: Tuesday 10:00–10:59 local holds b only
            tab.drill_cell(1, 10)
            await until(lambda: _shown(window) == {ids["b"]}, what="cell drill")
            inbox.clear_filters()
            assert inbox.drill_chips() == []
            assert not inbox.drill_bar.isVisible()
            window.tabs.setCurrentIndex(2)

            # the previous month from the picker: February by hand
            tab.step(-1)
            await until(
                lambda: tab.report is not None and tab.report.period == MARCH.previous(),
                what="february",
            )
            assert cards["registered"].value.text() == "2"
            assert cards["mean_first_answer"].value.text() == "5 ч 00 мин"
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)


def test_deadline_board_counts_reassigns_and_stays_live(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, ids = make_profile(tmp_path, "boss", Role.SUPERVISOR)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, _info("boss", Role.SUPERVISOR))
            board = window.supervision.board
            show_board(window)
            await until(lambda: len(board.rows) == 3, what="board")
            assert [r.incident_id for r in board.rows] == [ids["c"], ids["i"], ids["h"]]
            assert board.counts.text() == (
                "Открыто: 3 · просрочено: 2 · в ближайший час: 1 · до конца дня: "
                f"{board.counts.text().rsplit(' ', 1)[-1]}"
            )
            board.show_filter.setCurrentIndex(board.show_filter.findData("hour"))
            assert board.tree.topLevelItemCount() == 1
            group = board.tree.topLevelItem(0)
            assert group.text(0) == "ivanova"
            assert group.child(0).data(0, 256) == ids["h"]
            board.show_filter.setCurrentIndex(0)

            await board.reassign([ids["h"], ids["i"]], "sidorov")
            # the operations went to the outbox; the change event re-reads the board
            pending = await ws.sync_status()
            assert pending.pending == 2
            await until(
                lambda: {r.incident_id: r.assignee for r in board.rows}.get(ids["h"]) == "sidorov",
                what="live board",
            )
            assert {r.assignee for r in board.rows if r.incident_id == ids["i"]} == {"sidorov"}
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)


def test_an_operator_sees_only_their_own_board(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, ids = make_profile(tmp_path, "ivanova", Role.OPERATOR)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        try:
            window.attach(ws, _info("ivanova", Role.OPERATOR))
            board = window.supervision.board
            await until(lambda: board.rows != [], what="board")
            await asyncio.sleep(0.1)
            assert [r.incident_id for r in board.rows] == [ids["h"]]
            assert not board.reassign_button.isVisible()
            assert not board.approval_panel.isVisible()
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)


def test_board_approves_and_returns_answers_with_a_comment(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, ids = make_profile(tmp_path, "boss", Role.SUPERVISOR, routed=("h", "i"))
    monkeypatch.setattr(
        QInputDialog, "getMultiLineText", lambda *_a, **_k: ("Добавьте срок работ", True)
    )

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, _info("boss", Role.SUPERVISOR))
            board = window.supervision.board
            show_board(window)
            await until(lambda: len(board.rows) == 3, what="board")
            for key in ("h", "i"):
                await ws.send_answer(
                    ids[key], AnswerKind.SOLUTION, f"Ответ по {key}", for_approval=True
                )
            await until(lambda: len(board.pending) == 2, what="answers on approval")
            assert board.approval_table.rowCount() == 2
            assert board.approval_title.text() == "Ответы на согласовании: 2"
            first, second = (entry.incident_id for entry in board.pending)
            board.approval_table.selectRow(0)
            board.approve_selected()
            await until(lambda: len(board.pending) == 1, what="approved")
            board.approval_table.selectRow(0)
            board.return_selected()
            await until(lambda: board.pending == [], what="returned")
            approved = await ws.incident(first)
            assert [a.state for a in approved.answers if a.kind is AnswerKind.SOLUTION] == [
                AnswerState.APPROVED
            ]
            returned = await ws.incident(second)
            states = {a.kind: a for a in returned.answers}
            assert states[AnswerKind.SOLUTION].state is AnswerState.RETURNED
            assert "Добавьте срок работ" in states[AnswerKind.INTERNAL_NOTE].text
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
