"""The interpreter lock's switch interval of the window's process: 1 ms instead of 5 ms.

While a sync runs, several threads want the interpreter lock (GIL) at once: the sync's page
decoding and stemming, the store's writer, the reader pool, and the GUI thread, which gives
the lock up around every system call and every wait in Qt's event loop and must get it back
to run the next Python slot. A thread asking for the lock waits for the holder's switch
interval (``sys.getswitchinterval()``, 5 ms by default) before the holder is told to let go,
and with several busy threads it may lose the lock again to another one: one slot that makes
a few system calls (a socket's peer name, an import that fails, a file stat) then waits tens
of milliseconds. With 1 ms the GUI thread gets the lock back five times sooner; the worker
threads switch more often. See bench/README.md, ui_bench.py, for the figures.

It does not help against a C call that holds the lock without ever checking for a switch
request (a pydantic parse of a whole page, a stemmer call over a whole page): those stall
the GUI thread for as long as they run, whatever the interval.
"""

from __future__ import annotations

import sys

GUI_SWITCH_INTERVAL_S = 0.001


def share_interpreter_with_gui(interval: float = GUI_SWITCH_INTERVAL_S) -> float:
    """Set the switch interval of this process; return the one it replaced."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    return before


__all__ = ["GUI_SWITCH_INTERVAL_S", "share_interpreter_with_gui"]
