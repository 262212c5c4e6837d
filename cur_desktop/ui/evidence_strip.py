"""Evidence thumbnails: the files of an answer with name, size and upload state.

Used twice: in the answer editor (editable: «Прикрепить…» button, drag and drop of files,
«Убрать» for what has not been sent) and in the card, under the history (what was sent with
the incident's answers, with its upload state; double-click opens the file). Images are shown
scaled (decoded at thumbnail size by ``QImageReader``, so a 20 MB photo costs little), a PDF as
a drawn page. Thumbnails are cached by attachment id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QIcon,
    QImage,
    QImageReader,
    QPainter,
    QPixmap,
    QPolygon,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.services.evidence import AttachmentView
from cur_desktop.ui import format as fmt

log = logging.getLogger(__name__)

THUMB = 64
"""Thumbnail edge in pixels."""
_ID_ROLE = Qt.ItemDataRole.UserRole


def _page_icon(label: str) -> QPixmap:
    """A sheet with a folded corner and ``label`` on it (PDF, or a photo not downloaded yet)."""
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(Qt.GlobalColor.transparent)
    left, top, right, bottom, fold = 12, 4, THUMB - 12, THUMB - 4, 12
    sheet = QPolygon(
        [
            QPoint(left, top),
            QPoint(right - fold, top),
            QPoint(right, top + fold),
            QPoint(right, bottom),
            QPoint(left, bottom),
        ]
    )
    corner = QPolygon(
        [QPoint(right - fold, top), QPoint(right - fold, top + fold), QPoint(right, top + fold)]
    )
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#6b7280"))
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(sheet)
    painter.setBrush(QColor("#d1d5db"))
    painter.drawPolygon(corner)
    painter.setPen(QColor("#b91c1c") if label == "PDF" else QColor("#374151"))
    font = QFont()
    font.setBold(True)
    font.setPointSize(8)
    painter.setFont(font)
    painter.drawText(
        QRect(left, top + 16, right - left, bottom - top - 16), Qt.AlignmentFlag.AlignCenter, label
    )
    painter.end()
    return pixmap


def image_thumbnail(path: Path) -> QImage | None:
    """``path`` decoded at thumbnail size (aspect kept), or ``None`` when it cannot be read."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(THUMB, THUMB), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        log.info("no thumbnail for %s: %s", path.name, reader.errorString())
        return None
    if image.width() > THUMB or image.height() > THUMB:
        image = image.scaled(
            THUMB,
            THUMB,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


def local_files(urls: Sequence[object]) -> list[Path]:
    """The local files among dropped URLs."""
    found: list[Path] = []
    for url in urls:
        if getattr(url, "isLocalFile", lambda: False)():
            found.append(Path(url.toLocalFile()))  # type: ignore[attr-defined]
    return found


class EvidenceStrip(QWidget):
    """A row of thumbnails; ``editable`` adds attach / remove and accepts dropped files."""

    attach_requested = Signal(list)
    """``[path, ...]``: files the operator chose or dropped (as ``str``)."""
    remove_requested = Signal(str)
    """Attachment id to remove (only drafts are removable)."""
    open_requested = Signal(str)
    """Attachment id to open (double-click)."""

    def __init__(self, parent: QWidget | None = None, *, editable: bool) -> None:
        super().__init__(parent)
        self.editable = editable
        self.items: list[AttachmentView] = []
        self._thumbs: dict[str, QIcon] = {}
        self.list = QListWidget(self)
        self.list.setObjectName("evidenceList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(150, THUMB + 44))
        self.list.setWordWrap(True)
        self.list.setFixedHeight(THUMB + 62)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.itemSelectionChanged.connect(self._on_selection)
        self.list.itemDoubleClicked.connect(self._on_double_click)
        self.title = QLabel(self.tr("Evidence (photos, acts):"), self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        self.attach_button = QPushButton(self.tr("Attach photo or act…"), self)
        self.attach_button.setObjectName("attachButton")
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setEnabled(False)
        self.attach_button.clicked.connect(self._on_attach_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        head.addWidget(self.attach_button)
        head.addWidget(self.remove_button)
        self.attach_button.setVisible(editable)
        self.remove_button.setVisible(editable)
        layout.addLayout(head)
        layout.addWidget(self.list)
        self.list.setVisible(False)
        if editable:
            self.setAcceptDrops(True)
            self.list.setAcceptDrops(True)
            self.list.viewport().installEventFilter(self)
            self.list.setToolTip(self.tr("Drop photos (JPEG, PNG) or scanned acts (PDF) here"))

    # ------------------------------------------------------------------ content

    def set_items(self, items: Sequence[AttachmentView]) -> None:
        """Show ``items`` (keeps the thumbnails already made)."""
        self.items = list(items)
        selected = self.selected_id()
        self.list.clear()
        for view in self.items:
            item = QListWidgetItem(self._icon(view), self._caption(view))
            item.setData(_ID_ROLE, view.id)
            item.setToolTip(self._tooltip(view))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.list.addItem(item)
            if view.id == selected:
                item.setSelected(True)
        self.list.setVisible(bool(self.items))
        if not self.editable:
            self.setVisible(bool(self.items))
        self._on_selection()

    def selected_id(self) -> str | None:
        """The id of the selected thumbnail."""
        chosen = self.list.selectedItems()
        return str(chosen[0].data(_ID_ROLE)) if chosen else None

    def _icon(self, view: AttachmentView) -> QIcon:
        cached = self._thumbs.get(view.id)
        if cached is not None:
            return cached
        image = None
        if view.content_type.is_image and view.path is not None and view.path.exists():
            image = image_thumbnail(view.path)
        if image is not None:
            icon = QIcon(QPixmap.fromImage(image))
            self._thumbs[view.id] = icon
            return icon
        label = "PDF" if not view.content_type.is_image else self.tr("PHOTO")
        icon = QIcon(_page_icon(label))
        if not view.content_type.is_image:
            self._thumbs[view.id] = icon
        return icon

    def state_text(self, view: AttachmentView) -> str:
        """The upload state in words."""
        if view.state == "draft":
            return self.tr("not sent")
        if view.state == "pending":
            return self.tr("waiting for upload")
        if view.state == "uploading":
            share = 100 * view.bytes_sent // max(view.size, 1)
            return self.tr("uploaded %1%").replace("%1", str(share))
        if view.state == "uploaded":
            return self.tr("uploaded")
        if view.state == "remote":
            return self.tr("on the server")
        return self.tr("refused")

    def size_text(self, size: int) -> str:
        """``850 КБ`` / ``3,4 МБ``."""
        if size < 1024 * 1024:
            return self.tr("%1 KB").replace("%1", fmt.number(max(1, round(size / 1024))))
        megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
        return self.tr("%1 MB").replace("%1", megabytes)

    def _caption(self, view: AttachmentView) -> str:
        name = view.file_name if len(view.file_name) <= 18 else view.file_name[:16].rstrip() + "…"
        return f"{name}\n{self.size_text(view.size)} · {self.state_text(view)}"

    def _tooltip(self, view: AttachmentView) -> str:
        text = f"{view.file_name}\n{self.size_text(view.size)} · {self.state_text(view)}"
        if view.author:
            text += "\n" + self.tr("Attached by %1").replace("%1", view.author)
        if view.error:
            text += "\n" + view.error
        return text

    # ------------------------------------------------------------------ actions

    def _on_selection(self) -> None:
        chosen = self.selected_id()
        removable = any(v.id == chosen and v.removable for v in self.items)
        self.remove_button.setEnabled(removable)

    def _on_double_click(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(str(item.data(_ID_ROLE)))

    def _on_attach_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Attach photo or act"),
            "",
            self.tr("Photos and acts (*.jpg *.jpeg *.png *.pdf);;All files (*)"),
        )
        if paths:
            self.attach_requested.emit(list(paths))

    def _on_remove_clicked(self) -> None:
        chosen = self.selected_id()
        if chosen is not None:
            self.remove_requested.emit(chosen)

    # ------------------------------------------------------------------ drag and drop

    def accept_drag(self, event: QDragEnterEvent) -> bool:
        """Accept a drag that carries local files."""
        if self.editable and local_files(event.mimeData().urls()):
            event.acceptProposedAction()
            return True
        return False

    def take_drop(self, event: QDropEvent) -> bool:
        """Attach the local files of a drop."""
        files = local_files(event.mimeData().urls()) if self.editable else []
        if not files:
            return False
        event.acceptProposedAction()
        self.attach_requested.emit([str(f) for f in files])
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if not self.accept_drag(event):
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        if not self.take_drop(event):
            super().dropEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Drops on the list's viewport attach files too."""
        if isinstance(event, QDragEnterEvent) or event.type() == QEvent.Type.DragMove:
            if isinstance(event, QDragEnterEvent) and self.accept_drag(event):
                return True
            if event.type() == QEvent.Type.DragMove and self.editable:
                event.accept()
                return True
        if isinstance(event, QDropEvent) and self.take_drop(event):
            return True
        return super().eventFilter(watched, event)


__all__ = ["THUMB", "EvidenceStrip", "image_thumbnail", "local_files"]
