"""The inbox under bursts: change events coalesce into few refreshes, one search at a time,
the timer column widens to its texts (issue 9, item 10: the window stays responsive)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QStyle
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.window_reads import ViewKeys, WindowReads, row_mapping
from cur_desktop.storage.inbox import InboxSort
from cur_desktop.storage.search import search
from cur_desktop.ui.inbox_model import ID_ROLE, Column
from cur_desktop.ui.inbox_page import (
    COUNTS_GAP_MS,
    REFRESH_DELAY_MS,
    REFRESH_GAP_MS,
    InboxPage,
    counts_delay_ms,
    refresh_delay_ms,
)
from tests.ui.conftest import open_reads, run_qt, until

pytestmark = pytest.mark.ui


def test_refresh_waits_for_the_gap_after_the_last_refresh() -> None:
    assert (REFRESH_DELAY_MS, REFRESH_GAP_MS) == (250, 1000)
    assert refresh_delay_ms(0.0) == 1000  # right after a refresh: the whole gap
    assert refresh_delay_ms(400.0) == 600
    assert refresh_delay_ms(760.0) == 250  # never sooner than the delay of a quiet list
    assert refresh_delay_ms(60_000.0) == 250


def test_counts_wait_for_their_gap() -> None:
    assert COUNTS_GAP_MS == 3000
    assert counts_delay_ms(0.0) == 3000
    assert counts_delay_ms(2500.0) == 500
    assert counts_delay_ms(3000.0) == 0
    assert counts_delay_ms(10_000.0) == 0


class _CountingReads:
    """Counts the page's reads of keys and of counts (and can hold key reads back)."""

    def __init__(self, reads: WindowReads) -> None:
        self.reads = reads
        self.keys: list[str] = []
        self.counts = 0
        self.hold: asyncio.Event | None = None

    async def view_keys(self, view: SavedView, **kwargs: Any) -> ViewKeys:
        self.keys.append(str(kwargs.get("query", "")))
        if self.hold is not None:
            await self.hold.wait()
        return await self.reads.view_keys(view, **kwargs)

    async def view_counts(self, **kwargs: Any) -> Any:
        self.counts += 1
        return await self.reads.view_counts(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reads, name)


async def _settled(page: InboxPage) -> None:
    def idle() -> bool:
        return not (
            page._tasks
            or page.model.pending_tasks()
            or page._refresh_timer.isActive()
            or page._counts_timer.isActive()
            or page._search_timer.isActive()
        )

    await until(idle, what="the page idle")


def _page(reads: WindowReads) -> tuple[InboxPage, _CountingReads]:
    counting = _CountingReads(reads)
    page = InboxPage(counting, "ivanova")  # type: ignore[arg-type]
    page.resize(1366, 600)
    page.show()
    return page, counting


def test_a_burst_of_change_events_makes_one_refresh_and_one_count(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path
) -> None:
    async def check(page: InboxPage, counting: _CountingReads) -> None:
        page.set_view(SavedView.ALL)
        await until(lambda: page.model.rowCount() == 400, what="rows")
        await _settled(page)
        ids = [str(page.model.index(r, 0).data(ID_ROLE)) for r in range(10)]
        counting.keys.clear()
        counting.counts = 0
        for _ in range(50):  # one sync page after another, faster than any refresh
            page.on_incidents_changed(ids)
        await until(lambda: counting.counts == 1, what="a count")
        await _settled(page)
        assert counting.keys == [""]  # one in-place refresh of the snapshot
        assert counting.counts == 1
        assert page.model.rowCount() == 400

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page, counting = _page(reads)
            qtbot.addWidget(page)
            await check(page, counting)
        finally:
            await station.close()

    run_qt(qapp, body)


def test_text_typed_during_a_search_is_searched_once_when_it_ends(
    qapp: QApplication, qtbot: QtBot, local_store: Engine, profile_dir: Path
) -> None:
    with local_store.connect() as conn:
        expected = [h.id for h in search(conn, "мусором", limit=500)]
    assert expected

    async def check(page: InboxPage, counting: _CountingReads) -> None:
        page.set_view(SavedView.ALL)
        await until(lambda: page.model.rowCount() == 400, what="rows")
        await _settled(page)
        counting.keys.clear()
        counting.hold = asyncio.Event()
        page.search.setText("му")
        await until(lambda: counting.keys == ["му"], what="the first search")
        for text in ("мус", "мусо", "мусором"):  # typed while the first search runs
            page.search.setText(text)
            await until(lambda: not page._search_timer.isActive(), what="the debounce")
        assert counting.keys == ["му"]
        counting.hold.set()
        await until(lambda: len(counting.keys) == 2, what="the second search")
        await until(lambda: page.model.rowCount() == len(expected), what="the results")
        await _settled(page)
        assert counting.keys == ["му", "мусором"]
        shown = [str(page.model.index(r, 0).data(ID_ROLE)) for r in range(len(expected))]
        await until(
            lambda: all(page.model.cached_row(r) is not None for r in range(len(expected))),
            what="pages",
        )
        shown = [str(page.model.index(r, 0).data(ID_ROLE)) for r in range(len(expected))]
        assert shown == expected

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page, counting = _page(reads)
            qtbot.addWidget(page)
            await check(page, counting)
        finally:
            await station.close()

    run_qt(qapp, body)


def test_the_timer_column_widens_to_its_longest_shown_text(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path
) -> None:
    async def check(page: InboxPage) -> None:
        header = page.table.horizontalHeader()
        header.resizeSection(Column.TIME_LEFT, 30)  # as if dragged narrow by hand
        page.set_view(SavedView.ALL)  # sorted by time left: the most overdue first
        await until(lambda: page.model.cached_row(0) is not None, what="the first page")
        await _settled(page)
        metrics = page.table.fontMetrics()
        margin = page.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, page)
        texts = [
            str(page.model.index(r, Column.TIME_LEFT).data(Qt.ItemDataRole.DisplayRole) or "")
            for r in range(20)
        ]
        assert any(t.startswith("просрочен на") for t in texts), texts
        widest = max(metrics.horizontalAdvance(t) for t in texts)
        assert header.sectionSize(Column.TIME_LEFT) >= widest + 2 * (margin + 1)

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page, _counting = _page(reads)
            qtbot.addWidget(page)
            await check(page)
        finally:
            await station.close()

    run_qt(qapp, body)


def test_row_mapping_is_the_rows_fields(qapp: QApplication, profile_dir: Path) -> None:
    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            keys = await reads.view_keys(SavedView.ALL, login="ivanova", sort=InboxSort.DUE_ASC)
            rows = await station.inbox_rows(list(keys.keys[:50]))
            for row in rows:
                expected = dataclasses.asdict(row)
                if expected["region_code"] is None:
                    expected["region_code"] = "RU-TUL"
                assert row_mapping(row, "RU-TUL") == expected
        finally:
            await station.close()

    run_qt(qapp, body)


def test_a_burst_of_changes_makes_one_deadline_check(qapp: QApplication) -> None:
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QWidget

    from cur_desktop.ui.deadline_notifier import DeadlineNotifier

    class Notices:
        calls = 0

        async def check(self, _now: datetime) -> list[Any]:
            Notices.calls += 1
            return []

    async def body() -> None:
        holder = QWidget()
        notifier = DeadlineNotifier(
            Notices(),  # type: ignore[arg-type]
            lambda: datetime.now(UTC),
            holder,
            use_tray=False,
        )
        for _ in range(100):  # a page of changes after another
            notifier.changed()
        await until(lambda: Notices.calls == 1, what="a check")
        await until(lambda: not notifier._after_changes.isActive(), what="the timer idle")
        await asyncio.sleep(0.05)
        assert Notices.calls == 1
        notifier.stop()
        holder.deleteLater()

    run_qt(qapp, body)
