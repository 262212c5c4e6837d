"""A note's or an answer's history line in the card shows the beginning of its text (one line,
cut with «…»), and the whole text on hover; before, a note's line said only «Внутренняя
заметка» (issue-blank). Expected lines written by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui import format as fmt
from cur_desktop.ui.incident_card import IncidentCard
from tests.helpers.stores import sign_in_as_ivanova
from tests.ui.conftest import run_qt

pytestmark = pytest.mark.ui

NOW = datetime(2026, 12, 1, 15, 45, tzinfo=UTC)  # 18:45 in Tula (UTC+3)
LONG_NOTE = (
    "Жительница просила перезвонить после 18:00.\n"
    "Управляющая компания обещала вывезти мусор до пятницы, проверить в понедельник."
)
ANSWER = "Здравствуйте! Обращение передано исполнителю, ответим до пятницы."


def test_a_quote_is_one_line_and_cut_with_an_ellipsis() -> None:
    from cur_desktop.ui.incident_card import history_quote  # new: the card test runs without

    assert history_quote("Коротко  о\nглавном") == "Коротко о главном"
    assert history_quote("а" * 80) == "а" * 80
    assert history_quote("а" * 81) == "а" * 79 + "…"
    # 13 words of 6 characters and the 79th character, then «…»; a space before it is dropped
    assert history_quote("слово " * 20) == "слово " * 13 + "с…"
    assert history_quote("слово " * 12 + "ab" + "x" * 20) == "слово " * 12 + "ab" + "x" * 5 + "…"
    assert history_quote("а" * 78 + " б" * 5) == "а" * 78 + "…"


def test_the_history_shows_the_beginning_of_a_note_and_of_an_answer(
    qapp: QApplication, qtbot: QtBot, profile_dir: Path
) -> None:
    engine = open_engine(profile_dir / DB_FILE_NAME)
    with engine.begin() as conn:
        sign_in_as_ivanova(conn)
        incident_id = str(
            conn.execute(
                text("SELECT id FROM incident WHERE region_code = 'RU-TUL' ORDER BY id LIMIT 1")
            ).scalar_one()
        )
    engine.dispose()
    fmt.set_region_zone("Europe/Moscow")

    async def body() -> list[tuple[str, str]]:
        ws = await Workstation.open(profile_dir, clock=lambda: NOW)
        card = IncidentCard()
        try:
            await ws.add_note(incident_id, LONG_NOTE)
            await ws.send_answer(incident_id, AnswerKind.INTERIM, ANSWER)
            card.show_detail(await ws.incident(incident_id))
            items = [card.history.item(i) for i in range(card.history.count())]
            return [
                (item.text(), str(item.data(Qt.ItemDataRole.ToolTipRole) or ""))
                for item in items[1:]  # [0]: registration
            ]
        finally:
            await ws.close()
            card.close()
            shiboken6.delete(card)

    lines = run_qt(qapp, body)
    offline = "[сделано без связи, ещё не подтверждено]"
    note_line = (
        "01.12.2026 18:45 (ivanova)  Внутренняя заметка — Жительница просила перезвонить после "
        f"18:00. Управляющая компания обещала вывезт… {offline}"  # 79 characters and «…»
    )
    answer_line = (
        "01.12.2026 18:45 (ivanova)  Промежуточный ответ опубликован — Здравствуйте! Обращение "
        f"передано исполнителю, ответим до пятницы. {offline}"
    )
    note = next(line for line in lines if "заметка" in line[0])
    answer = next(line for line in lines if "Промежуточный ответ" in line[0])
    assert note == (note_line, LONG_NOTE)
    assert answer == (answer_line, ANSWER)
