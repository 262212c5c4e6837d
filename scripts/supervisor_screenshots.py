"""Screenshots of the supervisors' tabs (Сроки, Статистика) at 1366×768 and a PDF page.

Runs the real demo path off-screen: seeds and starts the demo server, signs the supervisor in,
syncs, opens the window on the synced profile, shows the previous month's statistics (the
current month of the demo has just begun), grabs the window, writes the PDF report of that
month and renders its first page with ``pdftoppm``. Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/supervisor_screenshots.py docs/screenshots
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from cur_desktop.demo.window_demo import start_demo_server
from cur_desktop.services.sign_in import sign_in
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.application import prepare_application
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.report_pdf import write_pdf

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
    demo = await asyncio.to_thread(start_demo_server, folder, "supervisor")
    try:
        await sign_in(demo.profile_dir, demo.server.base_url, demo.login, demo.password)
        ws = await Workstation.open(demo.profile_dir)
        await ws.sync_now()
        window = MainWindow()
        window.resize(*SIZE)
        window.show()
        window.attach(ws, await ws.session_info())
        board = window.supervision.board
        await _until(lambda: board.rows != [])
        window.tabs.setCurrentIndex(1)
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "deadlines.png"))
        tab = window.supervision.statistics
        await _until(lambda: tab.report is not None)
        tab.step(-1)
        await _until(lambda: tab.report is not None and tab.report.period == tab.period())
        window.tabs.setCurrentIndex(2)
        await asyncio.sleep(0.8)
        window.grab().save(str(out / "statistics.png"))
        tab.group_by.setCurrentIndex(1)
        tab.views.setCurrentIndex(1)
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "statistics-tables.png"))
        tab.views.setCurrentIndex(2)
        await _until(lambda: tab.rating.table.rowCount() > 0)
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "statistics-rating.png"))
        assert tab.report is not None
        # drill-down: the first row of the executors' table opens the inbox filtered to it
        first = tab.table.item(0, 0)
        assert first is not None
        tab._on_row(0, 0)
        inbox = window.inbox
        assert inbox is not None
        await _until(lambda: bool(inbox.drill) and inbox.model.rowCount() > 0)
        await asyncio.sleep(0.8)
        window.grab().save(str(out / "inbox-drill.png"))
        pdf = folder / "report.pdf"
        write_pdf(tab.report, pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(out / "report-page"),
            ],
            check=True,
        )
        window.close()
        await ws.close()
    finally:
        await asyncio.to_thread(demo.stop)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    prepare_application(app, "cur-desktop-docs", "cur-desktop-docs")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_shoot(out))
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
