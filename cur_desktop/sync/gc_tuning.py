"""Runtime settings of the workstation process: freeze the start-up heap once; a short GIL
switch interval while a pull runs (:func:`short_switch_interval`).

CPython's cyclic collector stops every thread while it runs, and a full (generation 2) pass
walks every tracked object. After start-up (imports, reference data, pydantic and SQLAlchemy
schemas: hundreds of thousands of objects that live as long as the process) each full pass
during a big pull spent most of its time re-walking that heap, and the event loop (the
window) stalled for as long: 70-105 ms at 20,000 incidents and ~225 ms at 100,000 in
``bench/sync_bench.py``. ``gc.freeze()`` moves everything alive now into a permanent
generation the collector never scans again, so later passes only walk objects made since.

Call :func:`freeze_startup_heap` once, when start-up is done (the CLI does it after parsing
its arguments; the window will do it after its first show). Objects frozen are never freed by
the cyclic collector (reference counting still frees them), so calling it again after every
sync would leak cyclic garbage: it only freezes the first time in a process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
from collections.abc import Iterator

log = logging.getLogger(__name__)

_frozen = False


def freeze_startup_heap() -> bool:
    """Collect once, then freeze every live object (first call per process only).

    Returns whether this call froze the heap (``False`` when an earlier call already did).
    """
    global _frozen  # noqa: PLW0603 (one flag per process, on purpose)
    if _frozen:
        return False
    gc.collect()
    gc.freeze()
    _frozen = True
    log.debug("start-up heap frozen: %d objects", gc.get_freeze_count())
    return True


PULL_SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it, during a pull.

A pull keeps a worker thread busy decoding pages in Python; the event loop (the window)
needs the GIL back after every wait and every socket call, and at CPython's default
(5 ms) each of those can cost up to 5 ms: the loop's longest stall during a first sync of
100,000 incidents was 50-240 ms on a loaded 2-core machine, 20-45 ms with 1 ms, at the same
throughput (``bench/sync_bench.py``)."""
_short_switch_users = 0
_switch_before = 0.0


@contextlib.contextmanager
def short_switch_interval(seconds: float = PULL_SWITCH_INTERVAL) -> Iterator[None]:
    """Lower ``sys.setswitchinterval`` to ``seconds`` while the block runs (never raise it).

    Nested and concurrent blocks share one setting; the value before the first is restored
    when the last ends, unless someone else changed it in between.
    """
    global _short_switch_users, _switch_before  # noqa: PLW0603 (one setting per process)
    if _short_switch_users == 0:
        _switch_before = sys.getswitchinterval()
        if seconds < _switch_before:
            sys.setswitchinterval(seconds)
    _short_switch_users += 1
    try:
        yield
    finally:
        _short_switch_users -= 1
        if _short_switch_users == 0 and sys.getswitchinterval() == min(seconds, _switch_before):
            sys.setswitchinterval(_switch_before)
