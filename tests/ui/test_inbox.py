"""The inbox list: model contract, filters and search equal to the store, refresh in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from cur_desktop.domain.enums import Source, Status
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.storage.inbox import InboxFilter, InboxSort, inbox_ids
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.search import search
from cur_desktop.ui.inbox_model import ID_ROLE, SPANS_ROLE, Column, InboxTableModel
from cur_desktop.ui.inbox_page import InboxPage
from tests.helpers.row_factories import make_row
from tests.ui.conftest import open_reads, run_qt, until

pytestmark = pytest.mark.ui


def _shown_ids(model: InboxTableModel) -> list[str]:
    return [str(model.index(r, 0).data(ID_ROLE)) for r in range(model.rowCount())]


async def _load_all(page: InboxPage, count: int) -> None:
    await until(lambda: page.model.rowCount() == count, what=f"{count} rows")
    for row in range(page.model.rowCount()):
        page.model.index(row, 0).data(ID_ROLE)
    await until(
        lambda: all(page.model.cached_row(r) is not None for r in range(count)), what="pages"
    )


def test_inbox_model_passes_the_model_tester(qapp: QApplication, profile_dir: Path) -> None:
    async def check(reads: WindowReads) -> None:
        model = InboxTableModel(reads)
        tester = QAbstractItemModelTester(
            model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        keys = await reads.view_keys(SavedView.ALL, login="ivanova", sort=InboxSort.DUE_ASC)
        model.show_keys(keys)
        for row in range(model.rowCount()):
            model.index(row, 0).data()
        await until(lambda: model.cached_row(model.rowCount() - 1) is not None, what="pages")
        keys2 = await reads.view_keys(SavedView.NEW, login="ivanova", sort=InboxSort.DUE_ASC)
        model.refresh_keys(keys2)
        model.tick(datetime.now(UTC))
        assert model.rowCount() == len(keys2.keys) > 0
        assert model.columnCount() == len(Column)
        del tester

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            await check(reads)
        finally:
            await station.close()

    run_qt(qapp, body)


@pytest.mark.parametrize(
    ("view", "extra"),
    [
        (SavedView.ALL, InboxFilter()),
        (SavedView.ALL, InboxFilter(sources=frozenset({Source.VK}))),
        (SavedView.NEW, InboxFilter(municipality_ids=frozenset({"m-tula"}))),
        (SavedView.MINE, InboxFilter()),
        (SavedView.ON_CONTROL, InboxFilter(topic_codes=frozenset({"roads"}))),
    ],
)
def test_views_and_filters_show_exactly_what_the_store_returns(  # noqa: PLR0917 (fixtures)
    qapp: QApplication,
    qtbot: QtBot,
    local_store: Engine,
    profile_dir: Path,
    view: SavedView,
    extra: InboxFilter,
) -> None:
    statuses = {
        SavedView.NEW: frozenset({Status.NEW}),
        SavedView.ON_CONTROL: frozenset({Status.ON_CONTROL}),
    }
    # the independent expectation: the storage query with the view's meaning spelled out here
    expected_filter = InboxFilter(
        statuses=statuses.get(view),
        sources=extra.sources,
        municipality_ids=extra.municipality_ids,
        topic_codes=extra.topic_codes,
    )
    if view is SavedView.MINE:
        expected_filter = InboxFilter(
            assignees=frozenset({"ivanova"}),
            statuses=frozenset(s for s in Status if not s.is_terminal),
        )
    with local_store.connect() as conn:
        expected = inbox_ids(conn, expected_filter, InboxSort.DUE_ASC, 10_000)
    assert expected, "the test data must make the view non-empty"

    async def check(page: InboxPage) -> None:
        page.view = view
        for combo, values in (
            (page.source_filter, extra.sources),
            (page.municipality_filter, extra.municipality_ids),
            (page.topic_filter, extra.topic_codes),
        ):
            if values:
                (value,) = tuple(values)
                if combo.findData(str(value)) < 0:
                    combo.addItem(str(value), str(value))
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(str(value)))
                combo.blockSignals(False)
        page.reload()
        await _load_all(page, len(expected))
        assert _shown_ids(page.model) == expected

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page = InboxPage(reads, "ivanova")
            qtbot.addWidget(page)
            await check(page)
        finally:
            await station.close()

    run_qt(qapp, body)


def test_search_shows_the_store_matches_with_highlights(
    qapp: QApplication, qtbot: QtBot, local_store: Engine, profile_dir: Path
) -> None:
    with local_store.connect() as conn:
        expected = [h.id for h in search(conn, "мусором", limit=500)]
    assert expected

    async def check(page: InboxPage) -> None:
        page.view = SavedView.ALL
        page.search.setText("мусором")  # stemmed: finds "мусор"
        await _load_all(page, len(expected))
        assert _shown_ids(page.model) == expected
        first = page.model.index(0, Column.EXCERPT)
        text = str(first.data(Qt.ItemDataRole.DisplayRole))
        spans = first.data(SPANS_ROLE)
        assert spans, "the match must be highlighted"
        assert all(text[a:b].lower() == "мусор" for a, b in spans)

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page = InboxPage(reads, "ivanova")
            qtbot.addWidget(page)
            await check(page)
        finally:
            await station.close()

    run_qt(qapp, body)


def test_refresh_keeps_the_selected_incident_selected(
    qapp: QApplication, qtbot: QtBot, local_store: Engine, profile_dir: Path
) -> None:
    async def check(page: InboxPage) -> None:
        page.view = SavedView.ALL
        page.sort = InboxSort.RECEIVED_DESC
        page.reload()
        await until(lambda: page.model.rowCount() == 400, what="rows")
        page.model.index(5, 0).data(ID_ROLE)
        await until(lambda: page.model.cached_row(5) is not None, what="page")
        index = page.model.index(5, 0)
        page.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        chosen = str(index.data(ID_ROLE))
        # a newer incident arrives (as from a pull): it sorts first, pushing the others down
        with local_store.begin() as conn:
            bulk_insert_incidents(conn, [make_row(received_at=datetime.now(UTC))])
        page.on_incidents_changed([])
        await until(lambda: page.model.rowCount() == 401, what="new row")
        page.model.index(6, 0).data(ID_ROLE)
        await until(lambda: page.model.cached_row(6) is not None, what="page after refresh")
        # the same incident stays selected, one row lower (the new one sorts first)
        assert page.table.currentIndex().row() == 6
        assert page.current_incident_id() == chosen

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        try:
            page = InboxPage(reads, "ivanova")
            qtbot.addWidget(page)
            await check(page)
        finally:
            await station.close()

    run_qt(qapp, body)


def test_a_long_view_shows_its_head_first_then_the_rest_below_it(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cur_desktop.ui.inbox_page.FIRST_KEYS", 4)

    async def body() -> None:
        station, reads = await open_reads(profile_dir)
        page = InboxPage(reads, "ivanova")
        qtbot.addWidget(page)
        tester = QAbstractItemModelTester(
            page.model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        sizes: list[int] = []
        page.model.keys_loaded.connect(lambda: sizes.append(page.model.rowCount()))
        inserted: list[tuple[int, int]] = []
        page.model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
        try:
            whole = await reads.view_keys(SavedView.ALL, login="ivanova", sort=InboxSort.DUE_ASC)
            assert len(whole.keys) > 4
            page.set_view(SavedView.ALL)
            await until(lambda: page.model.rowCount() == len(whole.keys), what="the rest")
            assert sizes[-1] == 4  # the head was shown as a new snapshot …
            assert inserted == [(4, len(whole.keys) - 1)]  # … and the rest appended below it
            assert page.table.currentIndex().row() == 0  # the selection stayed on the first row
            await _load_all(page, len(whole.keys))
            shown = [page.model.cached_row(r)["rowid"] for r in range(len(whole.keys))]
            assert shown == list(whole.keys)
        finally:
            page.cancel_tasks()
            await station.close()
        del tester

    run_qt(qapp, body)
