"""Make the README's screenshots (1366×768): the inbox, the card with the editor, sign-in.

Runs the real demo path off-screen: seeds and starts the demo server, signs the operator in,
opens the window on the synced profile, and grabs the window (the shared steps:
``screenshot_kit.py``). Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/docs_screenshots.py docs/screenshots
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtGui import QPainter
from screenshot_kit import SIZE, demo_server, main, signed_in_window, until

from cur_desktop.demo.window_demo import LiveFeed
from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.sign_in import sign_in
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.sign_in_dialog import SignInDialog


async def _shoot(out: Path) -> None:
    async with demo_server("operator") as demo:
        feed = LiveFeed(demo.server.base_url, demo.region_code, seed=5, burst=18)
        feed.start()
        await until(lambda: feed.sent >= 18)
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
        painter = QPainter(shot)
        painter.drawPixmap(dialog.pos(), dialog.grab())
        painter.end()
        shot.save(str(out / "sign-in.png"))
        canvas.close()
        dialog.close()

        async with signed_in_window(demo) as (ws, window):
            await ws.sync_now()  # again, now that the window listens: the status bar shows it
            assert window.inbox is not None
            inbox = window.inbox
            inbox.set_view(SavedView.NEW)
            await until(lambda: inbox.model.rowCount() > 5)
            await until(lambda: inbox.model.cached_row(0) is not None)
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
            await until(window.card.editor.isEnabled)
            editor = window.card.editor
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERIM.value))
            editor.template.setCurrentIndex(0)
            editor.insert_button.click()
            editor.text.appendPlainText("Обратитесь также в управляющую компанию.")
            editor.run_check()
            await asyncio.sleep(1.0)
            window.grab().save(str(out / "card-editor.png"))


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
