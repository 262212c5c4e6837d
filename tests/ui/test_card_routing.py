"""The card before routing: a solution is refused in the editor with the reason (the text
stays); the «Исполнитель» list puts the incident's municipality and the regional bodies first,
then a separator and the rest, and typing filters it. Expected values by hand."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import insert, update

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import executor_table, incident_table
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.main_window import MainWindow
from tests.ui.conftest import run_qt, until
from tests.ui.test_window import _info, _profile

EXECUTORS = [
    ("uk-efr", "УК «Ефремовская»", "M-EFR"),
    ("adm-efr", "Администрация МО «Ефремов»", "M-EFR"),
    ("adm-tul", "Администрация г. Тулы", "M-TUL"),
    ("min-roads", "Министерство транспорта", None),
    ("uk-tul", "УК «Тульская»", "M-TUL"),
]
TEXT = "Здравствуйте! Двор благоустроят до 1 июня, пришлём фото."


def _with_executors(profile: Path, incident_id: str) -> None:
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        conn.execute(
            insert(executor_table),
            [
                {"id": i, "region_code": "RU-TUL", "name": n, "municipality_id": m}
                for i, n, m in EXECUTORS
            ],
        )
        conn.execute(
            update(incident_table)
            .where(incident_table.c.id == incident_id)
            .values(municipality_id="M-EFR", executor_id=None)
        )
    engine.dispose()


def test_before_routing_the_editor_refuses_a_solution_and_the_list_puts_the_place_first(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)
    _with_executors(profile, incident_id)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        try:
            window.attach(ws, _info())
            await until(lambda: window.card.ref.executors, what="reference")
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            combo = window.card.executor
            items = [combo.itemText(i) for i in range(combo.count())]
            assert items == [
                "—",
                "Администрация МО «Ефремов»",
                "УК «Ефремовская»",
                "Министерство транспорта",
                "",  # the separator
                "Администрация г. Тулы",
                "УК «Тульская»",
            ]
            assert combo.currentData() is None
            completer = combo.completer()
            assert completer is not None
            completer.setCompletionPrefix("тульск")
            assert completer.completionCount() == 1
            assert completer.currentCompletion() == "УК «Тульская»"

            editor = window.card.editor
            await until(lambda: editor.incident_id == incident_id, what="editor open")
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.SOLUTION.value))
            editor.text.setPlainText(TEXT)
            assert editor.request_send(confirm=lambda _found: True)
            await until(lambda: "Не отправлено" in editor.saved_label.text(), what="refusal")
            assert (
                "Ответ с решением нельзя отправить: инцидент не направлен исполнителю"
                in editor.saved_label.text()
            )
            assert editor.text.toPlainText() == TEXT
            assert (await ws.incident(incident_id)).answers == []
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
