"""The soak, short: client processes SIGKILLed, links cut, clocks skewed; all converge on PG.

The machinery is ``tests/helpers/soak.py`` (the full run, 20 clients and 50,000 changes, is
``bench/soak.py``). Here: 5 operator processes of one region, 300 changes in total, at least
two SIGKILLs and three link cuts (more at random), push answers dropped after the server
committed them, clocks up to three days off either way; a real ``cur-server`` on a fresh
PostgreSQL database. Every client must end equal to the server, every change must have been
answered once (the server's counter per client equals what the client recorded), every note
must be on the server exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.server_process import postgres_admin_dsn
from tests.helpers.soak import SoakConfig, run_soak

CONFIG = SoakConfig(
    clients=5,
    changes=300,
    regions=1,
    incidents=40,
    kills_per_minute=12.0,
    cuts_per_minute=60.0,
    drops_per_minute=30.0,
    min_life=2.0,
    burst=10,
    min_kills=2,
    min_cuts=3,
    seed=20261201,
    timeout=540.0,
)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(600)  # < 40 s on a quiet machine; minutes on a loaded one
def test_short_soak_converges_with_nothing_lost_or_doubled(tmp_path: Path) -> None:
    try:
        postgres_admin_dsn()
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    result = run_soak(CONFIG, tmp_path)
    print("\n".join(result.lines()))
    assert result.mismatches == []
    assert (result.lost, result.doubled) == (0, 0)
    assert result.recorded == CONFIG.changes
    assert result.applied + result.rejected == CONFIG.changes
    assert result.kills >= 2
    assert result.cuts >= 3
    assert result.restarts_after_crash == 0
