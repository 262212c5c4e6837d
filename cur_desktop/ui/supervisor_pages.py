"""The supervisors' pages of the window: Сроки (:class:`DeadlineBoard`) and Статистика
(:class:`StatisticsTab`), their wiring to the window (open an incident, status messages)
and the exports of the statistics shown. A drill-down of the statistics opens the inbox
(the window connects :attr:`StatisticsTab.inbox_requested`).

The main window only creates :class:`SupervisorPages`, puts its two widgets in its tabs, and
forwards ``attach``, incident changes and closing to it.

Start-up order (issue 9, the window over a million incidents): ``attach`` only records the
workstation; the board starts reading on :meth:`start`, which the window calls once the inbox
has painted its first rows (or when a tab of these pages is opened), so the inbox's reads are
not queued behind the board's. The Статистика tab (pyqtgraph and numpy: about half a second of
imports) is built on first use of :attr:`statistics` — the window asks for it when the tab is
opened — inside :attr:`statistics_holder`, the widget the window's tab shows; its drill-downs
reach the window through :attr:`inbox_requested`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.domain.enums import Role
from cur_desktop.services.reports import write_report
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.deadline_board import DeadlineBoard
from cur_desktop.ui.task_errors import report_failure

if TYPE_CHECKING:
    from cur_desktop.ui.statistics_tab import StatisticsTab

log = logging.getLogger(__name__)

SUPERVISING_ROLES = (Role.SUPERVISOR, Role.FEDERAL_ANALYST, Role.ADMIN)


class SupervisorPages(QObject):
    """Creates and wires the Сроки and Статистика pages (see the module docstring)."""

    inbox_requested = Signal(list)
    """A drill-down of the statistics (``StatisticsTab.inbox_requested``, forwarded)."""

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
        self.statistics_holder = QWidget(parent)
        self.statistics_holder.setObjectName("statisticsHolder")
        holder_layout = QVBoxLayout(self.statistics_holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        self._statistics: StatisticsTab | None = None
        self.ws: Workstation | None = None
        self.info: SessionInfo | None = None
        self.started = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self.board.open_requested.connect(open_incident)
        self.board.message.connect(show_message)

    @property
    def statistics(self) -> StatisticsTab:
        """The Статистика page, built (and attached, once signed in) on first use."""
        if self._statistics is None:
            from cur_desktop.ui.statistics_tab import StatisticsTab  # noqa: PLC0415 (pyqtgraph)

            tab = StatisticsTab(self.statistics_holder)
            layout = self.statistics_holder.layout()
            assert layout is not None
            layout.addWidget(tab)
            tab.export_requested.connect(self.export_dialog)
            tab.inbox_requested.connect(self.inbox_requested)
            self._statistics = tab
            if self.ws is not None and self.info is not None:
                tab.attach(self.ws, self.info.region_code)
        return self._statistics

    def attach(self, ws: Workstation, info: SessionInfo) -> None:
        """Remember who signed in; the pages start reading on :meth:`start`."""
        self.ws = ws
        self.info = info
        if self._statistics is not None:
            self._statistics.attach(ws, info.region_code)

    def start(self) -> None:
        """Start the board (once; after the inbox's first paint or when a page is opened)."""
        if self.started or self.ws is None or self.info is None:
            return
        self.started = True
        supervisor = self.info.role in SUPERVISING_ROLES
        login = self.info.login or ""
        self.board.attach(self.ws, self.info.region_code, login, supervisor=supervisor)

    def on_incidents_changed(self, ids: list[str]) -> None:
        """Sync or an operation changed incidents."""
        self.board.on_incidents_changed(ids)

    def cancel_tasks(self) -> None:
        """The window is closing."""
        self.board.cancel_tasks()
        if self._statistics is not None:
            self._statistics.cancel_tasks()
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
        task.add_done_callback(report_failure)

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
                from cur_desktop.ui.report_pdf import write_pdf  # noqa: PLC0415 (pyqtgraph)

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
