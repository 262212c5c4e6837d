"""The window's worst sync stalls lined up with ``perf`` samples of its GUI thread.

Record (Linux ``perf``; the window's process id is its GUI thread's id)::

    perf record -F 499 -e cpu-clock -e sched:sched_switch -g -k mono -o /tmp/ui.perf -- \\
        .venv/bin/python bench/ui_bench.py --cache /tmp/ui-bench --sync-only > /tmp/ui.log
    perf script -i /tmp/ui.perf -F comm,pid,tid,time,event,ip,sym,trace --ns > /tmp/ui.script
    .venv/bin/python bench/perf_stalls.py /tmp/ui.script /tmp/ui.log

For each of the three worst stalls of each window run (``ui_bench.py`` prints them with their
``CLOCK_MONOTONIC`` end), it prints how long the GUI thread was on a core, runnable but waiting
for one (switched out with ``prev_state=R``) and asleep (on a lock, the interpreter's included),
its samples in order, and the other threads' most sampled functions in that window.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

_STALLS = re.compile(r"\s*worst stalls of window pid (\d+) \(ms, monotonic s\): (.*)")
_HEAD = re.compile(r"(\S+)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):(.*)")
_SWITCH = re.compile(r"prev_pid=(\d+) .*?prev_state=(\S+) ==> next_comm=.*? next_pid=(\d+)")


@dataclass
class Sample:
    """One perf record: who, when, which event, the call chain (innermost first)."""

    comm: str
    pid: int
    tid: int
    time: float
    event: str
    trace: str
    frames: list[str] = field(default_factory=list)


def read_samples(path: str) -> list[Sample]:
    """Parse ``perf script`` output (fields comm,pid,tid,time,event,ip,sym,trace)."""
    samples: list[Sample] = []
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.strip():
                continue
            head = _HEAD.match(line)
            if head is not None and not line[0].isspace():
                comm, pid, tid, at, event, rest = head.groups()
                samples.append(Sample(comm, int(pid), int(tid), float(at), event, rest))
            elif samples:
                parts = line.split(None, 1)
                samples[-1].frames.append(parts[1].strip() if len(parts) > 1 else "?")
    return samples


def read_stalls(path: str, per_run: int = 3) -> list[tuple[int, float, float]]:
    """``(pid, seconds late, monotonic end)`` of the worst stalls ``ui_bench.py`` printed."""
    stalls: list[tuple[int, float, float]] = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            found = _STALLS.match(line)
            if found:
                for late_ms, end in json.loads(found.group(2))[:per_run]:
                    stalls.append((int(found.group(1)), late_ms / 1000, end))
    return stalls


def states(samples: Sequence[Sample], tid: int, start: float, end: float) -> dict[str, float]:
    """Seconds the thread spent on a core, runnable (R) and asleep (S) in ``[start, end]``."""
    switches = [s for s in samples if s.event.startswith("sched:sched_switch")]
    state = "on"
    for s in switches:
        if s.time >= start:
            break
        found = _SWITCH.search(s.trace)
        if found and int(found.group(1)) == tid:
            state = "R" if found.group(2).startswith("R") else "S"
        elif found and int(found.group(3)) == tid:
            state = "on"
    spent = {"on": 0.0, "R": 0.0, "S": 0.0}
    since = start
    for s in switches:
        if not start <= s.time <= end:
            continue
        found = _SWITCH.search(s.trace)
        if found is None:
            continue
        if int(found.group(1)) == tid:
            spent[state] += s.time - since
            since, state = s.time, "R" if found.group(2).startswith("R") else "S"
        elif int(found.group(3)) == tid:
            spent[state] += s.time - since
            since, state = s.time, "on"
    spent[state] += end - since
    return spent


def report(samples: Sequence[Sample], stalls: Sequence[tuple[int, float, float]]) -> str:
    """The text described in the module docstring."""
    out: list[str] = []
    for pid, late, end in stalls:
        start = end - late - 0.006  # the tick before the late one was due 5 ms earlier
        spent = states(samples, pid, start, end)
        shown = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in spent.items())
        out.append(f"pid {pid}: stall {late * 1000:.1f} ms ending {end:.4f}: GUI thread {shown}")
        inside = [s for s in samples if start <= s.time <= end]
        for s in inside:
            if s.tid == pid:
                chain = [f for f in s.frames if "[unknown]" not in f][:6]
                out.append(f"  gui {s.time:.4f} {s.event:22s} {' < '.join(chain)}")
        others: Counter[str] = Counter()
        for s in inside:
            if s.tid != pid and s.event == "cpu-clock":
                leaf = next((f for f in s.frames if "[unknown]" not in f), "?")
                others[f"{'window' if s.pid == pid else 'other'} {s.comm}/{s.tid}: {leaf}"] += 1
        out.extend(f"  x{n} {where}" for where, n in others.most_common(10))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("script", help="perf script output")
    parser.add_argument("log", help="ui_bench.py output (its worst-stall lines)")
    args = parser.parse_args(argv)
    print(report(read_samples(args.script), read_stalls(args.log)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
