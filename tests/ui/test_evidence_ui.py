"""Evidence in the window (pytest-qt, offscreen): attach by the button's signal and by a drop
on the text, thumbnails (a scaled image, a page for a PDF) with name, size and state, a fake
photo refused in Russian, removal before sending, the quality check counting attachments,
and after sending the files under the card's history, waiting for upload. Writes a
1366×768 screenshot of the editor with thumbnails."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.domain.answer_quality import FindingCode
from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.main_window import MainWindow
from tests.ui.conftest import run_qt, until
from tests.ui.test_window import SCREENSHOTS, _info, _profile

pytestmark = pytest.mark.ui

DONE_TEXT = (
    "Анна, здравствуйте! Мусор вывезен 3 марта, контейнерная площадка убрана. "
    "Спасибо, что сообщили."
)


def _files(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    red = QImage(800, 600, QImage.Format.Format_RGB32)
    red.fill(QColor("#d32f2f"))
    green = QImage(600, 800, QImage.Format.Format_RGB32)
    green.fill(QColor("#2e7d32"))
    paths = {
        "png": folder / "площадка после уборки.png",
        "jpg": folder / "контейнеры.jpg",
        "pdf": folder / "акт выполненных работ.pdf",
        "fake": folder / "не фото.jpg",
    }
    assert red.save(str(paths["png"]), "PNG")
    assert green.save(str(paths["jpg"]), "JPG")
    paths["pdf"].write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    paths["fake"].write_bytes(b"MZ\x90\x00" + b"\x00" * 2000)
    return paths


def _near(seen: QColor, expected: QColor) -> bool:
    return all(
        abs(a - b) <= 4 for a, b in zip(seen.getRgb()[:3], expected.getRgb()[:3], strict=True)
    )


def _drop(target: QObject, paths: list[Path]) -> None:
    """Drag files onto ``target`` and drop them (Qt delivers a drop only after an entered drag)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    at, action = QPointF(20, 20), Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at.toPoint(), action, mime, buttons, keys)  # Qt: a QPoint here
    assert QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    assert QApplication.sendEvent(target, QDropEvent(at, action, mime, buttons, keys))


def test_thumbnails_attach_remove_check_and_send(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path, executor_id="ex-roads")  # a solution needs one
    files = _files(tmp_path / "files")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        try:
            window.attach(ws, _info())
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            editor = window.card.editor
            strip = editor.evidence
            await until(lambda: editor.incident_id == incident_id, what="editor open")
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.SOLUTION.value))
            editor.text.setPlainText(DONE_TEXT)
            assert FindingCode.NO_EVIDENCE in {f.code for f in editor.run_check()}

            strip.attach_requested.emit([str(files["png"]), str(files["fake"])])
            await until(lambda: strip.list.count() == 1, what="the PNG attached")
            await until(
                lambda: "Не прикреплено" in window.status.currentMessage(), what="fake refused"
            )
            assert "не фото.jpg" in window.status.currentMessage()
            assert "JPEG, PNG" in window.status.currentMessage()
            _drop(editor.text.viewport(), [files["jpg"], files["pdf"]])
            await until(lambda: strip.list.count() == 3, what="dropped files attached")
            assert editor.text.toPlainText() == DONE_TEXT  # the drop attached, pasted nothing
            assert FindingCode.NO_EVIDENCE not in {f.code for f in editor.run_check()}

            captions = [strip.list.item(i).text() for i in range(3)]
            png_size = files["png"].stat().st_size
            assert captions[0].startswith("площадка после у…\n")
            assert captions[0].endswith(f"{round(png_size / 1024)} КБ · не отправлено")
            assert captions[2].startswith("акт выполненных…\n")
            icons = [strip.list.item(i).icon().pixmap(64, 64).toImage() for i in range(3)]
            # scaled images keep their aspect (800×600 -> 64×48, 600×800 -> 48×64) and colour
            assert (icons[0].width(), icons[0].height()) == (64, 48)
            assert (icons[1].width(), icons[1].height()) == (48, 64)
            assert QColor(icons[0].pixel(32, 32)).name() == "#d32f2f"  # PNG: exact
            assert _near(QColor(icons[1].pixel(32, 32)), QColor("#2e7d32"))  # JPEG: lossy
            page = {QColor(icons[2].pixel(x, 40)).name() for x in range(14, 50)}
            assert "#ffffff" in page  # the drawn sheet of a PDF
            assert "#d32f2f" not in page

            await asyncio.sleep(0.3)
            shot = window.grab().toImage()
            assert (shot.width(), shot.height()) == (1366, 768)
            assert shot.save(str(SCREENSHOTS / "editor-evidence.png"))

            stored = sorted((profile / "attachments").iterdir())
            assert len(stored) == 3
            strip.list.item(1).setSelected(True)
            assert strip.remove_button.isEnabled()
            strip.remove_button.click()
            await until(lambda: strip.list.count() == 2, what="removed")
            assert len(list((profile / "attachments").iterdir())) == 2

            assert editor.request_send(confirm=lambda _found: True)
            await until(lambda: window.card.evidence.list.count() == 2, what="under the history")
            assert strip.list.count() == 0
            assert window.card.evidence.isVisible()
            states = [window.card.evidence.list.item(i).text() for i in range(2)]
            assert all(s.endswith("ожидает загрузки") for s in states), states
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
    engine = open_engine(profile / DB_FILE_NAME)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT args_json FROM outbox WHERE name = 'answer.add'"
            ).scalars()
            (args,) = [json.loads(r) for r in rows]
            kept = conn.exec_driver_sql(
                "SELECT id FROM attachment WHERE state = 'pending' ORDER BY created_at"
            ).scalars()
            assert args["attachment_ids"] == list(kept)
    finally:
        engine.dispose()
