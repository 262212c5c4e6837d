"""Garbage-collector settings of the workstation process: freeze the start-up heap once.

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

import gc
import logging

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
