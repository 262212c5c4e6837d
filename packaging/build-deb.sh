#!/usr/bin/env bash
# Make a .deb from a built bundle: packaging/build-deb.sh BUNDLE_DIR VERSION OUT_DIR
# Layout: /opt/cur-desktop (the bundle), /usr/bin/cur-desktop (a link), the .desktop file and the
# hicolor icons. Runs as any user (dpkg-deb --root-owner-group).
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE="$1"
VERSION="$2"
OUT="$3"
ARCH="$(dpkg --print-architecture)"
STAGE="$OUT/deb-root"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$STAGE/opt/cur-desktop"
ln -s ../../opt/cur-desktop/cur-desktop "$STAGE/usr/bin/cur-desktop"
install -m 0644 packaging/linux/cur-desktop.desktop "$STAGE/usr/share/applications/"
install -m 0644 resources/icons/cur-desktop.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/"
for png in resources/icons/hicolor/*/apps/cur-desktop.png; do
  size="$(basename "$(dirname "$(dirname "$png")")")"
  install -D -m 0644 "$png" "$STAGE/usr/share/icons/hicolor/$size/apps/cur-desktop.png"
done
SIZE_KB="$(du -sk "$STAGE" | cut -f1)"
# Qt's xcb platform and OpenGL come from the system (PyInstaller leaves libc, libGL and the X
# libraries out of the bundle on purpose); everything else is inside /opt/cur-desktop.
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: cur-desktop
Version: $VERSION
Section: misc
Priority: optional
Architecture: $ARCH
Installed-Size: $SIZE_KB
Depends: libc6 (>= 2.31), libgl1, libegl1, libfontconfig1, libfreetype6, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3, libx11-xcb1, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, libxcb-xkb1, libxcb-randr0
Maintainer: cur-desktop team <cur-desktop@localhost>
Description: Рабочее место оператора ЦУР
 Очередь сообщений жителей, сроки ответов по рабочему времени региона,
 статистика руководителя; работает без связи и синхронизируется с сервером ЦУР.
 Самодостаточная сборка (PyInstaller) в /opt/cur-desktop.
CONTROL
DEB="$OUT/cur-desktop_${VERSION}_${ARCH}.deb"
# gzip: readable by every dpkg (Astra Linux 1.7 has no zstd), and xz takes minutes on 270 MB
dpkg-deb --root-owner-group -Zgzip -z6 --build "$STAGE" "$DEB" >/dev/null
rm -rf "$STAGE"
echo "$DEB"
