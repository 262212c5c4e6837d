"""Render the icon set from ``resources/icons/cur-desktop.svg`` (run after changing the SVG).

Writes ``resources/icons/hicolor/<N>x<N>/apps/cur-desktop.png`` for the freedesktop sizes (the
.deb installs them under /usr/share/icons/hicolor) and ``resources/icons/cur-desktop.ico``
(Windows). Uses Qt's own SVG renderer (PySide6-Essentials), so no image tool is needed:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SVG = ICONS / "cur-desktop.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZE = 256


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon at ``size`` × ``size`` pixels on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    """Render every size and the .ico; print what was written."""
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"не удалось прочитать {SVG}", file=sys.stderr)
        return 1
    for size in SIZES:
        out = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "cur-desktop.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(out), "PNG"):
            print(f"не удалось записать {out}", file=sys.stderr)
            return 1
        print(out)
    ico = ICONS / "cur-desktop.ico"
    if not render(renderer, ICO_SIZE).save(str(ico), "ICO"):
        print(f"не удалось записать {ico}", file=sys.stderr)
        return 1
    print(ico)
    return 0


if __name__ == "__main__":
    sys.exit(main())
