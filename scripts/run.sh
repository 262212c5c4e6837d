#!/usr/bin/env bash
# Run the program on its embedded default (`cur-desktop --demo`: a local central server with
# realistic data, no configuration). Installs what it needs first. Arguments, if any, are
# passed to `cur-desktop` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
if [ "$#" -eq 0 ]; then
  set -- --demo
fi
exec .venv/bin/cur-desktop "$@"
