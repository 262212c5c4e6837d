"""Make the README's screenshots (1366×768): the inbox, the card with the editor, sign-in.

Runs the real demo path off-screen: seeds and starts the demo server, signs the operator in,
opens the window on the synced profile, and grabs the window. Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/docs_screenshots.py docs/screenshots
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from cur_desktop.demo.window_demo import LiveFeed, start_demo_server
from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.sign_in import sign_in
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.application import prepare_application
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.sign_in_dialog import SignInDialog

SIZE = (1366, 768)


async def _until(predicate: object, timeout: float = 60.0) -> None:
    assert callable(predicate)
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not reached")


async def _shoot(out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cur-shots-"))
    demo = await asyncio.to_thread(start_demo_server, folder, "operator")
    try:
        feed = LiveFeed(demo.server.base_url, demo.region_code, seed=5, burst=18)
        feed.start()
        await _until(lambda: feed.sent >= 18)
        await feed.stop()

        async def attempt(server: str, login: str, password: str) -> object:
            return await sign_in(demo.profile_dir, server, login, password)

        dialog = SignInDialog(attempt, server=demo.server.base_url, login=demo.login)
        dialog.password.setText("demo")
        dialog.resize(520, 300)
        dialog.show()
        await asyncio.sleep(0.3)
        canvas = MainWindow()
        canvas.resize(*SIZE)
        canvas.show()
        await asyncio.sleep(0.3)
        dialog.move((SIZE[0] - dialog.width()) // 2, (SIZE[1] - dialog.height()) // 2)
        shot = canvas.grab()
        from PySide6.QtGui import QPainter  # noqa: PLC0415

        painter = QPainter(shot)
        painter.drawPixmap(dialog.pos(), dialog.grab())
        painter.end()
        shot.save(str(out / "sign-in.png"))
        canvas.close()
        dialog.close()

        await sign_in(demo.profile_dir, demo.server.base_url, demo.login, demo.password)
        ws = await Workstation.open(demo.profile_dir)
        await ws.sync_now()
        window = MainWindow()
        window.resize(*SIZE)
        window.show()
        window.attach(ws, await ws.session_info())
        await ws.sync_now()  # again, now that the window listens: the status bar shows it
        assert window.inbox is not None
        inbox = window.inbox
        inbox.set_view(SavedView.NEW)
        await _until(lambda: inbox.model.rowCount() > 5)
        await _until(lambda: inbox.model.cached_row(0) is not None)
        await asyncio.sleep(1.0)
        window.grab().save(str(out / "inbox.png"))
        inbox.set_view(SavedView.ALL)
        inbox.search.setText("мусор во дворе")
        await asyncio.sleep(2.0)
        window.grab().save(str(out / "search.png"))
        inbox.search.clear()
        inbox.set_view(SavedView.NEW)
        await asyncio.sleep(1.5)
        incident_id = inbox.model.incident_id(0)
        assert incident_id is not None
        inbox.table.selectRow(0)
        window.open_incident(incident_id)
        await _until(window.card.editor.isEnabled)
        editor = window.card.editor
        editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERIM.value))
        editor.template.setCurrentIndex(0)
        editor.insert_button.click()
        editor.text.appendPlainText("Обратитесь также в управляющую компанию.")
        editor.run_check()
        await asyncio.sleep(1.0)
        window.grab().save(str(out / "card-editor.png"))
        window.close()
        await ws.close()
    finally:
        await asyncio.to_thread(demo.stop)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    prepare_application(app, "cur-desktop-docs", "cur-desktop-docs")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_shoot(out))


if __name__ == "__main__":
    main()
