"""The window without a server: the card shows markup literally, the editor, keyboard, tabs.

The workstation is a real one over a real profile store (not bound to a server: everything
works offline). Screenshots of each tab at 1366×768 go to the folder this module names.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.domain.enums import AnswerKind, Status
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import outbox, sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.main_window import MainWindow
from tests.helpers.row_factories import make_row
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "ui-screenshots"
"""Where the screenshot test writes (``build/`` is not committed)."""

HOSTILE = (
    '<b>жирный</b> <a href="https://evil.example">ссылка</a> <img src="x" onerror="y">\n'
    "<qt><font color=red>Qt rich text</font></qt> &amp; &lt;не тег&gt; <script>alert(1)</script>"
)


def _profile(
    tmp_path: Path, *, hostile: bool = False, executor_id: str | None = None
) -> tuple[Path, str]:
    profile = tmp_path / "profile"
    profile.mkdir()
    engine = open_engine(profile / DB_FILE_NAME)
    now = datetime.now(UTC)
    rng = random.Random(3)
    rows = [make_row(rng) for _ in range(60)]
    special = make_row(
        rng,
        id=str(uuid.uuid4()),
        text=HOSTILE if hostile else "Во дворе не вывозят мусор уже неделю.",
        author="<i>Анна</i> Смирнова" if hostile else "Анна Смирнова",
        status=Status.NEW,
        assignee=None,
        received_at=now - timedelta(hours=9),
        first_answer_at=None,
        first_answer_due=now - timedelta(hours=1),
        first_answer_warn_at=now - timedelta(hours=3),
        executor_id=executor_id,
    )
    with engine.begin() as conn:
        bulk_insert_incidents(conn, [*rows, special])
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
    engine.dispose()
    return profile, str(special["id"])


def _info() -> SessionInfo:
    return SessionInfo(
        login="ivanova", role=None, region_code="RU-TUL", server_url=None, can_sync=False
    )


def test_html_post_shows_literally(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    profile, incident_id = _profile(tmp_path, hostile=True)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, _info())
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            shown = window.card.text.document().toPlainText()
            assert shown == HOSTILE
            # nothing was interpreted: no anchor, no image, the markup is escaped text
            html = window.card.text.document().toHtml()
            assert "&lt;b&gt;жирный&lt;/b&gt;" in html
            assert "<a href" not in html
            assert "<img" not in html
            assert window.card.author.text() == "<i>Анна</i> Смирнова"
            assert window.card.author.textFormat() is Qt.TextFormat.PlainText
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)


def test_editor_template_quality_check_and_draft(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, _info())
            window.open_incident(incident_id)
            await until(window.card.editor.isEnabled, what="editor")
            editor = window.card.editor
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.FINAL.value))
            editor.text.insertPlainText("Взято в работу.")  # typing (keyClicks is ASCII-only)
            codes = {f.code.value for f in editor.run_check()}
            assert "stock_phrase_only" in codes or "empty" in codes
            assert editor.findings.count() >= 1
            first = editor.findings.item(0).text()
            assert any(ch in first for ch in "абвгдежзиклмнопрстуфхцчшщыэюя")  # Russian
            editor.text.clear()
            editor.text.insertPlainText(
                "Обратитесь в управляющую компанию по телефону."
            )  # typing (keyClicks is ASCII-only)
            assert "sends_elsewhere" in {f.code.value for f in editor.run_check()}
            # the draft is saved within two seconds of typing, without any other action
            await until(lambda: editor.saved_label.text() == "Черновик сохранён", what="saved")
            await asyncio.sleep(0.3)
            draft = await ws.draft(incident_id)
            assert draft is not None
            assert draft.text == "Обратитесь в управляющую компанию по телефону."
            assert draft.kind is AnswerKind.FINAL
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)


def test_keyboard_next_overdue_take_and_help(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        try:
            window.attach(ws, _info())
            assert window.inbox is not None
            inbox = window.inbox
            window.activateWindow()
            await until(window.isActiveWindow, what="active window")
            QTest.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
            assert inbox.view is SavedView.OVERDUE
            await until(lambda: inbox.model.rowCount() > 0, what="overdue rows")
            await until(lambda: inbox.model.cached_row(0) is not None, what="page")
            QTest.keyClick(window, Qt.Key.Key_F8)
            await until(lambda: inbox.current_incident_id() is not None, what="selection")
            assert inbox.model.index(inbox.table.currentIndex().row(), 0).data() is not None
            inbox.table.setFocus()
            row = next(
                r
                for r in range(inbox.model.rowCount())
                if inbox.model.incident_id(r) == incident_id
            )
            inbox.table.selectRow(row)
            QTest.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
            await until(
                lambda: (
                    inbox.model.cached_row(row) is not None
                    and inbox.model.cached_row(row)["assignee"] == "ivanova"
                ),
                what="taken",
            )
            dialog = window.show_shortcuts()
            keys = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
            assert {"Ctrl+T", "Ctrl+R", "F8", "Enter", "Ctrl+F"} <= keys
            dialog.close()
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)


def test_screenshot_of_each_tab_at_1366x768(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def body() -> list[Path]:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        written: list[Path] = []
        try:
            window.attach(ws, _info())
            assert window.inbox is not None
            window.inbox.set_view(SavedView.ALL)
            await until(lambda: window.inbox.model.rowCount() == 61, what="rows")
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            await asyncio.sleep(0.5)
            for index, name in enumerate(("inbox", "deadlines", "statistics")):
                window.tabs.setCurrentIndex(index)
                await asyncio.sleep(0.2)
                image = window.grab().toImage()
                assert (image.width(), image.height()) == (1366, 768)
                path = SCREENSHOTS / f"tab-{name}.png"
                assert image.save(str(path))
                written.append(path)
                colours = {image.pixel(x, y) for x in range(0, 1366, 40) for y in range(0, 768, 40)}
                assert len(colours) > 3, f"{name} tab looks blank"
        finally:
            window.close()
            await ws.close()
        return written

    written = run_qt(qapp, body)
    assert all(p.stat().st_size > 5_000 for p in written)


def test_needs_attention_panel_shows_a_rejected_note_and_retries_it(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)
    note = "Жительница просила перезвонить после 18:00."

    async def body() -> None:
        ws = await Workstation.open(profile)
        changes = await ws.add_note(incident_id, note)
        (mutation_id,) = changes.mutation_ids
        # the server's verdict, as a push would store it
        engine = open_engine(profile / DB_FILE_NAME)
        with engine.begin() as conn:
            outbox.mark_rejected(conn, mutation_id, "forbidden", "Нет прав на этот инцидент")
        engine.dispose()
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, _info())
            panel = window.attention
            await until(lambda: len(panel.items) == 1, what="rejected change listed")
            assert panel.table.item(0, 2).text() == "Нет прав на этот инцидент"
            assert panel.table.item(0, 3).text() == note  # the operator's text is kept
            assert window.status.attention.text() == "Требуют внимания: 1"
            panel.retry_button.click()
            await until(lambda: not panel.items, what="retried change left the list")
            assert window.status.attention.isHidden()
            again = await ws.incident(incident_id)
            assert any(p.args.get("text") == note for p in again.pending)
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
