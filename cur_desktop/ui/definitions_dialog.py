"""The help panel of the Статистика tab: every figure's definition, in Russian, from one place
(:mod:`cur_desktop.services.definitions`)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from cur_desktop.services.definitions import CHANGE_RULE, FIGURES, PERIOD_RULE


def definitions_html() -> str:
    """The definitions as HTML (the same texts as the exports' «Определения» sheet)."""
    parts = [f"<p><b>{html.escape(f.label)}</b> — {html.escape(f.definition)}</p>" for f in FIGURES]
    parts.append(f"<p><i>{html.escape(CHANGE_RULE)}</i></p>")
    parts.append(f"<p><i>{html.escape(PERIOD_RULE)}</i></p>")
    return "\n".join(parts)


class DefinitionsDialog(QDialog):
    """Shows :func:`definitions_html`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("How the figures are computed"))
        self.resize(640, 560)
        self.text = QTextBrowser(self)
        self.text.setHtml(definitions_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


__all__ = ["DefinitionsDialog", "definitions_html"]
