"""Unexpected errors: save the draft, write a report, tell the operator in Russian.

:func:`install_crash_handler` sets ``sys.excepthook`` (PySide6 hands exceptions raised in slots
and virtual methods to it; the event loop goes on) and the asyncio loop's exception handler (an
unexpected failure of a task: reported by the window's done callbacks through
:mod:`cur_desktop.ui.task_errors`, or by asyncio for an exception nobody retrieved; a cancelled
task is no error). For each unexpected exception the handler

1. saves the draft being typed (``flush_draft`` of the answer editor: the pending text goes to
   the store through the workstation, as on close), before anything else can fail;
2. writes ``crash-<UTC time>-<pid>.txt`` (version, time, traceback) into the log directory and
   logs the exception;
3. shows a window-modal dialog in Russian with the report's path (``open()``, not ``exec()``:
   the asyncio loop keeps turning, so the draft's save runs while the dialog is up); it names
   the error.

One dialog at a time: errors while it is up (a failing timer would raise every second) are
logged and counted in the open dialog («Ещё ошибок с тех пор: N»), with no report file and no
second dialog; the next error after it is closed opens a new one.

A failure inside the handler falls back to the previous hook; it never raises.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from cur_desktop import __version__

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def write_report(
    folder: Path, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> Path:
    """Write the crash report file; return its path."""
    now = datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    lines = [
        f"cur-desktop {__version__}",
        f"time (UTC): {now.isoformat(timespec='seconds')}",
        f"python: {sys.version.split()[0]}, platform: {sys.platform}",
        "",
        *traceback.format_exception(exc_type, exc, tb),
    ]
    path.write_text("\n".join(line.rstrip("\n") for line in lines) + "\n", encoding="utf-8")
    return path


class CrashHandler:
    """The ``sys.excepthook`` of the window (see the module docstring)."""

    def __init__(
        self,
        report_dir: Path,
        parent: Callable[[], QWidget | None],
        save_drafts: Callable[[], None],
    ) -> None:
        self.report_dir = report_dir
        self._parent = parent
        self._save_drafts = save_drafts
        self.previous: ExceptHook = sys.excepthook
        self.last_report: Path | None = None
        self.last_dialog: QMessageBox | None = None
        self.further = 0
        """Errors since the open dialog was shown (counted in it, not shown one by one)."""
        self._error = ""

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        if issubclass(exc_type, asyncio.CancelledError):  # a cancelled task: no error
            log.info("cancelled: %s", exc_type.__name__)
            return
        try:
            self._handle(exc_type, exc, tb)
        except Exception:  # the handler must never raise; the default hook still prints
            self.previous(exc_type, exc, tb)

    def on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The asyncio loop's exception handler: an exception goes where ``sys.excepthook``'s
        go; a context without one (a message of asyncio's) is logged as asyncio logs it."""
        exc = context.get("exception")
        if not isinstance(exc, BaseException):
            loop.default_exception_handler(context)
            return
        self(type(exc), exc, exc.__traceback__)

    @property
    def dialog_open(self) -> bool:
        """Whether the crash dialog is up (further errors are counted in it)."""
        return self.last_dialog is not None and self.last_dialog.isVisible()

    def _handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        try:
            self._save_drafts()
        except Exception:
            log.exception("saving the draft after an unexpected error failed")
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        if self.dialog_open:
            self.further += 1
            self._show_texts()
            return
        self.further = 0
        self.last_report = write_report(self.report_dir, exc_type, exc, tb)
        self._error = "".join(traceback.format_exception_only(exc_type, exc)).strip()
        box = QMessageBox(self._parent())
        box.setObjectName("crashDialog")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("CrashDialog", "Unexpected error"))
        box.setText(
            QCoreApplication.translate(
                "CrashDialog",
                "An unexpected error happened. The answer draft is saved; you can go on "
                "working, or restart the program if something looks wrong.",
            )
        )
        box.setDetailedText(self._error)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.last_dialog = box
        self._show_texts()
        box.open()

    def _show_texts(self) -> None:
        box = self.last_dialog
        if box is None:
            return
        error = QCoreApplication.translate("CrashDialog", "Error: %1").replace("%1", self._error)
        report = QCoreApplication.translate(
            "CrashDialog", "The error report is saved to:\n%1\nPlease send it to technical support."
        ).replace("%1", str(self.last_report))
        lines = [error, report]
        if self.further:
            lines.append(
                QCoreApplication.translate(
                    "CrashDialog", "Further errors since then: %1 (written to the program's log)."
                ).replace("%1", str(self.further))
            )
        box.setInformativeText("\n\n".join(lines))


def install_crash_handler(
    report_dir: Path,
    parent: Callable[[], QWidget | None],
    save_drafts: Callable[[], None],
    loop: asyncio.AbstractEventLoop | None = None,
) -> CrashHandler:
    """Make a :class:`CrashHandler` the process's ``sys.excepthook`` and the exception handler
    of ``loop`` (when given); return it."""
    handler = CrashHandler(report_dir, parent, save_drafts)
    sys.excepthook = handler
    if loop is not None:
        loop.set_exception_handler(handler.on_loop_exception)
    return handler


__all__ = ["CrashHandler", "install_crash_handler", "write_report"]
