"""Runtime settings of the workstation process while a pull runs: a short GIL switch interval
(:func:`short_switch_interval`) and a larger young generation of the collector
(:func:`larger_young_generation`). The start-up heap is frozen once by
:mod:`cur_desktop.startup_heap` (shared with the server).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
from collections.abc import Iterator

log = logging.getLogger(__name__)

PULL_SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it, during a pull.

A pull keeps a worker thread busy decoding pages in Python; the event loop (the window)
needs the GIL back after every wait and every socket call, and at CPython's default
(5 ms) each of those can cost up to 5 ms: the loop's longest stall during a first sync of
100,000 incidents was 50-240 ms on a loaded 2-core machine, 20-45 ms with 1 ms, at the same
throughput (``bench/sync_bench.py``). The window sets 1 ms for its whole process
(``ui/gil_switch.py``); this covers the engine's other hosts (command line, benchmarks)."""
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


PULL_YOUNG_THRESHOLD = 10_000
"""Allocations between two young-generation collections while a pull runs (CPython: 700).

Decoding a page makes ~10 tracked objects per incident (models, ids, the prepared row) that
live until the page is written; at 700 the collector ran every ~70 incidents and walked the
pages in flight again and again: ~2 µs of a ~20 µs decode per incident. A young collection
of 10,000 objects takes about a millisecond."""
_young_users = 0
_threshold_before: tuple[int, int, int] = (0, 0, 0)


@contextlib.contextmanager
def larger_young_generation(threshold: int = PULL_YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the collector's first threshold to ``threshold`` while the block runs.

    Never lowers it; shared by nested and concurrent blocks like :func:`short_switch_interval`.
    """
    global _young_users, _threshold_before  # noqa: PLW0603 (one setting per process)
    if _young_users == 0:
        _threshold_before = gc.get_threshold()
        if threshold > _threshold_before[0]:
            gc.set_threshold(threshold, *_threshold_before[1:])
    _young_users += 1
    try:
        yield
    finally:
        _young_users -= 1
        raised = (max(threshold, _threshold_before[0]), *_threshold_before[1:])
        if _young_users == 0 and gc.get_threshold() == raised:
            gc.set_threshold(*_threshold_before)
