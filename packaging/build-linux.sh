#!/usr/bin/env bash
# Build the self-contained Linux bundle of the workstation (PyInstaller, packaging/cur-desktop.spec)
# and the .deb made from it. Output (gitignored):
#   build/package/dist/cur-desktop/          the bundle (run ./cur-desktop)
#   build/package/cur-desktop-VERSION-linux-ARCH.tar.gz
#   build/package/cur-desktop_VERSION_ARCH.deb
# CUR_BUILD_DIR=DIR puts it elsewhere. Installs PyInstaller (the [package] extra) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${CUR_BUILD_DIR:-build/package}"
PY=.venv/bin/python
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  "$PY" -m pip install --quiet -e '.[package]'
fi
VERSION="$("$PY" -c 'import cur_desktop; print(cur_desktop.__version__)')"
ARCH="$(dpkg --print-architecture 2>/dev/null || uname -m)"
echo "== PyInstaller: cur-desktop $VERSION ($ARCH) -> $OUT/dist/cur-desktop"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$OUT/dist" --workpath "$OUT/work" packaging/cur-desktop.spec
tar -C "$OUT/dist" -czf "$OUT/cur-desktop-$VERSION-linux-$ARCH.tar.gz" cur-desktop
bash packaging/build-deb.sh "$OUT/dist/cur-desktop" "$VERSION" "$OUT"
du -sh "$OUT/dist/cur-desktop" "$OUT"/*.tar.gz "$OUT"/*.deb
