"""The one bridge from the core's plain-Python events to Qt signals on the GUI thread.

The services layer calls subscribers from whatever thread it runs on (the event loop, a writer
thread). :class:`CoreBridge` lives on the GUI thread; its :meth:`deliver` may be called from
any thread and re-emits the event through a signal, which Qt queues to the GUI thread when the
caller is elsewhere. Nothing below ``ui/`` knows Qt exists.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class CoreBridge(QObject):
    """Turns core events into signals: ``sync_event`` (status objects), ``incidents_changed``."""

    core_event = Signal(object)
    """Any event object, as delivered (sync status, progress, changes)."""
    incidents_changed = Signal(list)
    """Ids (``str``) of incidents whose rows changed."""

    def deliver(self, event: object) -> None:
        """Called by the core, from any thread."""
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
