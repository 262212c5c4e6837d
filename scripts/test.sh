#!/usr/bin/env bash
# The whole test suite (what CI runs). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
