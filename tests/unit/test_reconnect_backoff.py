"""The reconnect backoff of background sync: tenacity's full-jitter exponential strategy."""

from __future__ import annotations

from pathlib import Path

import pytest

from cur_desktop.sync.syncer import RetryPolicy, SyncEngine
from cur_desktop.sync.transport import SyncTransport


@pytest.mark.parametrize(
    ("failures", "ceiling"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (40, 30.0)],
)
def test_delays_stay_under_a_doubling_ceiling_capped_at_the_maximum(
    tmp_path: Path, failures: int, ceiling: float
) -> None:
    # ceiling = min(maximum, initial * 2 ** (failures - 1)) with initial 0.5 s, maximum 30 s
    engine = SyncEngine(
        tmp_path / "store.sqlite3",
        SyncTransport("http://127.0.0.1:9"),
        retry=RetryPolicy(attempts=3, initial=0.5, maximum=30.0),
    )
    try:
        delays = [engine._backoff(failures) for _ in range(400)]
    finally:
        engine.close()
        engine.engine.dispose()
    assert all(0 <= d <= ceiling for d in delays)
    assert max(delays) > ceiling * 0.8  # jittered over the whole range, not stuck low
