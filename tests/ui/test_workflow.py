"""The operator's path through the real window against a REAL server process.

Sign in; take an incident; write an answer from a template; send it while the server is down
(it waits in the outbox, the window says offline); bring the server up; see it synced — checked
on the server through its own pull endpoint. Offline unlock of a profile that signed in before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.sign_in import SignInError, sign_in
from cur_desktop.services.views import ChangeState
from cur_desktop.services.workstation import Workstation
from cur_desktop.sync.syncer import RetryPolicy
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.sign_in_dialog import SignInDialog, ask_sign_in
from tests.helpers import server_restart as servers
from tests.helpers.live import PASSWORD, REGION, USERS, answers_of, ingest, server_rows
from tests.helpers.server_process import ServerProcess, running_server
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

FAST = RetryPolicy(attempts=2, initial=0.05, maximum=0.3)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server", users=USERS) as srv:
        yield srv
        if srv.process.poll() is None:
            servers.stop(srv)


def test_sign_in_dialog_signs_in_and_remembers_server_and_login(
    qapp: QApplication, server: ServerProcess, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"

    async def attempt(url: str, login: str, password: str) -> object:
        return await sign_in(profile, url, login, password)

    async def body() -> tuple[object, str, str]:
        dialog = SignInDialog(attempt)
        dialog.server.setText(server.base_url)
        dialog.login.setText("ivanova")
        dialog.password.setText("неверный")
        waiting = ask_sign_in(dialog)
        import asyncio

        task = asyncio.ensure_future(waiting)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: "пароль" in dialog.message.text().lower(), what="refusal shown")
        refusal = dialog.message.text()
        assert dialog.isVisible()
        dialog.password.setText(PASSWORD)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        result = await task
        again = SignInDialog(attempt)
        return result, refusal, f"{again.server.text()}|{again.login.text()}"

    result, refusal, remembered = run_qt(qapp, body)
    assert getattr(result, "online", None) is True
    assert getattr(result, "login", None) == "ivanova"
    assert refusal  # a Russian message from the server's refusal, shown in the dialog
    assert remembered == f"{server.base_url}|ivanova"


def test_offline_unlock_of_a_profile_that_signed_in_before(
    qapp: QApplication, server: ServerProcess, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    never = tmp_path / "never"

    async def body() -> None:
        first = await sign_in(profile, server.base_url, "ivanova", PASSWORD)
        assert first.online
        servers.stop(server)
        unlocked = await sign_in(profile, server.base_url, "ivanova", PASSWORD)
        assert unlocked.online is False
        with pytest.raises(SignInError, match="Неверный пароль"):
            await sign_in(profile, server.base_url, "ivanova", "не тот")
        with pytest.raises(SignInError, match="ещё не входил"):
            await sign_in(never, server.base_url, "ivanova", PASSWORD)
        ws = await Workstation.open(profile, retry=FAST)
        window = MainWindow()
        try:
            window.attach(ws, await ws.session_info(), offline=not unlocked.online)
            assert (
                window.status.mode_label.text() == "БЕЗ СВЯЗИ: изменения сохраняются и уйдут позже"
            )
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
    stored = (profile / "unlock.json").read_text(encoding="utf-8")
    assert PASSWORD not in stored


def test_take_answer_from_template_offline_then_synced(
    qapp: QApplication, server: ServerProcess, tmp_path: Path
) -> None:
    ids = ingest(server, "boss", REGION, 3)
    profile = tmp_path / "profile"

    async def body() -> str:
        result = await sign_in(profile, server.base_url, "ivanova", PASSWORD)
        assert result.online
        ws = await Workstation.open(profile, retry=FAST, poll_interval=0.5)
        window = MainWindow()
        window.resize(1366, 768)
        window.show()
        try:
            window.attach(ws, await ws.session_info())
            ws.start_sync()
            assert window.inbox is not None
            window.inbox.set_view(SavedView.NEW)
            await until(lambda: window.inbox.model.rowCount() == 3, what="3 new incidents")
            window.inbox.table.selectRow(0)
            await until(lambda: window.inbox.current_incident_id() is not None, what="row")
            incident_id = window.inbox.current_incident_id()
            assert incident_id in ids
            window.take_current()
            window.inbox.set_view(SavedView.MINE)
            await until(lambda: window.inbox.model.rowCount() == 1, what="taken: in Мои")
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            detail = window.card.detail
            assert detail.incident.assignee == "ivanova"
            # already hers: «Взять в работу» has nothing to do; the title names the role in Russian
            assert not window.card.take_button.isEnabled()
            assert window.card.take_button.toolTip() == "Уже у вас в работе"
            assert window.windowTitle() == "Рабочее место ЦУР — ivanova (оператор)"
            editor = window.card.editor
            editor.kind.setCurrentIndex(editor.kind.findData(AnswerKind.INTERIM.value))
            editor.template.setCurrentIndex(0)
            editor.insert_button.click()
            text = editor.text.toPlainText()
            assert "Жительница" in text  # {author} filled with the resident's name
            # the incident has no executor yet: a visible gap, named by the check, never "{…}"
            assert "[укажите исполнителя]" in text
            assert "{" not in text
            codes = {f.code.value for f in editor.run_check()}
            assert "unfilled_gap" in codes
            editor.text.setPlainText(text.replace("[укажите исполнителя]", "управляющую компанию"))
            assert not [f for f in editor.run_check() if f.code.value == "unfilled_gap"]

            servers.stop(server)
            assert editor.request_send(confirm=lambda _found: True)
            await until(lambda: not editor.text.toPlainText(), what="editor emptied")
            assert editor.saved_label.text() == "Ответ в очереди на отправку"
            await until(
                lambda: window.status.mode_label.text().startswith("БЕЗ СВЯЗИ"),
                what="offline shown",
            )
            pending = await ws.incident(incident_id)
            waiting = [p for p in pending.pending if p.state is ChangeState.PENDING]
            assert len(waiting) >= 2  # the answer and its status moves (the take may be out)
            assert any(e.state is ChangeState.PENDING for e in pending.history)
            assert (
                "сделано без связи"
                in window.card.history.item(window.card.history.count() - 1).text()
            )

            servers.restart(server)
            window.status.sync_clicked.emit()

            async def synced() -> bool:
                detail = await ws.incident(incident_id)
                return not detail.pending

            done = False
            for _ in range(300):
                if await synced():
                    done = True
                    break
                await until(lambda: True)
                import asyncio

                await asyncio.sleep(0.1)
            assert done, "the outbox did not drain after the server came back"
            # the editor no longer says «в очереди» once the server has the answer
            await until(
                lambda: editor.saved_label.text() == "Ответ отправлен на сервер",
                what="the editor says the answer is sent",
            )
            # on control after the interim answer: the next one is the final answer
            assert editor.current_kind() is AnswerKind.FINAL
            await until(lambda: window.status.mode_label.text() == "На связи", what="online again")
            return incident_id
        finally:
            window.close()
            await ws.close()

    incident_id = run_qt(qapp, body)
    rows = server_rows(server, "ivanova")
    answers = answers_of(rows, incident_id)
    assert len(answers) == 1
    assert answers[0]["kind"] == AnswerKind.INTERIM.value
    assert answers[0]["state"] == AnswerState.PUBLISHED.value
    assert "управляющую компанию" in answers[0]["text"]
    incident = rows[f"incident:{incident_id}"]
    assert incident["assignee"] == "ivanova"
    assert incident["status"] == Status.ON_CONTROL.value
    assert incident["final_answer_due"] is not None  # the server set the final deadline
