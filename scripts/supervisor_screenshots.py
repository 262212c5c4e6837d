"""Screenshots of the supervisors' tabs (Сроки, Статистика) at 1366×768 and a PDF page.

Runs the real demo path off-screen: seeds and starts the demo server, signs the supervisor in,
syncs, opens the window on the synced profile, shows the previous month's statistics (the
current month of the demo has just begun), grabs the window, writes the PDF report of that
month and renders its first page with ``pdftoppm`` (the shared steps: ``screenshot_kit.py``).
Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/supervisor_screenshots.py docs/screenshots
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from screenshot_kit import demo_server, main, signed_in_window, until

from cur_desktop.ui.report_pdf import write_pdf


async def _shoot(out: Path) -> None:
    async with demo_server("supervisor") as demo, signed_in_window(demo) as (_ws, window):
        board = window.supervision.board
        await until(lambda: board.rows != [])
        window.tabs.setCurrentIndex(1)
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "deadlines.png"))
        tab = window.supervision.statistics
        await until(lambda: tab.report is not None)
        tab.step(-1)
        await until(lambda: tab.report is not None and tab.report.period == tab.period())
        window.tabs.setCurrentIndex(2)
        await asyncio.sleep(0.8)
        window.grab().save(str(out / "statistics.png"))
        tab.group_by.setCurrentIndex(1)
        tab.views.setCurrentIndex(1)
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "statistics-tables.png"))
        tab.views.setCurrentIndex(2)
        await until(lambda: tab.rating.table.rowCount() > 0)
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "statistics-rating.png"))
        assert tab.report is not None
        # drill-down: the first row of the executors' table opens the inbox filtered to it
        first = tab.table.item(0, 0)
        assert first is not None
        tab._on_row(0, 0)
        inbox = window.inbox
        assert inbox is not None
        await until(lambda: bool(inbox.drill) and inbox.model.rowCount() > 0)
        await asyncio.sleep(0.8)
        window.grab().save(str(out / "inbox-drill.png"))
        pdf = demo.folder / "report.pdf"
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


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
