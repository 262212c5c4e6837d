"""A word in an empty list: «Ничего не найдено…» centred over an item view's viewport.

The hint is a label on the view's viewport that follows its size and lets the mouse through
(the context menu, a click that clears the selection). The owner sets the text when a snapshot
is shown (empty text: hidden), so it does not flicker while a debounced search is pending: the
old rows, or the old hint, stay until the new result arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel

HINT_MARGIN_PX = 24
"""Free room around the hint's text inside the viewport (long search texts wrap)."""
HINT_FONT_SCALE = 1.15
"""The hint's font against the list's: a little larger, read at a glance."""


class EmptyHint(QLabel):
    """The centred, wrapped, greyed text shown over ``view`` while it has no rows."""

    def __init__(self, view: QAbstractItemView) -> None:
        viewport = view.viewport()
        super().__init__(viewport)
        self.setObjectName("emptyHint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        palette = self.palette()
        grey = palette.color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.WindowText, grey)
        self.setPalette(palette)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * HINT_FONT_SCALE)
        self.setFont(font)
        self.hide()
        viewport.installEventFilter(self)
        self._fit()

    def show_text(self, text: str) -> None:
        """Show ``text`` over the empty view; an empty ``text`` hides the hint."""
        self.setText(text)
        self.setVisible(bool(text))
        if text:
            self._fit()
            self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Follow the viewport's size."""
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def _fit(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(
                parent.rect().adjusted(HINT_MARGIN_PX, 0, -HINT_MARGIN_PX, 0),
            )


__all__ = ["EmptyHint"]
