"""Faults found on the operator's tour at 1366×768, checked in the offscreen window: the inbox's
filter bar, the timer column, the answer kind's name, the card's history room and saving the
classification right after picking an executor from the filtered list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QStyle, QStyleOptionComboBox
from pytestqt.qtbot import QtBot

from cur_desktop.domain.enums import AnswerKind, Status
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.inbox_model import ID_ROLE, Column
from cur_desktop.ui.inbox_page import InboxPage
from cur_desktop.ui.incident_card import IncidentCard
from cur_desktop.ui.labels import answer_kind_title
from cur_desktop.ui.main_window import MainWindow
from tests.ui.conftest import run_qt, until
from tests.ui.test_card import PRIMARY, _profile

pytestmark = pytest.mark.ui


@asynccontextmanager
async def _window(profile: Path, qtbot: QtBot) -> AsyncIterator[tuple[Workstation, MainWindow]]:
    ws = await Workstation.open(profile)
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    try:
        info = SessionInfo(
            login="ivanova", role=None, region_code="RU-TUL", server_url=None, can_sync=False
        )
        window.attach(ws, info, offline=True)
        await until(lambda: window.card.municipality.count() == 3, what="reference")
        yield ws, window
    finally:
        window.close()
        await ws.close()


async def _all_three_rows_shown(window: MainWindow) -> InboxPage:
    """The inbox on «Все» with the profile's three rows read into the model's cache."""
    page = window.inbox
    assert page is not None
    page.view = SavedView.ALL
    page.reload()
    await until(lambda: page.model.rowCount() == 3, what="rows")
    for r in range(3):
        page.model.index(r, 0).data(ID_ROLE)
    await until(lambda: all(page.model.cached_row(r) for r in range(3)), what="pages")
    return page


async def _primary_card(window: MainWindow) -> IncidentCard:
    """Open the primary incident and wait for its card."""
    window.open_incident(str(PRIMARY.id))
    await until(lambda: window.card.detail is not None, what="card")
    return window.card


def _field_width(combo: QComboBox) -> int:
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    rect = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    return rect.width()


def test_the_inbox_filter_bar_holds_its_placeholders_at_1366x768(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """Each filter combo shows its placeholder whole (the tour saw «Любой муниципа…»), the bar
    ends inside the page and the search field keeps a usable width."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (_ws, window):
            page = window.inbox
            assert page is not None
            await asyncio.sleep(0.1)
            combos = [
                page.status_filter,
                page.source_filter,
                page.topic_filter,
                page.municipality_filter,
                page.executor_filter,
                page.priority_filter,
            ]
            assert [c.currentText() for c in combos] == [
                "Любой статус",
                "Любой источник",
                "Любая тема",
                "Любой муниципалитет",
                "Любой исполнитель",
                "Любой приоритет",
            ]
            for combo in combos:
                text = combo.currentText()
                assert combo.fontMetrics().horizontalAdvance(text) <= _field_width(combo), text
            right = page.clear_button.mapTo(page, page.clear_button.rect().topRight()).x()
            assert right < page.width()
            assert page.clear_button.width() >= page.clear_button.sizeHint().width()
            assert page.search.isVisible()
            assert page.search.width() >= 240

    run_qt(qapp, body)


def test_a_provisional_overdue_timer_fits_and_the_text_column_stays_in_view(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """The longest hours text, provisional: «предв. просрочен на 23 ч 59 мин» (209 px on the
    tour, the column was 176). Due Mon 16 Nov 2026 09:01 MSK, now Wed 18 Nov 18:00: Mon
    09:01–18:00 less the lunch hour = 7 h 59 min, Tue 8 h, Wed 8 h = 23 h 59 min. The column
    widens to the text and the excerpt column still lies whole inside the list at 1366×768."""
    profile = _profile(tmp_path)
    msk = ZoneInfo("Europe/Moscow")

    async def body() -> None:
        async with _window(profile, qtbot) as (_ws, window):
            page = await _all_three_rows_shown(window)
            row = page.model.cached_row(0)
            assert row is not None
            row["status"] = Status.MODERATION
            row["provisional"] = True
            row["current_due"] = datetime(2026, 11, 16, 9, 1, tzinfo=msk).astimezone(UTC)
            row["current_warn_at"] = row["current_due"] - timedelta(hours=1)
            page.model.tick(datetime(2026, 11, 18, 18, 0, tzinfo=msk).astimezone(UTC))
            text = page.model.index(0, Column.TIME_LEFT).data(Qt.ItemDataRole.DisplayRole)
            assert " ".join(str(text).split()) == "предв. просрочен на 23 ч 59 мин"
            page.fit_timer_column()
            table = page.table
            margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
            room = table.columnWidth(Column.TIME_LEFT) - 2 * margin
            assert QFontMetrics(table.font()).horizontalAdvance(text) <= room, text
            left = table.columnViewportPosition(Column.EXCERPT)
            width = table.columnWidth(Column.EXCERPT)
            assert left >= 0
            assert left + width <= table.viewport().width()
            assert width >= 150

    run_qt(qapp, body)


def test_the_received_column_shows_the_whole_date_and_time_of_an_unread_row(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """«30.11.2026 14:03» was cut to «30.11.2026 1…» on the tour at 1366×768 (108 px for a
    bold unread row). Every shown received text fits its column in bold, and the excerpt column
    still lies whole inside the list."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (_ws, window):
            page = await _all_three_rows_shown(window)
            table = page.table
            bold = table.font()
            bold.setBold(True)
            margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
            room = table.columnWidth(Column.RECEIVED) - 2 * margin
            for r in range(3):
                text = str(page.model.index(r, Column.RECEIVED).data(Qt.ItemDataRole.DisplayRole))
                assert len(text) == len("30.11.2026 14:03"), text
                assert QFontMetrics(bold).horizontalAdvance(text) <= room, (text, room)
            left = table.columnViewportPosition(Column.EXCERPT)
            assert left + table.columnWidth(Column.EXCERPT) <= table.viewport().width()
            assert table.columnWidth(Column.EXCERPT) >= 150

    run_qt(qapp, body)


def test_the_sort_arrow_is_hidden_while_hits_come_best_first(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """The walk saw search hits in relevance order under the «Осталось ▲» arrow."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (_ws, window):
            page = window.inbox
            assert page is not None
            header = page.table.horizontalHeader()
            assert header.isSortIndicatorShown()
            page.search.setText("яма")
            assert not header.isSortIndicatorShown()
            page.search.setText("   ")
            assert header.isSortIndicatorShown()
            assert header.sortIndicatorSection() == Column.TIME_LEFT

    run_qt(qapp, body)


def test_the_answer_kinds_have_one_name_in_the_editor_the_history_and_the_refusal(
    qapp: QApplication,
) -> None:
    """The editor said «Решение» where the history and the refusal say «Ответ с решением»."""
    from cur_desktop.domain.status_machine import _NEEDS_EXECUTOR
    from cur_desktop.services.reads import _KIND_TITLES

    assert answer_kind_title(AnswerKind.SOLUTION) == "Ответ с решением"
    for kind in (AnswerKind.INTERIM, AnswerKind.SOLUTION, AnswerKind.FINAL):
        assert answer_kind_title(kind) == _KIND_TITLES[kind], kind
    for kind, name in _NEEDS_EXECUTOR.items():
        assert answer_kind_title(kind) == name, kind


def test_the_card_history_gets_room_from_a_remembered_splitter(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """At 1366×768 the history showed about 4 lines. The form scrolls under a handle: dragged
    up, the history is at least twice as tall, the editor keeps its height, and the next card
    (the next start) comes back with the same split."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (_ws, window):
            card = await _primary_card(window)
            await asyncio.sleep(0.1)
            history = card.history.viewport().height()
            editor = card.editor.height()
            splitter = card.left_splitter
            splitter.moveSplitter(60, 1)
            await asyncio.sleep(0.05)
            assert card.history.viewport().height() >= 2 * history
            assert card.editor.height() == editor
            assert card.details_scroll.verticalScrollBar().maximum() > 0  # the form scrolls
            sizes = splitter.sizes()
            again = IncidentCard()
            qtbot.addWidget(again)
            again.resize(card.size())
            again.show()
            again.placeholder.hide()
            again.splitter.show()  # as when an incident is shown
            await asyncio.sleep(0.05)
            assert again.left_splitter.sizes() == sizes

    run_qt(qapp, body)


@pytest.mark.qt_log_ignore(
    # the completer's popup on the offscreen platform
    "This plugin does not support raise",
    "This plugin does not support grabbing the keyboard",
)
def test_saving_the_classification_right_after_picking_from_the_filtered_list(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """Type part of a name, click the name in the completer's popup, click «Сохранить
    классификацию» once: the executor picked is the one saved (the tour needed two clicks)."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (ws, window):
            card = await _primary_card(window)
            sent: list[tuple[object, ...]] = []
            card.classify_requested.connect(lambda *a: sent.append(a))
            card.municipality.setCurrentIndex(card.municipality.findData("m-tula"))
            card.topic.setCurrentIndex(card.topic.findData("roads"))
            combo = card.executor
            combo.setFocus()
            line = combo.lineEdit()
            assert line is not None
            line.selectAll()
            for char in "дор":  # QTest.keyClicks takes Latin letters only
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    event = QKeyEvent(
                        kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char
                    )
                    QApplication.sendEvent(line, event)
            completer = combo.completer()
            assert completer is not None
            popup = completer.popup()
            await until(popup.isVisible, what="completer popup")
            assert completer.completionCount() == 1
            rect = popup.visualRect(popup.model().index(0, 0))
            QTest.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            await until(lambda: not popup.isVisible(), what="popup closed")
            assert combo.currentData() == "ex-roads"
            # a reload of the card as a sync or the take's confirmation brings it (the store
            # still holds no executor): the pick stays
            await window._reload_card(str(PRIMARY.id), from_event=True)
            assert combo.currentText() == "Управление дорог"
            assert combo.currentData() == "ex-roads"
            assert card.municipality.currentData() == "m-tula"
            assert card.topic.currentData() == "roads"
            QTest.mouseClick(card.classify_button, Qt.MouseButton.LeftButton)
            assert len(sent) == 1
            assert sent[0][1:] == ("m-tula", "roads", "ex-roads")
            for _ in range(100):  # saved through the services
                if (await ws.incident(str(PRIMARY.id))).incident.executor_id == "ex-roads":
                    break
                await asyncio.sleep(0.05)
            assert (await ws.incident(str(PRIMARY.id))).incident.executor_id == "ex-roads"

    run_qt(qapp, body)


def test_a_slow_older_card_reload_does_not_undo_a_newer_one(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """A reload begun before the classification was saved but ending after the classification's
    own reload must not show the incident without its executor again."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (ws, window):
            incident_id = str(PRIMARY.id)
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            card = window.card
            real = ws.incident
            stale = await real(incident_id)
            assert stale.incident.executor_id is None
            gate = asyncio.Event()

            async def slow_then_real(wanted: str) -> object:
                ws.incident = real  # type: ignore[method-assign]
                await gate.wait()
                return stale

            ws.incident = slow_then_real  # type: ignore[method-assign]
            slow = asyncio.ensure_future(window._reload_card(incident_id, from_event=True))
            await asyncio.sleep(0)
            card.municipality.setCurrentIndex(card.municipality.findData("m-tula"))
            card.topic.setCurrentIndex(card.topic.findData("roads"))
            card.executor.setCurrentIndex(card.executor.findData("ex-roads"))
            card.classify_button.click()
            await until(
                lambda: card.detail is not None and card.detail.incident.executor_id == "ex-roads",
                what="the classification's reload",
            )
            gate.set()
            await slow
            assert card.detail is not None
            assert card.detail.incident.executor_id == "ex-roads"
            assert card.executor.currentData() == "ex-roads"

    run_qt(qapp, body)


def test_unsaved_choices_survive_two_reloads_of_the_card(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """A reload between two picks (a sync, a confirmation) must not make the first pick look
    like the stored value: the next reload dropped it, and the executor list with it (seen in
    CI: the executor showed «—»)."""
    profile = _profile(tmp_path)

    async def body() -> None:
        async with _window(profile, qtbot) as (_ws, window):
            card = await _primary_card(window)
            card.municipality.setCurrentIndex(card.municipality.findData("m-tula"))
            card.topic.setCurrentIndex(card.topic.findData("roads"))
            await window._reload_card(str(PRIMARY.id), from_event=True)  # between the picks
            card.executor.setCurrentIndex(card.executor.findData("ex-roads"))
            await window._reload_card(str(PRIMARY.id), from_event=True)
            assert card.municipality.currentData() == "m-tula"
            assert card.topic.currentData() == "roads"
            assert card.executor.currentData() == "ex-roads"
            assert card.executor.currentText() == "Управление дорог"

    run_qt(qapp, body)
