#!/usr/bin/env bash
# The central server alone: a fresh virtualenv with cur-desktop[server,postgres,test-core] (no
# Qt, no Faker), then the server tests in it. Proves the server installs and runs without the
# desktop stack. Tests that need the demo data generator skip with their reason.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet -e '.[server,postgres,test-core]'
for pkg in PySide6 qasync pyqtgraph pytestqt faker; do
  if "$work/venv/bin/python" -c "import $pkg" 2>/dev/null; then
    echo "the server install pulled in $pkg" >&2
    exit 1
  fi
done
# pytest-qt is absent: drop its ini keys' strictness, keep every other rule (warnings = errors).
exec "$work/venv/bin/python" -m pytest tests/server -q -p no:pytestqt \
  -o addopts="-ra --strict-markers -p no:cacheprovider" \
  -W "ignore::pytest.PytestConfigWarning" "$@"
