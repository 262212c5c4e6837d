"""Paints a text cell with the search matches highlighted, the text itself kept literal.

The cell's text is escaped before it becomes rich text, so markup a resident wrote (HTML,
Qt rich text) is shown as the characters it is; only the highlight spans (from the model's
``SPANS_ROLE``) become markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QPainter,
    QPalette,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from cur_desktop.ui.inbox_model import SPANS_ROLE

HIGHLIGHT = "#ffd24d"


def highlighted_html(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped for rich text, with ``spans`` wrapped in a highlight."""
    parts: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        parts.append(html.escape(text[pos:start]))
        parts.append(
            f'<span style="background-color:{HIGHLIGHT}">{html.escape(text[start:end])}</span>'
        )
        pos = end
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


class HighlightDelegate(QStyledItemDelegate):
    """Highlights search matches in a cell; plain cells are painted as usual."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        spans = index.data(SPANS_ROLE)
        if not spans:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = QTextDocument()
        doc.setDocumentMargin(2)
        option_nowrap = QTextOption()
        option_nowrap.setWrapMode(QTextOption.WrapMode.NoWrap)
        doc.setDefaultTextOption(option_nowrap)
        doc.setDefaultFont(opt.font)
        doc.setHtml(highlighted_html(text, spans))
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        ctx = QAbstractTextDocumentLayout.PaintContext()
        if opt.state & QStyle.StateFlag.State_Selected:
            ctx.palette.setColor(
                QPalette.ColorRole.Text,
                opt.palette.color(QPalette.ColorRole.HighlightedText),
            )
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
