"""The server process's start-up heap, frozen out of the cyclic garbage collector (issue 11).

A full (generation 2) pass of CPython's collector walks every tracked object; after start-up
the server holds ~150,000 that live as long as the process (imports, pydantic, SQLAlchemy and
FastAPI schemas, reference data). An ingestion batch of 5,000 items allocates enough to set
off such passes, and they re-walked that heap every time: 3 passes over 20,000 items took
0.35 s, ~17 µs an item of the ~55 µs the server spent (``bench/server_bench.py`` on
PostgreSQL). ``gc.freeze()`` moves what is alive once the application is built into a
permanent generation the collector never scans again; later passes walk only newer objects.

The client does the same for its own process (``cur_desktop.sync.gc_tuning``; the server does
not import client packages). Only the real entry points call this (``cur-server serve`` and
the worker factory), once per process: frozen objects are never freed by the cyclic collector.
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
    log.info("start-up heap frozen: %d objects", gc.get_freeze_count())
    return True
