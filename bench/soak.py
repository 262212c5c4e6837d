"""Soak of the sync against a real server on PostgreSQL (issue 11): kills, cut links, skewed clocks.

Run from the project root (PostgreSQL at 127.0.0.1:5432, trust auth)::

    .venv/bin/python bench/soak.py                          # 20 clients, 50,000 changes
    .venv/bin/python bench/soak.py --clients 5 --changes 500 --out /tmp/soak

20 operator workstations (separate processes, four regions, clocks skewed by up to three days
either way) record changes and sync through their own fault proxies while this script SIGKILLs
them at random (and starts them again on the same profile), cuts their links and drops push
answers after the server committed them. At the end every client must equal the server
(incidents and answers: ids, versions, every field), the server's mutation counter of every
client must equal what it recorded, and every note must be on the server exactly once. The
machinery is ``tests/helpers/soak.py`` (shared with ``tests/sync/test_soak.py``). Exit status:
0 when nothing was lost, doubled or different, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    from tests.helpers.soak import SoakConfig, run_soak

    defaults = SoakConfig()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=defaults.clients)
    parser.add_argument("--changes", type=int, default=defaults.changes, help="in total")
    parser.add_argument("--regions", type=int, default=defaults.regions)
    parser.add_argument("--incidents", type=int, default=defaults.incidents, help="per region")
    parser.add_argument("--kills", type=float, default=defaults.kills_per_minute, help="per minute")
    parser.add_argument("--cuts", type=float, default=defaults.cuts_per_minute, help="per minute")
    parser.add_argument("--drops", type=float, default=defaults.drops_per_minute, help="per minute")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--timeout", type=float, default=defaults.timeout, help="seconds")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    config = SoakConfig(
        clients=args.clients,
        changes=args.changes,
        regions=min(args.regions, args.clients),
        incidents=args.incidents,
        kills_per_minute=args.kills,
        cuts_per_minute=args.cuts,
        drops_per_minute=args.drops,
        seed=args.seed,
        timeout=args.timeout,
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="soak-"))
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"soak: {config.clients} clients, {config.changes:,} changes; files in {out}; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} (a shared machine)",
        flush=True,
    )
    result = run_soak(config, out)
    print("\n".join(result.lines()))
    for line in result.mismatches:
        print("  " + line)
    ok = result.lost == 0 and result.doubled == 0 and not result.mismatches
    print("RESULT: " + ("converged, nothing lost, nothing doubled" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
