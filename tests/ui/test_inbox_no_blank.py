"""The inbox does not blank after a change: when an internal note is added to an incident in
the list, the rows keep showing their old content until the refreshed rows are read (in the
real window the rows went blank for seconds right after Ctrl+Enter; issue-blank)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.window_reads import ViewKeys, WindowReads
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.inbox import InboxSort
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.inbox_model import ID_ROLE, Column
from cur_desktop.ui.inbox_page import InboxPage
from tests.helpers.stores import sign_in_as_ivanova
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui


class _HeldReads:
    """The window's reads; key reads and row reads wait while their gate is closed."""

    def __init__(self, reads: WindowReads) -> None:
        self.reads = reads
        self.keys_gate = asyncio.Event()
        self.rows_gate = asyncio.Event()
        self.keys_gate.set()
        self.rows_gate.set()
        self.waiting_rows = 0

    async def view_keys(self, view: SavedView, **kwargs: Any) -> ViewKeys:
        await self.keys_gate.wait()
        return await self.reads.view_keys(view, **kwargs)

    async def rows(self, keys: list[int]) -> dict[int, dict[str, Any]]:
        self.waiting_rows += 1
        try:
            await self.rows_gate.wait()
        finally:
            self.waiting_rows -= 1
        return await self.reads.rows(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reads, name)


def _visible_rows(page: InboxPage) -> range:
    table = page.table
    first = max(table.rowAt(0), 0)
    last = table.rowAt(table.viewport().height() - 1)
    return range(first, (page.model.rowCount() - 1 if last < 0 else last) + 1)


def _blank_cells(page: InboxPage) -> list[tuple[int, Column]]:
    """Visible cells of the status and text columns that show nothing."""
    blank = []
    for row in _visible_rows(page):
        for column in (Column.STATUS, Column.EXCERPT):
            if not page.model.index(row, column).data(Qt.ItemDataRole.DisplayRole):
                blank.append((row, column))
    return blank


def test_rows_keep_their_content_while_a_change_is_read(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path
) -> None:
    engine = open_engine(profile_dir / DB_FILE_NAME)
    with engine.begin() as conn:
        sign_in_as_ivanova(conn)
    engine.dispose()

    async def check(ws: Workstation, page: InboxPage, held: _HeldReads) -> None:
        ws.subscribe(lambda e: page.on_incidents_changed(list(getattr(e, "incident_ids", []))))
        page.view = SavedView.ALL
        page.sort = InboxSort.RECEIVED_DESC
        page.reload()
        await until(lambda: page.model.rowCount() > 0 and not page._tasks, what="rows")
        visible = _visible_rows(page)
        assert len(visible) >= 8
        for row in visible:
            page.model.index(row, 0).data(ID_ROLE)
        await until(lambda: not _blank_cells(page), what="the visible rows read")
        before = {
            row: page.model.index(row, Column.STATUS).data(Qt.ItemDataRole.DisplayRole)
            for row in visible
        }
        noted = str(page.model.index(2, 0).data(ID_ROLE))

        held.keys_gate.clear()
        held.rows_gate.clear()
        samples = 0
        await ws.add_note(noted, "Жительница просила перезвонить после 18:00.")

        def sample() -> bool:
            nonlocal samples
            assert _blank_cells(page) == []
            samples += 1
            return held.waiting_rows > 0  # the changed rows are being read again

        await until(sample, what="the changed rows read again")  # the refresh has begun
        held.keys_gate.set()  # the refreshed snapshot is shown; its rows are not read yet
        await until(lambda: sample() and not page._tasks, what="the new keys shown")
        assert samples > 2
        assert page.model.index(2, 0).data(ID_ROLE) == noted  # scroll and rows kept
        held.rows_gate.set()
        await until(lambda: held.waiting_rows == 0 and not page.model.pending_tasks(), what="rows")
        assert _blank_cells(page) == []
        after = {
            row: page.model.index(row, Column.STATUS).data(Qt.ItemDataRole.DisplayRole)
            for row in visible
        }
        # the noted incident now waits to be sent («●»), the others are as before
        assert after == {**before, 2: f"{before[2]} ●"}

    async def body() -> None:
        ws = await Workstation.open(profile_dir)
        held = _HeldReads(WindowReads(ws, "RU-TUL"))
        page = InboxPage(held, "ivanova")  # type: ignore[arg-type]
        page.resize(1366, 600)
        page.show()
        try:
            await check(ws, page, held)
        finally:
            held.keys_gate.set()
            held.rows_gate.set()
            page.cancel_tasks()
            await ws.close()
            page.close()
            shiboken6.delete(page)

    run_qt(qapp, body)
