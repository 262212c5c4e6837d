"""Registering a phone call by hand in the real window while the REAL server is down.

Ctrl+N opens the dialog; the incident is in the card and the inbox at once with timers computed
on this computer and marked «предварительно»; the server comes back, one sync, the mark goes,
and the server holds the incident exactly once with the same deadlines.

Hand computation (RU-TUL, Europe/Moscow, UTC+3; working day 09:00–18:00 with lunch 13–14; the
default rule of source ``other``: 8 working hours capped at 24 calendar hours): received Friday
2026-03-06 17:30 local; Sunday 8 March's day off moves to Monday 9 March, so 8 working hours
would end Tuesday 10 March 17:30, and the 24-hour cap, Saturday 7 March 17:30 local
(14:30 UTC), wins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.sign_in import sign_in
from cur_desktop.services.workstation import Workstation
from cur_desktop.sync.syncer import RetryPolicy
from cur_desktop.ui.inbox_model import ID_ROLE, Column
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.register_dialog import RegisterDialog
from tests.helpers import server_restart as servers
from tests.helpers.live import PASSWORD, USERS, server_rows
from tests.helpers.server_process import ServerProcess, running_server
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

FAST = RetryPolicy(attempts=2, initial=0.05, maximum=0.3)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "ui-screenshots"
FIRST_DUE_LOCAL = "07.03.2026 17:30"
FIRST_DUE_UTC = "2026-03-07T14:30:00"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server", users=USERS) as srv:
        yield srv
        if srv.process.poll() is None:
            servers.stop(srv)


def _with_dialog(window: MainWindow, dialog: RegisterDialog) -> QPixmap:
    """What the screen shows: the window with the dialog centred over it."""
    shot = window.grab()
    over = dialog.grab()
    left, top = (shot.width() - over.width()) // 2, (shot.height() - over.height()) // 2
    painter = QPainter(shot)
    painter.drawPixmap(left, top, over)
    painter.setPen(QColor("#555555"))
    painter.drawRect(left - 1, top - 1, over.width() + 1, over.height() + 1)
    painter.end()
    return shot


def test_a_call_registered_offline_is_provisional_until_the_server_confirms_it(
    qapp: QApplication, qtbot: QtBot, server: ServerProcess, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def body() -> str:
        assert (await sign_in(profile, server.base_url, "ivanova", PASSWORD)).online
        servers.stop(server)  # from here on the server is down
        ws = await Workstation.open(profile, retry=FAST)
        window = MainWindow()
        qtbot.addWidget(window)  # deleted on the GUI thread after the test
        window.resize(1366, 768)
        window.show()
        try:
            window.attach(ws, await ws.session_info(), offline=True)
            assert window.inbox is not None
            window.inbox.set_view(SavedView.ALL)
            await until(lambda: window.card.ref.regions, what="reference loaded")
            assert window.register_action.shortcut().toString() == "Ctrl+N"
            window.register_action.trigger()
            dialog = window.findChild(RegisterDialog)
            assert dialog is not None
            assert dialog.isVisible()
            assert dialog.region.count() == 1
            assert not dialog.region.isEnabled()
            assert dialog.region.currentData() == "RU-TUL"
            dialog.channel.setCurrentIndex(dialog.channel.findData("phone"))
            dialog.author.setText("Петрова Мария Ивановна")
            dialog.contact.setText("+7 900 123-45-67")
            dialog.received.setDateTime(
                QDateTime(QDate(2026, 3, 6), QTime(17, 30), QTimeZone(b"Europe/Moscow"))
            )
            dialog.topic.setCurrentIndex(dialog.topic.findData("zhkh"))
            ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
            ok.click()  # an empty text is refused in the dialog, nothing typed is lost
            assert dialog.message.text() == "Введите текст обращения."
            assert dialog.isVisible()
            assert dialog.author.text() == "Петрова Мария Ивановна"
            dialog.text.setPlainText("Звонок: в подъезде дома 12 по ул. Мира не работает лифт")
            assert not dialog.message.isVisible()
            await asyncio.sleep(0.05)
            _with_dialog(window, dialog).save(str(SCREENSHOTS / "register-dialog.png"))
            ok.click()
            await until(lambda: window.card.detail is not None, what="card of the new incident")
            detail = window.card.detail
            assert detail is not None
            assert detail.provisional
            incident_id = str(detail.incident.id)
            assert dialog.registered_id == incident_id
            deadline = window.card.deadline.text()
            assert FIRST_DUE_LOCAL in deadline
            assert "предварительно" in deadline
            assert window.card.source.text() == "Телефонный звонок · +7 900 123-45-67"
            assert not window.card.open_link.isVisible()
            model = window.inbox.model

            def timer_cell() -> str:
                for row in range(model.rowCount()):
                    if model.data(model.index(row, 0), ID_ROLE) == incident_id:
                        return str(model.data(model.index(row, Column.TIME_LEFT)))
                return ""

            await until(lambda: timer_cell().startswith("предв. "), what="provisional in the list")
            tip = model.data(model.index(0, Column.TIME_LEFT), Qt.ItemDataRole.ToolTipRole)
            assert str(tip).startswith("Предварительно: рассчитано на этом компьютере")
            await asyncio.sleep(0.1)
            window.grab().save(str(SCREENSHOTS / "card-provisional.png"))

            servers.restart(server)
            await ws.sync_now()
            await until(lambda: not window.card.detail.provisional, what="confirmed")  # type: ignore[union-attr]
            assert "предварительно" not in window.card.deadline.text()
            assert FIRST_DUE_LOCAL in window.card.deadline.text()

            def confirmed_cell() -> bool:
                cell = timer_cell()  # "" while the refreshed row is being read again
                return bool(cell) and "предв." not in cell

            await until(confirmed_cell, what="the mark gone in the list, the timer kept")
            assert (await ws.sync_status()).pending == 0
            return incident_id
        finally:
            window.close()
            await ws.close()

    incident_id = run_qt(qapp, body)
    rows = server_rows(server, "ivanova")
    mine = [r for k, r in rows.items() if k.startswith("incident:") and r["id"] == incident_id]
    assert len(mine) == 1
    assert mine[0]["external_id"] == f"phone:{incident_id}"
    assert mine[0]["region_code"] == "RU-TUL"
    assert mine[0]["first_answer_due"].startswith(FIRST_DUE_UTC)
