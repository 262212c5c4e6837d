"""The start-up heap of a process, frozen out of the cyclic garbage collector (issue 11).

CPython's cyclic collector stops every thread while it runs, and a full (generation 2) pass
walks every tracked object. After start-up a process holds hundreds of thousands of objects
that live as long as it does (imports, pydantic, SQLAlchemy and FastAPI schemas, reference
data), and each full pass re-walked them:

- the workstation: during a big pull the event loop (the window) stalled as long as a pass,
  70-105 ms at 20,000 incidents and ~225 ms at 100,000 (``bench/sync_bench.py``);
- the server: an ingestion batch of 5,000 items set off passes that re-walked ~150,000
  objects, ~17 µs an item of the ~55 µs it spent (``bench/server_bench.py`` on PostgreSQL).

``gc.freeze()`` moves what is alive now into a permanent generation the collector never scans
again; later passes walk only newer objects. Call :func:`freeze_startup_heap` once, when
start-up is done (``cur-desktop``'s CLI and window, ``cur-server serve`` and the worker
factory). Frozen objects are never freed by the cyclic collector (reference counting still
frees them), so calling it again later would leak cyclic garbage: it freezes only the first
time in a process. Both sides import it from here, a module of neither (the server imports
no client package, the client no server package).
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
