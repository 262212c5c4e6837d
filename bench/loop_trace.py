"""What the GUI thread was doing around the worst event-loop stalls (``ui_bench.py --trace``).

A stall of the window's event loop has three usual causes: Python work on the GUI thread (a
slot, a model refresh, a paint), a cyclic garbage collection (run on the GUI thread by
``ui/gui_collector.py``), or another thread holding the interpreter lock (GIL) in a long C call
(a JSON or pydantic parse, a stemmer over a page, an ``executemany``) so the GUI thread cannot
run Python at all. :class:`LoopTrace` records enough to tell them apart:

* a sampler thread wakes every ``sample_ms`` and records the GUI thread's and the other
  threads' innermost frames (``sys._current_frames``). It needs the GIL to take a sample, so a
  gap between its samples is time when some thread held the GIL without letting go;
* ``gc.callbacks``: start, end and generation of every cyclic collection, on any thread;
* the caller's lateness ticks (a ``QTimer``), passed to :meth:`report`.

:meth:`report` prints, for the worst stalls, the collections inside them, the sampler's longest
gap, and the most frequent GUI-thread frames and other-thread frames sampled inside them.
"""

from __future__ import annotations

import gc
import itertools
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType


def _where(frame: FrameType | None, depth: int) -> str:
    parts: list[str] = []
    while frame is not None and len(parts) < depth:
        code = frame.f_code
        name = code.co_filename.rsplit("/", 2)
        parts.append(f"{'/'.join(name[-2:])}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return " < ".join(parts)


@dataclass
class LoopTrace:
    """Samples of every thread and GC passes, for :meth:`report` (see the module docstring)."""

    sample_ms: float = 2.0
    depth: int = 4
    gui_depth: int = 14
    samples: list[tuple[float, str, tuple[str, ...]]] = field(default_factory=list)
    collections: list[tuple[float, float, int, int]] = field(default_factory=list)
    _gc_start: float = 0.0
    counts: list[tuple[float, tuple[int, int, int]]] = field(default_factory=list)
    freed: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _gui: int = 0

    def start(self) -> None:
        """Start sampling (call on the GUI thread)."""
        self._gui = threading.get_ident()
        gc.callbacks.append(self._on_gc)
        self._thread = threading.Thread(target=self._run, name="loop-trace", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_start = now
            self.counts.append((now, gc.get_count()))
        else:
            self.collections.append(
                (self._gc_start, now, info.get("generation", -1), threading.get_ident())
            )
            self.freed.append(info.get("collected", 0))

    def _run(self) -> None:
        me = threading.get_ident()
        names = {t.ident: t.name for t in threading.enumerate()}
        while not self._stop.wait(self.sample_ms / 1000):
            now = time.perf_counter()
            frames = sys._current_frames()
            gui = _where(frames.get(self._gui), self.gui_depth)
            others = []
            for ident, frame in frames.items():
                if ident in (me, self._gui):
                    continue
                if ident not in names:
                    names = {t.ident: t.name for t in threading.enumerate()}
                top = _where(frame, 2)
                if "wait" in top or ("_worker" in top and "get" in top):
                    continue  # idle pool threads
                others.append(f"[{names.get(ident, ident)}] {top}")
            self.samples.append((now, gui, tuple(others)))

    def report(self, ticks: Sequence[tuple[float, float]], worst: int = 8) -> str:
        """``ticks``: (time the late tick fired, lateness in s). The ``worst`` stalls explained."""
        lines: list[str] = []
        late = [t[1] for t in ticks]
        lines.append(
            f"ticks {len(late)}; stalls > 30 ms: {sum(x > 0.03 for x in late)}, > 50 ms: "
            f"{sum(x > 0.05 for x in late)}, > 100 ms: {sum(x > 0.1 for x in late)}; "
            f"lateness over 20 ms summed: {sum(x for x in late if x > 0.02):.2f} s"
        )
        gui_collections = [c for c in self.collections if c[3] == self._gui]
        lines.append(
            f"collections: {len(self.collections)} ({len(gui_collections)} on the GUI thread), "
            f"longest {max((c[1] - c[0] for c in self.collections), default=0) * 1000:.1f} ms"
        )
        for (s, e, g, _t), (_c, counts), freed in sorted(
            zip(self.collections, self.counts, self.freed, strict=False),
            key=lambda x: x[0][0] - x[0][1],
        )[:6]:
            lines.append(
                f"  gc gen{g} {(e - s) * 1000:.1f} ms, counts before {counts}, freed {freed}"
            )
        times = [s[0] for s in self.samples]
        for fired, late in sorted(ticks, key=lambda t: -t[1])[:worst]:
            begin = fired - late
            inside = [s for s in self.samples if begin <= s[0] <= fired]
            edges = [begin, *(s[0] for s in inside), fired]
            gap = max(b - a for a, b in itertools.pairwise(edges))
            gcs = [
                f"gen{g} {1000 * (e - s):.0f} ms{' GUI' if t == self._gui else ' other'}"
                for s, e, g, t in self.collections
                if s < fired and e > begin
            ]
            lines.append(
                f"stall {late * 1000:.0f} ms at +{begin - (times[0] if times else 0):.1f} s: "
                f"{len(inside)} samples, longest sampler gap {gap * 1000:.0f} ms; "
                f"gc: {', '.join(gcs) or 'none'}"
            )
            for where, n in Counter(s[1] for s in inside).most_common(4):
                lines.append(f"    gui x{n}: {where}")
            others = Counter(o for s in inside for o in s[2])
            for where, n in others.most_common(4):
                lines.append(f"    other x{n}: {where}")
            # the sample ending the longest gap: the thread that held the GIL is just past it
            ends = [(b - a, b) for a, b in itertools.pairwise(edges)]
            _, end = max(ends)
            for s in self.samples:
                if s[0] >= end:
                    lines.append(f"    after the gap: gui {s[1]}")
                    lines.extend(f"      other {o}" for o in s[2][:4])
                    break
        return "\n".join(lines)
