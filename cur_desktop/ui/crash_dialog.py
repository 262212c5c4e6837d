"""Unexpected errors: save the draft, write a report, tell the operator in Russian.

:func:`install_crash_handler` sets ``sys.excepthook`` (PySide6 hands exceptions raised in slots
and virtual methods to it; the event loop goes on). For each unexpected exception the handler

1. saves the draft being typed (``flush_draft`` of the answer editor: the pending text goes to
   the store through the workstation, as on close), before anything else can fail;
2. writes ``crash-<UTC time>-<pid>.txt`` (version, time, traceback) into the log directory and
   logs the exception;
3. shows a window-modal dialog in Russian with the report's path (``open()``, not ``exec()``:
   the asyncio loop keeps turning, so the draft's save runs while the dialog is up).

A failure inside the handler falls back to the previous hook; it never raises.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

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

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        try:
            self._handle(exc_type, exc, tb)
        except Exception:  # the handler must never raise; the default hook still prints
            self.previous(exc_type, exc, tb)

    def _handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        try:
            self._save_drafts()
        except Exception:
            log.exception("saving the draft after an unexpected error failed")
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        self.last_report = write_report(self.report_dir, exc_type, exc, tb)
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
        report = QCoreApplication.translate(
            "CrashDialog", "The error report is saved to:\n%1\nPlease send it to technical support."
        )
        box.setInformativeText(report.replace("%1", str(self.last_report)))
        box.setDetailedText("".join(traceback.format_exception_only(exc_type, exc)))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.last_dialog = box
        box.open()


def install_crash_handler(
    report_dir: Path, parent: Callable[[], QWidget | None], save_drafts: Callable[[], None]
) -> CrashHandler:
    """Make a :class:`CrashHandler` the process's ``sys.excepthook``; return it."""
    handler = CrashHandler(report_dir, parent, save_drafts)
    sys.excepthook = handler
    return handler


__all__ = ["CrashHandler", "install_crash_handler", "write_report"]
