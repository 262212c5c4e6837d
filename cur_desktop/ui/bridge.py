"""The one bridge from the core's plain-Python events to Qt signals on the GUI thread.

The services layer calls subscribers on the event loop's thread (the GUI thread). Should a
subscriber ever be called on another thread, :meth:`CoreBridge.deliver` does not emit there:
a signal emitted from a thread Qt did not start can crash PySide6 (PYSIDE-3124, see
``event_loop.py``), so the call is handed to the GUI thread through the loop's Qt-free
``call_soon_threadsafe`` and the signal is emitted there. Nothing below ``ui/`` knows Qt exists.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class CoreBridge(QObject):
    """Turns core events into signals: ``sync_event`` (status objects), ``incidents_changed``."""

    core_event = Signal(object)
    """Any event object, as delivered (sync status, progress, changes)."""
    incidents_changed = Signal(list)
    """Ids (``str``) of incidents whose rows changed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gui_thread = threading.get_ident()
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # built outside the loop (some tests): delivered on this thread
            self._loop = None

    def deliver(self, event: object) -> None:
        """Called by the core, from any thread; the signals are emitted on the GUI thread."""
        if threading.get_ident() != self._gui_thread and self._loop is not None:
            self._loop.call_soon_threadsafe(self.deliver, event)
            return
        ids = getattr(event, "incident_ids", None)
        if ids is not None:
            self.incidents_changed.emit(_as_list(ids))
        self.core_event.emit(event)

    def changed(self, incident_ids: Iterable[str]) -> None:
        """Report locally made changes (an operation's result) the same way."""
        ids = _as_list(incident_ids)
        if ids:
            self.incidents_changed.emit(ids)


def _as_list(ids: Iterable[object]) -> list[str]:
    return [str(i) for i in ids]


__all__ = ["CoreBridge"]
