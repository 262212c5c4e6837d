"""How long the server's JSON-depth guard takes on hostile and on large bodies (issue 6).

Run: ``.venv/bin/python bench/json_depth_bench.py``. Prints the median of 5 runs per body and
the target: the guard must refuse a 100,000-level body well under a second, and scan the largest
accepted body (64 MiB) in the order of what ``json.loads`` needs for it (at most 3x), so it
never becomes the slow part of a request.
"""

from __future__ import annotations

import json
import statistics
import time

from cur_desktop.server.limits import json_too_deep

MIB = 1024 * 1024
BODIES = {
    "100,000 nested arrays (200 KB)": b"[" * 100_000 + b"]" * 100_000,
    "64 MiB: flat array of empty arrays": b"[" + b"[]," * (64 * MIB // 3 - 1) + b"[]]",
    "64 MiB: one Cyrillic text": b'{"text":"' + "ж".encode() * (32 * MIB - 8) + b'"}',
    "64 MiB: 1,000 texts with escaped quotes": b"["
    + b",".join([b'{"text":"' + b'ab\\"c' * 13_000 + b'"}'] * 1_000)
    + b"]",
}


def _median_seconds(fn: object, body: bytes, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(body)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Print the medians next to json.loads on the same body."""
    print(
        "target: 100k-level body refused < 1 s; 64 MiB scanned in the order of json.loads (<= 3x)"
    )
    for name, body in BODIES.items():
        guard = _median_seconds(json_too_deep, body)
        try:
            parse = f"{_median_seconds(json.loads, body, runs=3) * 1000:8.1f} ms"
        except RecursionError:
            parse = "RecursionError"
        print(f"{name:42s} guard {guard * 1000:8.1f} ms   json.loads {parse}")


if __name__ == "__main__":
    main()
