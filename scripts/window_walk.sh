#!/usr/bin/env bash
# A long operator walk through the real window under Xvfb (see scripts/window_walk.py).
# Usage: scripts/window_walk.sh OUT_DIR [--minutes 8] [--role supervisor] [--kill] [--seed N]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"; shift
mkdir -p "$out"
# WALK_CODE: the tree whose cur_desktop the window runs (default: this one)
export PYTHONPATH="${WALK_CODE:-$here}${PYTHONPATH:+:$PYTHONPATH}"
export PATH="/work/main/.venv/bin:$PATH"
python="${PYTHON:-/work/main/.venv/bin/python}"
exec xvfb-run -a -s "-screen 0 1366x768x24" \
  "$python" "$here/scripts/window_walk.py" --out "$out" "$@"
