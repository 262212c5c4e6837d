"""The «changed since you opened it» banner of the answer editor, against a REAL server.

An operator opens an incident and starts typing; a colleague answers the same incident from
another client through the server; the operator's window syncs; the banner names the
colleague before anything is sent, and the text being typed stays as it was.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.services.sign_in import sign_in
from cur_desktop.services.workstation import Workstation
from cur_desktop.sync.syncer import RetryPolicy
from cur_desktop.ui.main_window import MainWindow
from tests.helpers.live import PASSWORD, REGION, ingest
from tests.helpers.server_process import ServerProcess
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

FAST = RetryPolicy(attempts=2, initial=0.05, maximum=0.3)
TYPED = "Анна, здравствуйте! Сотрудники управляющей компании выедут на место до 15 марта."


def _colleague_answers(server: ServerProcess, incident_id: str) -> None:
    """``petrov`` publishes an interim answer from his own client, straight to the server."""
    response = httpx.post(
        f"{server.base_url}/api/v1/sync/push",
        headers=server.login("petrov"),
        json={
            "client_id": str(uuid.uuid4()),
            "mutations": [
                {
                    "id": 1,
                    "name": "answer.add",
                    "args": {
                        "id": str(uuid.uuid4()),
                        "incident_id": incident_id,
                        "kind": "interim",
                        "state": "published",
                        "text": "Здравствуйте! Передали в УК, ответим до 20 марта.",
                    },
                }
            ],
        },
        timeout=30,
    )
    response.raise_for_status()
    assert response.json()["results"][0]["outcome"] == "applied", response.text


def test_a_colleagues_answer_raises_the_banner_before_sending(
    qapp: QApplication, qtbot: QtBot, server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)
    profile = tmp_path / "profile"

    async def body() -> None:
        assert (await sign_in(profile, server.base_url, "ivanova", PASSWORD)).online
        ws = await Workstation.open(profile, retry=FAST)
        window = MainWindow()
        qtbot.addWidget(window)  # deleted on the GUI thread after the test
        window.resize(1366, 768)
        window.show()
        try:
            window.attach(ws, await ws.session_info())
            await ws.sync_now()
            window.open_incident(incident_id)
            editor = window.card.editor
            await until(lambda: editor.incident_id == incident_id, what="editor open")
            editor.text.setPlainText(TYPED)
            assert not editor.banner.isVisible()
            await ws.sync_now()  # nothing changed on the server yet: no banner
            assert not editor.banner.isVisible()

            _colleague_answers(server, incident_id)
            await ws.sync_now()
            await until(editor.banner.isVisible, what="the banner")
            assert "petrov" in editor.banner.text()
            assert editor.banner.text().startswith("Инцидент изменился с момента")
            # before sending: the operator's text is untouched and nothing went out
            assert editor.text.toPlainText() == TYPED
            assert (await ws.sync_status()).pending == 0
            detail = await ws.incident(incident_id)
            assert [a.author for a in detail.answers] == ["petrov"]
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
