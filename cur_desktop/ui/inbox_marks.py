"""The operator's marks in the list: the unread dot and the reminder bell (icons, tooltip).

The fonts shipped with the target systems have no bell glyph, so both marks are painted into
small pixmaps (the list model keeps the three it needs; no module-level cache, so no pixmap
outlives the application); the status column shows them as its decoration. What is unread
and which reminder is due is decided in the services layer (docs/WINDOW.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPixmap

from cur_desktop.ui import format as fmt

UNREAD_COLOR = QColor("#1a5fb4")
BELL_COLOR = QColor("#c64600")
_SIZE = 16
_SCALE = _SIZE / 12  # the shapes below are drawn on a 12-pixel grid
MARKS_ICON_SIZE = QSize(2 * _SIZE, _SIZE)
"""The status column's decoration: room for the bell and the dot side by side."""


def _paint_dot(painter: QPainter, left: float) -> None:
    painter.setBrush(UNREAD_COLOR)
    painter.drawEllipse(QRectF(left + 2, 3, 7, 7))


def _paint_bell(painter: QPainter, left: float) -> None:
    path = QPainterPath()
    path.moveTo(QPointF(left + 2, 9.5))
    path.cubicTo(QPointF(left + 3.5, 8), QPointF(left + 2.5, 1.5), QPointF(left + 6, 1.5))
    path.cubicTo(QPointF(left + 9.5, 1.5), QPointF(left + 8.5, 8), QPointF(left + 10, 9.5))
    path.closeSubpath()
    painter.setBrush(BELL_COLOR)
    painter.drawPath(path)
    painter.drawEllipse(QRectF(left + 4.8, 9.6, 2.4, 2.4))


def row_marks_icon(unread: bool, reminder_due: bool) -> QIcon | None:
    """The decoration of a row: a blue dot (unread), a bell (reminder due), both or none."""
    if not unread and not reminder_due:
        return None
    pixmap = QPixmap(MARKS_ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.scale(_SCALE, _SCALE)
    if reminder_due:  # the bell on the left, the dot on the right: marks stay in columns
        _paint_bell(painter, 0.0)
    if unread:
        _paint_dot(painter, 12.0)
    painter.end()
    return QIcon(pixmap)


def marks_tooltip(row: Mapping[str, Any], reminder_due: bool) -> str | None:
    """What the status cell's tooltip says about the marks (``None``: nothing to say)."""
    lines: list[str] = []
    if row.get("unread"):
        lines.append(
            QCoreApplication.translate(
                "InboxMarks", "Unread: new or changed since you last opened it"
            )
        )
    remind_at = row.get("remind_at")
    if remind_at is not None:
        text = (
            QCoreApplication.translate("InboxMarks", "Reminder due since %1")
            if reminder_due
            else QCoreApplication.translate("InboxMarks", "Reminder at %1")
        )
        lines.append(text.replace("%1", fmt.region_date_time(remind_at)))
    if row.get("local_changed"):
        lines.append(
            QCoreApplication.translate(
                "InboxTableModel", "Changed here; waiting to be sent to the server"
            )
        )
    return "\n".join(lines) if lines else None


__all__ = ["BELL_COLOR", "MARKS_ICON_SIZE", "UNREAD_COLOR", "marks_tooltip", "row_marks_icon"]
