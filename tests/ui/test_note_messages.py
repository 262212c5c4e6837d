"""An internal note is told as a note, not as an answer, on every step of its way: queued,
confirmed by the server, refused here, rejected by the server (the attention panel)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text as sql

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.answer_editor import AnswerEditor
from cur_desktop.ui.attention_panel import change_title
from cur_desktop.ui.main_window import MainWindow
from tests.ui.conftest import run_qt, until
from tests.ui.test_window import _info, _profile

pytestmark = pytest.mark.ui

NOTE = "Жительница просила перезвонить после 18:00."
ANSWER = (
    "Здравствуйте! Обращение передано в управляющую компанию, мусор вывезут до 15.12.2026. "
    "Сообщим о результате."
)


def _server_took_everything(profile: Path) -> None:
    """As a push and pull would leave it: nothing of this workstation waits in the outbox."""
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        conn.execute(sql("DELETE FROM outbox"))
    engine.dispose()


@asynccontextmanager
async def _attached(profile: Path, qtbot: QtBot) -> AsyncIterator[tuple[Workstation, MainWindow]]:
    """The window attached to the profile's workstation, closed afterwards."""
    ws = await Workstation.open(profile)
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.attach(ws, _info())
        yield ws, window
    finally:
        window.close()
        await ws.close()


async def _editor_of(window: MainWindow, incident_id: str) -> AnswerEditor:
    """Open the incident's card and wait until its editor takes text."""
    window.open_incident(incident_id)
    await until(window.card.editor.isEnabled, what="editor")
    return window.card.editor


def test_a_note_is_queued_and_sent_as_a_note(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)

    async def body() -> None:
        async with _attached(profile, qtbot) as (ws, window):
            editor = await _editor_of(window, incident_id)
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERNAL_NOTE.value))
            editor.text.setPlainText(NOTE)
            assert editor.request_send()
            await until(lambda: not editor.text.toPlainText(), what="editor emptied")
            await until(lambda: window.status.currentMessage() != "", what="status message")
            assert editor.saved_label.text() == "Заметка в очереди на отправку"
            assert window.status.currentMessage() == "Заметка сохранена; уйдёт на сервер при связи."
            detail = await ws.incident(incident_id)
            assert [p.args.get("text") for p in detail.pending] == [NOTE]

            _server_took_everything(profile)
            await window._reload_card(incident_id, from_event=True)
            assert editor.saved_label.text() == "Заметка отправлена на сервер"
            assert window.status.currentMessage() == "Заметка отправлена на сервер"

            # an answer keeps the answer's words
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERIM.value))
            editor.text.setPlainText(ANSWER)
            assert editor.request_send(confirm=lambda _found: True)
            await until(lambda: not editor.text.toPlainText(), what="answer sent")
            await until(
                lambda: window.status.currentMessage().startswith("Ответ"), what="answer message"
            )
            assert editor.saved_label.text() == "Ответ в очереди на отправку"
            assert (
                window.status.currentMessage()
                == "Ответ в очереди; он будет отправлен, когда сервер доступен."
            )
            _server_took_everything(profile)
            await window._reload_card(incident_id, from_event=True)
            assert editor.saved_label.text() == "Ответ отправлен на сервер"
            assert window.status.currentMessage() == "Ответ отправлен на сервер"

    run_qt(qapp, body)


def test_a_card_read_begun_before_the_send_never_says_the_answer_was_sent(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """A card reload (a sync's event) reads the incident, the operator sends an answer, and
    only then does that older read reach the card: it does not know the answer's outbox row
    and must not turn «в очереди» into «отправлен на сервер» (seen once in CI)."""
    profile, incident_id = _profile(tmp_path)

    async def body() -> None:
        async with _attached(profile, qtbot) as (ws, window):
            editor = await _editor_of(window, incident_id)
            real_incident, real_send = ws.incident, ws.send_answer
            old_reads_may_finish, new_reads_may_start = asyncio.Event(), asyncio.Event()
            sent = False
            old_reads = 0

            async def incident(wanted: str) -> Any:
                nonlocal old_reads
                if sent:  # begun after the send: held until the older reads reached the card
                    await new_reads_may_start.wait()
                    return await real_incident(wanted)
                old_reads += 1  # a sync's reload: reads now, reaches the card later
                detail = await real_incident(wanted)
                await old_reads_may_finish.wait()
                return detail

            async def send_answer(*args: Any, **kwargs: Any) -> Any:
                nonlocal sent
                result = await real_send(*args, **kwargs)
                sent = True
                return result

            ws.incident = incident  # type: ignore[method-assign]
            ws.send_answer = send_answer  # type: ignore[method-assign]
            old_reload = asyncio.ensure_future(window._reload_card(incident_id, from_event=True))
            await until(lambda: old_reads >= 1, what="the old read")
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERIM.value))
            editor.text.setPlainText(ANSWER)
            assert editor.request_send(confirm=lambda _found: True)
            await until(lambda: sent and not editor.text.toPlainText(), what="the answer queued")
            old_reads_may_finish.set()
            await old_reload
            new_reads_may_start.set()
            await until(
                lambda: window.status.currentMessage().startswith("Ответ"), what="answer message"
            )
            assert editor.saved_label.text() == "Ответ в очереди на отправку"
            detail = await real_incident(incident_id)
            queued = [p for p in detail.pending if p.args.get("kind") == AnswerKind.INTERIM.value]
            assert len(queued) == 1  # it is in the outbox indeed

    run_qt(qapp, body)


def test_writing_a_note_shows_no_error_of_a_draft(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)

    async def body() -> None:
        async with _attached(profile, qtbot) as (_ws, window):
            editor = await _editor_of(window, incident_id)
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERNAL_NOTE.value))
            editor.text.setPlainText(NOTE)
            # past both draft timers (0.7 s idle, 1.8 s at most): a note is never a draft, so
            # the services' refusal («Черновик — это ответ жителю…») never reaches the status
            await asyncio.sleep(2.5)
            assert "Ошибка" not in window.status.currentMessage()
            assert editor.saved_label.text() == (
                "Заметка не хранится как черновик; «Отправить» добавит её"
            )
            assert editor.request_send()
            await until(lambda: not editor.text.toPlainText(), what="note added")
            await asyncio.sleep(0.3)
            assert window.status.currentMessage() == "Заметка сохранена; уйдёт на сервер при связи."

    run_qt(qapp, body)


def test_a_refused_note_says_it_was_not_saved_and_keeps_the_text(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)
    too_long = "Заметка. " * 20_000  # over the wire's text limit

    async def body() -> None:
        async with _attached(profile, qtbot) as (ws, window):
            editor = await _editor_of(window, incident_id)
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERNAL_NOTE.value))
            editor.text.setPlainText(too_long)
            assert editor.request_send()
            await until(lambda: "не сохранена" in editor.saved_label.text(), what="refusal")
            assert "Заметка не сохранена: Внутренняя заметка: текст слишком длинный" in (
                editor.saved_label.text()
            )
            assert editor.text.toPlainText() == too_long
            await until(  # shown by the window's handler of the same refusal, a turn later
                lambda: window.status.currentMessage().startswith("Ошибка: Внутренняя заметка"),
                what="the refusal in the status bar",
            )
            assert not (await ws.incident(incident_id)).pending

    run_qt(qapp, body)


def test_a_note_rejected_by_the_server_is_listed_as_a_note() -> None:
    assert change_title("answer.add", {"kind": "internal_note", "text": NOTE}) == (
        "Внутренняя заметка"
    )
    assert change_title("answer.add", {"kind": "interim", "text": "…"}) == "Ответ"
    assert change_title("answer.add") == "Ответ"


def test_a_re_snapshot_reloads_the_list_from_empty(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """After a full re-snapshot the rows' keys may belong to other incidents: the list must not
    keep showing its old rows as stale (it reloads from empty; an ordinary change does not)."""
    from cur_desktop.services.outcomes import ChangeOrigin, Changes

    profile, _incident_id = _profile(tmp_path)

    async def body() -> None:
        async with _attached(profile, qtbot) as (_ws, window):
            page = window.inbox
            assert page is not None
            reloads: list[int] = []
            original = page.reload
            page.reload = lambda: (reloads.append(1), original())[-1]  # type: ignore[method-assign]
            window._on_core_event(Changes(ChangeOrigin.PULLED, frozenset({"x"})))
            assert reloads == []  # an ordinary change refreshes in place
            window._on_core_event(Changes(ChangeOrigin.PULLED, everything=True))
            assert reloads == [1]

    run_qt(qapp, body)
