"""The Qt side of start-up: application settings, translations, Qt logging, the window's life.

:class:`WindowSession` owns the main window for one run: it shows it at once, shows start-up
progress, asks for sign-in, attaches the services layer, and on close runs the shutdown steps
(registered by the composition root) in reverse order. It also adds the «Справка» menu
(shortcuts, «О программе») and raises the window when a second start of the profile asks
(:mod:`cur_desktop.ui.single_instance`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    QObject,
    QSettings,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication

from cur_desktop.reference.paths import resource_path
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import thread_priority
from cur_desktop.ui import format as fmt
from cur_desktop.ui.about_dialog import AboutDialog
from cur_desktop.ui.gil_switch import share_interpreter_with_gui
from cur_desktop.ui.gui_collector import GuiThreadCollector
from cur_desktop.ui.i18n import install_translations
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.sign_in_dialog import Attempt, SignInDialog, ask_sign_in

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


ICON = ("icons", "hicolor", "256x256", "apps", "cur-desktop.png")


def prepare_application(
    app: QApplication, organization: str, application: str, settings_dir: Path | None = None
) -> None:
    """Names for ``QSettings``, the translations, the icon, a calm style.

    With ``settings_dir`` the settings are the INI file ``settings_dir/<application>.ini`` on
    every platform (QSettings adds ``<organization>/`` to its path, so the path given to it is
    the parent and ``organization`` is the directory's name).
    """
    QCoreApplication.setOrganizationName(organization)
    QCoreApplication.setApplicationName(application)
    if settings_dir is not None:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir.parent)
        )
    QApplication.setDesktopFileName(application)
    try:
        app.setWindowIcon(QIcon(str(resource_path(*ICON))))
    except FileNotFoundError:
        log.warning("the program's icon is missing from the resources")
    app.setProperty("cur_translators", install_translations(app))
    # the run ends when the window's shutdown steps are done (drafts, sync, demo server),
    # not the moment the last window closes
    app.setQuitOnLastWindowClosed(False)
    app.setStyle("Fusion")
    # cyclic garbage (and the Qt objects it holds) is freed on this thread only
    app.setProperty("cur_collector", GuiThreadCollector(app))
    # the GUI thread gets the interpreter lock back sooner from the sync's threads
    share_interpreter_with_gui()
    # and the CPU first: worker threads started from now on run at a lower priority
    thread_priority.enable()


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s (%s)", message, context.category)


def install_qt_message_handler() -> None:
    """Route Qt's own messages into Python logging (logger ``qt``)."""
    qInstallMessageHandler(_qt_message)


class WindowSession(QObject):
    """The window of one run and what must happen when it closes."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        data_dir: Path | None = None,
        log_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = MainWindow()
        self.ws: Workstation | None = None
        self.data_dir = data_dir
        self.log_dir = log_dir
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._shutdown: list[Callable[[], Awaitable[Any]]] = []
        self.window.closing.connect(self._on_closing)
        self._add_help_menu()

    def _add_help_menu(self) -> None:
        menu = self.window.menuBar().addMenu(self.tr("&Help"))
        shortcuts = QAction(self.tr("Keyboard shortcuts"), self.window)
        shortcuts.triggered.connect(self.window.show_shortcuts)
        self.about_action = QAction(self.tr("About the program"), self.window)
        self.about_action.setObjectName("aboutAction")
        self.about_action.triggered.connect(self.show_about)
        menu.addAction(shortcuts)
        menu.addAction(self.about_action)

    def show_about(self) -> AboutDialog:
        """Open «О программе» (returned for tests)."""
        data_dir = self.ws.profile.directory if self.ws is not None else self.data_dir
        dialog = AboutDialog(data_dir or Path("—"), self.log_dir or Path("—"), parent=self.window)
        dialog.open()
        return dialog

    def raise_window(self) -> None:
        """Bring the window to the front (a second start of the same profile asked)."""
        state = self.window.windowState() & ~Qt.WindowState.WindowMinimized
        self.window.setWindowState(state | Qt.WindowState.WindowActive)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def show(self) -> None:
        """Show the window now (before any data exists)."""
        self.window.show()

    def preparing(self, stage: str, done: int = 0, total: int = 0) -> None:
        """Start-up progress by stage (with counts when known)."""
        texts = {
            "seeding": self.tr(
                "Preparing demo data (regions, municipalities, executors, 90 days of history)…"
            ),
            "starting": self.tr("Starting the local CUR server…"),
            "signing_in": self.tr("Signing in and fetching the data…"),
        }
        text = texts.get(stage, stage)
        if total:
            text += " " + self.tr("%1 of %2").replace("%1", fmt.number(done))
            text = text.replace("%2", fmt.number(total))
        self.window.waiting.setText(text)
        self.window.status.show_preparing(text, done, total or None)

    async def ask_sign_in(self, attempt: Attempt, *, server: str, login: str) -> Any:
        """Show the sign-in dialog over the window; the result or ``None``."""
        self.window.waiting.setText(self.tr("Sign in to start work."))
        dialog = SignInDialog(attempt, self.window, server=server, login=login)
        self.window.closing.connect(dialog.reject)  # SIGTERM / close while signing in
        return await ask_sign_in(dialog)

    def attach(self, ws: Workstation, info: SessionInfo, *, offline: bool) -> None:
        """Hand the services layer to the window and start syncing."""
        self.ws = ws
        self.on_shutdown(ws.close)
        if self._closed.done():  # closed while starting: nothing to show any more
            return
        self.window.attach(ws, info, offline=offline)
        ws.start_sync()

    def on_shutdown(self, step: Callable[[], Awaitable[Any]]) -> None:
        """Run ``step`` when the window closes (steps run newest first)."""
        self._shutdown.append(step)

    def _on_closing(self) -> None:
        if not self._closed.done():
            self._closed.set_result(None)

    async def closed(self) -> None:
        """Wait until the window closes."""
        await self._closed

    def quit(self) -> None:
        """Close the window (ends the run)."""
        self.window.close()
        self._on_closing()

    async def shutdown(self) -> None:
        """Run the shutdown steps, newest first; a failing step does not stop the others."""
        while self._shutdown:
            step = self._shutdown.pop()
            try:
                await step()
            except Exception:
                log.exception("shutdown step failed")


__all__ = ["WindowSession", "install_qt_message_handler", "prepare_application"]
