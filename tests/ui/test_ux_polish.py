"""Small gaps of the operator's and supervisor's window: an empty list says why, the connection
state outlives a passing message, the volume chart's legend never covers a bar, and the internal
note has one name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.domain.enums import AnswerKind, Status
from cur_desktop.services.reads import _KIND_TITLES
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.ui.charts import VolumeChart
from cur_desktop.ui.inbox_page import InboxPage, empty_list_text
from cur_desktop.ui.labels import answer_kind_title
from cur_desktop.ui.status_bar import SyncStatusBar
from tests.ui.conftest import open_reads, run_qt, until

pytestmark = pytest.mark.ui

NO_MATCH = "щщщжжжъъъ"
"""No word of the test store's texts (tests/helpers/row_factories.py) has this stem."""


# ---------------------------------------------------------------------- the empty list


def _hint(page: InboxPage) -> str | None:
    """The hint's text while it is shown (``None``: hidden)."""
    return page.empty_hint.text() if page.empty_hint.isVisible() else None


def _with_page(
    qapp: QApplication,
    qtbot: QtBot,
    profile_dir: Path,
    login: str,
    check: Callable[[InboxPage, WindowReads], Awaitable[None]],
) -> None:
    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page = InboxPage(reads, login)
            qtbot.addWidget(page)
            page.resize(1100, 500)
            page.show()
            await check(page, reads)
        finally:
            page.cancel_tasks()
            await station.close()

    run_qt(qapp, body)


def test_a_search_that_finds_nothing_says_so_until_rows_appear(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path
) -> None:
    async def check(page: InboxPage, _reads: WindowReads) -> None:
        assert _hint(page) is None  # nothing read yet: no word
        page.set_view(SavedView.ALL)
        await until(lambda: page.model.rowCount() == 400, what="the whole view")
        assert _hint(page) is None

        shown: list[str] = []
        real_show_text = page.empty_hint.show_text

        def record(text: str) -> None:
            shown.append(text)
            real_show_text(text)

        page.empty_hint.show_text = record  # type: ignore[method-assign]
        page.search.setText(NO_MATCH)
        assert _hint(page) is None  # the debounced search has not run: the rows stay, no word
        await until(lambda: page.model.rowCount() == 0, what="no hits")
        assert _hint(page) == f"Ничего не найдено по запросу «{NO_MATCH}»"
        assert page.empty_hint.geometry().intersects(page.table.viewport().rect())

        # typing on: the old word stays until the new (empty) result replaces it
        page.search.setText(NO_MATCH + "ф")
        assert _hint(page) == f"Ничего не найдено по запросу «{NO_MATCH}»"
        await until(lambda: NO_MATCH + "ф" in (_hint(page) or ""), what="the new word")

        page.search.setText("мусором")  # stemmed: finds "мусор"
        await until(lambda: page.model.rowCount() > 0, what="hits")
        assert _hint(page) is None
        # the hint was only ever set from shown snapshots: the two misses, then hidden (never
        # a blank flash between the two misses)
        assert len(shown) >= 3
        assert shown[0]
        assert shown[1]
        assert not any(shown[2:])

    _with_page(qapp, qtbot, profile_dir, "ivanova", check)


def test_an_empty_view_and_an_empty_filter_say_so(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path
) -> None:
    async def check(page: InboxPage, _reads: WindowReads) -> None:
        page.set_view(SavedView.MINE)  # nobody's: nothing is assigned to this login
        await until(lambda: _hint(page) is not None, what="the word")
        assert page.model.rowCount() == 0
        assert _hint(page) == "В этом представлении нет инцидентов"

        page.status_filter.setCurrentIndex(page.status_filter.findData(Status.NEW.value))
        await until(
            lambda: _hint(page) == "Нет инцидентов по выбранным фильтрам", what="filter word"
        )
        page.search.setText("мусор")
        await until(
            lambda: _hint(page) == "Ничего не найдено по запросу «мусор» с выбранными фильтрами",
            what="search word",
        )

        page.clear_filters()
        page.set_view(SavedView.ALL)
        await until(lambda: page.model.rowCount() == 400, what="rows")
        assert _hint(page) is None

    _with_page(qapp, qtbot, profile_dir, "nobody", check)


def test_a_long_search_text_is_cut_in_the_word(qapp: QApplication) -> None:
    long = "яма " * 30  # 120 characters; the hint keeps 59 of them and «…»
    text = empty_list_text(long, filtered=False)
    assert text == "Ничего не найдено по запросу «" + ("яма " * 15)[:59].rstrip() + "…»"
    assert empty_list_text("   ", filtered=False) == "В этом представлении нет инцидентов"


# ---------------------------------------------------------------------- the status bar


def test_a_passing_message_leaves_the_connection_state_in_sight(
    qapp: QApplication, qtbot: QtBot
) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.resize(1366, 24)
    bar.show()
    bar.set_offline_mode(False)
    assert bar.mode_label.isVisible()

    bar.showMessage("Ошибка: сервер отказал", 10_000)
    assert bar.currentMessage() == "Ошибка: сервер отказал"
    assert bar.mode_label.isVisible()
    assert bar.mode_label.text() == "На связи"

    bar.set_offline_mode(True)  # the link drops while the message is up
    assert bar.mode_label.isVisible()
    assert bar.mode_label.text() == "БЕЗ СВЯЗИ: изменения сохраняются и уйдут позже"

    bar.clearMessage()
    assert bar.mode_label.isVisible()
    assert bar.sync_label.isVisible()


# ---------------------------------------------------------------------- the volume chart

NAMES = {"vk": "ВКонтакте", "ok": "Одноклассники", "telegram": "Telegram", "pos": "ПОС"}


@pytest.mark.parametrize("sources", [("vk",), ("vk", "ok", "telegram", "pos")])
def test_the_legend_never_covers_a_lone_days_bar(
    qapp: QApplication, qtbot: QtBot, sources: tuple[str, ...]
) -> None:
    """A one-day period draws one bar (one segment per source) across the whole plot width;
    the legend sat at the plot's top left, over the bar's top."""
    chart = VolumeChart("Инциденты по дням и источникам")
    qtbot.addWidget(chart)
    chart.resize(420, 200)  # the statistics grid's cell at 1366×768
    chart.show()
    day = date(2026, 3, 16)
    chart.show_volume([day], {day: dict.fromkeys(sources, 7)}, NAMES)
    for _ in range(3):
        qapp.processEvents()

    legend = chart.legend.sceneBoundingRect()
    assert legend.height() > 0
    assert chart.sceneRect().contains(legend)  # shown whole, not pushed out of sight
    bars = [item for item in chart.getPlotItem().items if item is not chart.legend]
    assert len(bars) == len(sources)
    for bar in bars:
        segment = bar.sceneBoundingRect()
        assert segment.height() > 0
        assert not segment.intersects(legend), (segment, legend)


# ---------------------------------------------------------------------- the note's name


def test_the_internal_note_has_one_name_in_the_editor_and_the_history(
    qapp: QApplication,
) -> None:
    assert answer_kind_title(AnswerKind.INTERNAL_NOTE) == "Внутренняя заметка"
    assert _KIND_TITLES[AnswerKind.INTERNAL_NOTE] == "Внутренняя заметка"
    for kind in AnswerKind:
        assert answer_kind_title(kind) == _KIND_TITLES[kind], kind
