#!/usr/bin/env bash
# The whole test suite (what CI runs). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
export QT_QPA_PLATFORM=offscreen
# One worker per core (pytest-xdist), a test file per worker at a time: module fixtures (a
# server process, a seeded store) are started once per file, as without workers. The suite
# must stay under 10 minutes on 2 cores; PYTEST_WORKERS=0 runs it in one process.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"
