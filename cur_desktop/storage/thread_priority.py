"""Background threads of the window's process at a lower CPU priority than its GUI thread.

On the 2-core machines the centres use, a first sync keeps the store's writer, its readers and
the loop's worker threads busy at once, and the local server (``--demo``) beside them; the GUI
thread, runnable to paint the list, then waited its turn for the CPU for up to tens of
milliseconds (measured with ``perf`` sched events: ``bench/README.md``, stop 10). Linux gives
every thread its own nice value: a worker thread started after :func:`enable` raises its own
by :data:`BACKGROUND_NICENESS` (lowering its priority; a process may always do that, never
the reverse), so the scheduler runs the GUI thread first whenever it has work, and the workers
still get all the CPU the GUI thread leaves.

Only the window's process calls :func:`enable`; the command line, the server and the tests
keep plain priorities. Elsewhere than Linux (where a thread id is not a scheduling entity for
``setpriority``) nothing changes.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICENESS = 10
"""How much nicer a worker thread is than the GUI thread (CFS weight ratio about 1:10)."""

_ENABLED = threading.Event()


def enable() -> None:
    """Worker threads started from now on lower their own priority (:func:`lower_this_thread`)."""
    _ENABLED.set()


def lower_this_thread() -> None:
    """Raise the calling thread's nice value by :data:`BACKGROUND_NICENESS`, if enabled.

    Meant as a ``ThreadPoolExecutor`` initializer. Never raises: a refusal is only logged.
    """
    if not _ENABLED.is_set() or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + BACKGROUND_NICENESS))
    except OSError as exc:  # pragma: no cover - lowering one's own priority is always allowed
        log.debug("thread %d keeps its priority: %s", tid, exc)


__all__ = ["BACKGROUND_NICENESS", "enable", "lower_this_thread"]
