#!/usr/bin/env bash
# Smoke test of a built bundle (run by .ci/run after the README's test command):
#   packaging/smoke-test.sh BUNDLE_DIR [DEB]
# 1. `cur-desktop --version` prints the version of the source tree (one place: __init__.py);
# 2. `cur-desktop --demo` starts offscreen on a fresh demo folder, seeds it, starts its local
#    server and signs in (the profile's store appears), lives a few seconds more, then SIGTERM
#    closes it: exit code 0, no traceback, the demo server it started is gone;
# 3. the .deb (if given) unpacks and its /opt/cur-desktop/cur-desktop --version works too.
set -euo pipefail
BUNDLE="$(cd "$1" && pwd)"
DEB="${2:-}"
cd "$(dirname "$0")/.."
EXE="$BUNDLE/cur-desktop"
WANT="cur-desktop $(.venv/bin/python -c 'import cur_desktop; print(cur_desktop.__version__)')"
WORK="$(mktemp -d /tmp/cur-smoke.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" \
  XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR="$WORK/run"
mkdir -m 0700 -p "$XDG_RUNTIME_DIR"

echo "== bundle: --version"
GOT="$("$EXE" --version)"
[ "$GOT" = "$WANT" ] || { echo "FAIL: --version printed '$GOT', expected '$WANT'"; exit 1; }
echo "ok: $GOT"

echo "== bundle: --demo offscreen, then SIGTERM"
LOG="$WORK/demo.log"
"$EXE" --demo --demo-dir "$WORK/demo" -v >"$LOG" 2>&1 &
PID=$!
READY=""
for _ in $(seq 1 360); do  # up to 180 s: seeding 90 days of demo data on a loaded machine
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "FAIL: the demo exited before it was ready"; tail -40 "$LOG"; exit 1
  fi
  if grep -q "workstation opened at $WORK/demo/profile-" "$LOG"; then
    READY=yes; break
  fi
  sleep 0.5
done
[ -n "$READY" ] || { echo "FAIL: the demo was not ready in 180 s"; tail -40 "$LOG"; kill -9 "$PID"; exit 1; }
SERVER_PIDS="$(pgrep -f -- "--run-cur-server serve --db sqlite:///$WORK/demo" || true)"
[ -n "$SERVER_PIDS" ] || { echo "FAIL: no demo server process found"; tail -40 "$LOG"; exit 1; }
sleep 5  # a few seconds of life: the live feed, the sync
kill -0 "$PID" || { echo "FAIL: the demo died"; tail -40 "$LOG"; exit 1; }
kill -TERM "$PID"
set +e
wait "$PID"
CODE=$?
set -e
[ "$CODE" = 0 ] || { echo "FAIL: exit code $CODE after SIGTERM"; tail -40 "$LOG"; exit 1; }
if grep -q "Traceback" "$LOG"; then echo "FAIL: a traceback in the log"; tail -60 "$LOG"; exit 1; fi
for pid in $SERVER_PIDS; do
  if kill -0 "$pid" 2>/dev/null; then echo "FAIL: the demo server $pid outlived the window"; exit 1; fi
done
echo "ok: the demo ran, SIGTERM -> exit code 0, its server stopped"

if [ -n "$DEB" ]; then
  echo "== .deb: unpack and run"
  dpkg-deb --info "$DEB" | grep -E "Package|Version|Architecture"
  dpkg-deb -x "$DEB" "$WORK/root"
  test -f "$WORK/root/usr/share/applications/cur-desktop.desktop"
  test -f "$WORK/root/usr/share/icons/hicolor/256x256/apps/cur-desktop.png"
  test -L "$WORK/root/usr/bin/cur-desktop"
  GOT="$("$WORK/root/opt/cur-desktop/cur-desktop" --version)"
  [ "$GOT" = "$WANT" ] || { echo "FAIL: the .deb's program printed '$GOT'"; exit 1; }
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$WORK/root/usr/share/applications/cur-desktop.desktop"
  fi
  echo "ok: $(basename "$DEB")"
fi
echo "smoke test passed"
