"""The Qt side of start-up: application settings, translations, Qt logging, the window's life.

:class:`WindowSession` owns the main window for one run: it shows it at once, shows start-up
progress, asks for sign-in, attaches the services layer, and on close runs the shutdown steps
(registered by the composition root) in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    QObject,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui import format as fmt
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


def prepare_application(app: QApplication, organization: str, application: str) -> None:
    """Names for ``QSettings``, the translations, a calm style."""
    QCoreApplication.setOrganizationName(organization)
    QCoreApplication.setApplicationName(application)
    app.setProperty("cur_translators", install_translations(app))
    # the run ends when the window's shutdown steps are done (drafts, sync, demo server),
    # not the moment the last window closes
    app.setQuitOnLastWindowClosed(False)
    app.setStyle("Fusion")


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s (%s)", message, context.category)


def install_qt_message_handler() -> None:
    """Route Qt's own messages into Python logging (logger ``qt``)."""
    qInstallMessageHandler(_qt_message)


class WindowSession(QObject):
    """The window of one run and what must happen when it closes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = MainWindow()
        self.ws: Workstation | None = None
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._shutdown: list[Callable[[], Awaitable[Any]]] = []
        self.window.closing.connect(self._on_closing)

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
