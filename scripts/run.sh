#!/usr/bin/env bash
# Run the program on its embedded default. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
exec .venv/bin/cur-desktop "$@"
