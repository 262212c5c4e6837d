"""The supervisors' pages of the window: Сроки (:class:`DeadlineBoard`) and Статистика
(:class:`StatisticsTab`), their wiring to the window (open an incident, status messages)
and the exports of the statistics shown. A drill-down of the statistics opens the inbox
(the window connects :attr:`StatisticsTab.inbox_requested`).

The main window only creates :class:`SupervisorPages`, puts its two widgets in its tabs, and
forwards ``attach``, incident changes and closing to it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QWidget,
)

from cur_desktop.domain.enums import Role
from cur_desktop.services.reports import write_report
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.deadline_board import DeadlineBoard
from cur_desktop.ui.report_pdf import write_pdf
from cur_desktop.ui.statistics_tab import StatisticsTab

log = logging.getLogger(__name__)

SUPERVISING_ROLES = (Role.SUPERVISOR, Role.FEDERAL_ANALYST, Role.ADMIN)


class SupervisorPages(QObject):
    """Creates and wires the Сроки and Статистика pages (see the module docstring)."""

    def __init__(
        self,
        parent: QWidget,
        open_incident: Callable[[str], None],
        show_message: Callable[[str], None],
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.open_incident = open_incident
        self.show_message = show_message
        self.board = DeadlineBoard(parent)
        self.statistics = StatisticsTab(parent)
        self.ws: Workstation | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self.board.open_requested.connect(open_incident)
        self.board.message.connect(show_message)
        self.statistics.export_requested.connect(self.export_dialog)

    def attach(self, ws: Workstation, info: SessionInfo) -> None:
        """Start both pages for who signed in."""
        self.ws = ws
        supervisor = info.role in SUPERVISING_ROLES
        self.board.attach(ws, info.region_code, info.login or "", supervisor=supervisor)
        self.statistics.attach(ws, info.region_code)

    def on_incidents_changed(self, ids: list[str]) -> None:
        """Sync or an operation changed incidents."""
        self.board.on_incidents_changed(ids)

    def cancel_tasks(self) -> None:
        """The window is closing."""
        self.board.cancel_tasks()
        self.statistics.cancel_tasks()
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def export_dialog(self, kind: str) -> None:
        """Ask where to save the shown statistics as ``kind`` and write it."""
        report = self.statistics.report
        if report is None:
            self.show_message(self.tr("Nothing to export yet: the statistics are being computed."))
            return
        folder = str(QSettings().value("export/folder", str(Path.home())))
        suggested = str(
            Path(folder) / f"statistika-{report.region_code}-{report.period.start_date}.{kind}"
        )
        filters = {"xlsx": "Excel (*.xlsx)", "csv": "CSV (*.csv)", "pdf": "PDF (*.pdf)"}
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget, self.tr("Export the statistics"), suggested, filters[kind]
        )
        if path:
            QSettings().setValue("export/folder", str(Path(path).parent))
            self.export(kind, Path(path))

    def export(self, kind: str, path: Path) -> bool:
        """Write the shown statistics to ``path``; tell the person how it went."""
        report = self.statistics.report
        if report is None:
            return False
        try:
            if kind == "pdf":
                write_pdf(report, path)
            else:
                write_report(report, path, kind)
        except OSError as exc:
            log.warning("export failed: %s", exc)
            QMessageBox.warning(
                self.parent_widget,
                self.tr("Export"),
                self.tr("The file could not be written: %1").replace("%1", str(exc)),
            )
            return False
        self.show_message(self.tr("Saved: %1").replace("%1", str(path)))
        return True


__all__ = ["SupervisorPages"]
