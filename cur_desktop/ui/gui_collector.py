"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs a cyclic collection on whichever thread happens to allocate when a generation's
threshold is crossed. In this program that is often a database reader or the sync thread, and
a cycle that holds a Qt object (a widget whose slot is a lambda over ``self``, a model, a
timer) is then destroyed there: Qt warns "Timers cannot be stopped from another thread" and
may crash. The tests saw exactly that (a segfault in ``processEvents`` after an earlier test's
widgets were collected on a reader thread).

:class:`GuiThreadCollector` turns automatic collection off and, from a timer on the GUI thread,
collects the generations whose thresholds were crossed, the way the interpreter would have,
so the amount of work per pass stays the same and only the thread changes. Reference counting
is untouched (most objects are freed by it at once). Calibre's main loop does the same.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects cyclic garbage every :data:`INTERVAL_MS` on the thread that created it."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self.passes = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the oldest generation whose threshold has been crossed, if any."""
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                self.passes += 1
                return

    def stop(self) -> None:
        """Stop the timer, collect once here, and give collection back to the interpreter."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
