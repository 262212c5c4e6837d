"""«О программе»: the version, and where this workstation keeps its data and logs."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from cur_desktop import __version__


class AboutDialog(QDialog):
    """Version, data directory (the profile) and log directory; the paths can be selected."""

    def __init__(self, data_dir: Path, log_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About the program"))
        rows = [
            (self.tr("Version"), __version__),
            (self.tr("Data directory"), str(data_dir)),
            (self.tr("Log directory"), str(log_dir)),
        ]
        body = "".join(
            f"<tr><td style='padding-right:12px'><b>{html.escape(name)}</b></td>"
            f"<td>{html.escape(value)}</td></tr>"
            for name, value in rows
        )
        title = html.escape(self.tr("CUR workstation"))
        self.text = QLabel(f"<h3>{title}</h3><table>{body}</table>", self)
        self.text.setObjectName("aboutText")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


__all__ = ["AboutDialog"]
