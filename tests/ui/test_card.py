"""The incident card without a server: region, classification dropdowns, merged duplicates.

A real workstation over a real profile store holding a region's municipalities and executors
(as a pull leaves them); the window's own widgets are driven. A 1366×768 screenshot of the card
listing its duplicates goes to the folder ``test_window`` names.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Connection

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, RejectReason, Status
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.sync.syncer import decode_page
from cur_desktop.ui.main_window import MainWindow
from tests.helpers.wire_factories import incident, page
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "ui-screenshots"

PRIMARY = incident(
    status=Status.MODERATION,
    author="Анна Смирнова",
    text="У школы №5 на ул. Ленина огромная яма, дети обходят её по проезжей части.",
)
DUPLICATES = (
    incident(status=Status.NEW, author="Олег", text="Опять яма у школы на Ленина, пробил колесо"),
    incident(status=Status.NEW, author="Ирина", text="Яма у школы №5 уже месяц, когда заделают?"),
)


def _lookup(entity: wire.EntityKind, row: wire.MunicipalityWire | wire.ExecutorWire) -> wire.Change:
    return wire.Change(seq=0, entity=entity, id=row.id, data=row.model_dump())


def _profile(tmp_path: Path) -> Path:
    directory = tmp_path / "profile"
    engine = open_engine(directory / "local.sqlite3")
    pulled = page([PRIMARY, *DUPLICATES], start_seq=1, reset=True)
    lookups = [
        _lookup(
            wire.EntityKind.MUNICIPALITY, wire.MunicipalityWire(id=m, region_code="RU-TUL", name=n)
        )
        for m, n in (("m-tula", "г. Тула"), ("m-aleksin", "г. Алексин"))
    ] + [
        _lookup(wire.EntityKind.EXECUTOR, wire.ExecutorWire(id=e, region_code="RU-TUL", name=n))
        for e, n in (("ex-roads", "Управление дорог"), ("ex-uk", "УК «Дом»"))
    ]
    changes = [
        c.model_copy(update={"seq": 100 + i}) for i, c in enumerate([*pulled.changes, *lookups])
    ]
    pulled = pulled.model_copy(update={"changes": changes, "next_cursor": 100 + len(changes)})

    def seed(conn: Connection) -> None:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_ROLE, "operator")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
        apply_page(conn, pulled, decode_page(pulled))

    try:
        with DbWriter(engine) as writer:
            writer.submit(seed).result()
    finally:
        engine.dispose()
    return directory


def test_card_region_dropdowns_and_merged_duplicates(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile = _profile(tmp_path)
    primary_id = str(PRIMARY.id)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)  # deleted on the GUI thread after the test
        window.resize(1366, 768)
        window.show()
        try:
            info = SessionInfo(
                login="ivanova", role=None, region_code="RU-TUL", server_url=None, can_sync=False
            )
            window.attach(ws, info, offline=True)
            for dup in DUPLICATES:
                await ws.merge_duplicate(str(dup.id), primary_id)
            await until(lambda: window.card.municipality.count() == 3, what="reference")
            window.open_incident(primary_id)
            await until(lambda: window.card.detail is not None, what="card")
            card = window.card
            # region: a regional user sees only their own, and cannot move the incident
            assert [card.region.itemData(i) for i in range(card.region.count())] == ["RU-TUL"]
            assert card.region.currentText() == "Тульская область (RU-TUL)"
            assert not card.region.isEnabled()
            # duplicates merged into it, from the store, each opens its own card
            await until(lambda: card.duplicates.count() == 2, what="duplicates listed")
            assert card.duplicates_label.text() == "Объединённые дубликаты: 2"
            texts = [card.duplicates.item(i).text() for i in range(2)]
            assert texts[0] == "Олег: Опять яма у школы на Ленина, пробил колесо"
            assert texts[1] == "Ирина: Яма у школы №5 уже месяц, когда заделают?"
            assert window.inbox is not None
            model = window.inbox.model
            await until(lambda: model.data(model.index(0, 1)), what="list rows painted")
            await asyncio.sleep(0.1)
            window.grab().save(str(SCREENSHOTS / "card-duplicates.png"))
            card.duplicates.itemActivated.emit(card.duplicates.item(1))
            await until(
                lambda: card.detail is not None and card.detail.incident.id == DUPLICATES[1].id,
                what="the duplicate's own card",
            )
            assert card.detail is not None
            assert card.detail.incident.reject_reason is RejectReason.DUPLICATE
            assert card.duplicates.count() == 0
            assert not card.duplicates.isVisible()
            # municipality / topic / executor dropdowns save through the services
            window.open_incident(primary_id)
            await until(
                lambda: card.detail is not None and str(card.detail.incident.id) == primary_id,
                what="back to the original",
            )
            card.municipality.setCurrentIndex(card.municipality.findData("m-aleksin"))
            card.topic.setCurrentIndex(card.topic.findData("roads"))
            card.executor.setCurrentIndex(card.executor.findData("ex-roads"))
            card.classify_button.click()

            async def saved() -> bool:
                detail = await ws.incident(primary_id)
                return detail.incident.executor_id == "ex-roads"

            for _ in range(100):
                if await saved():
                    break
                await asyncio.sleep(0.05)
            detail = await ws.incident(primary_id)
            assert detail.incident.municipality_id == "m-aleksin"
            assert detail.incident.topic_code == "roads"
            assert detail.incident.executor_id == "ex-roads"
            assert detail.incident.status is Status.SENT_TO_EXECUTOR
            await until(lambda: card.executor.currentText() == "Управление дорог", what="shown")
            # a template inserted now names the executor just saved (the card was opened
            # before it was chosen; the tour at 1366×768 got «[укажите исполнителя]» here)
            await until(
                lambda: card.detail is not None and card.detail.incident.executor_id == "ex-roads",
                what="the card reloaded",
            )
            editor = card.editor
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERIM.value))
            index = next(
                i
                for i in range(editor.template.count())
                if "{executor}" in str(editor.template.itemData(i))
            )
            editor.template.setCurrentIndex(index)
            editor.text.clear()
            editor.insert_button.click()
            assert "Управление дорог" in editor.text.toPlainText()
            assert "[укажите исполнителя]" not in editor.text.toPlainText()
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
