"""The card's history as a timeline, against a REAL server: every status move once, the take
and the routing with who and when (also once confirmed), one entry per answer, and the
"made offline" mark on a change recorded without a connection. Expected texts by hand."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services import Workstation
from cur_desktop.services.views import ChangeState, HistoryEntry
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import FAST, PASSWORD, REGION, USERS, ingest
from tests.helpers.server_process import ServerProcess, UserSpec, free_port, running_server

EXECUTOR = "Управление дорожного хозяйства"


@pytest.fixture(scope="module")
def routed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real server whose region RU-TUL has one executor (imported by an administrator)."""
    users = (*USERS, UserSpec("admin", "admin", None, PASSWORD))
    with running_server(tmp_path_factory.mktemp("history-server"), users=users) as srv:
        executors = f"id;name;municipality_id\nEX-ROADS;{EXECUTOR};\n"
        response = httpx.post(
            f"{srv.base_url}/api/v1/admin/reference/{REGION}/import",
            headers=srv.login("admin"),
            json={
                "executors_base64": base64.b64encode(executors.encode()).decode(),
                "dry_run": False,
            },
            timeout=30,
        )
        response.raise_for_status()
        assert response.json()["applied"] is True
        yield srv


async def _open(directory: Path, server: ServerProcess, login: str) -> Workstation:
    station = await Workstation.open(directory, retry=FAST, poll_interval=300.0)
    await station.login(server.base_url, login, PASSWORD)
    return station


def _lines(history: list[HistoryEntry]) -> list[tuple[str | None, str, ChangeState, bool]]:
    return [(e.actor, e.text, e.state, e.offline) for e in history[1:]]  # [0]: registration


def test_the_take_routing_and_answer_show_once_each_after_confirmation(
    routed_server: ServerProcess, tmp_path: Path
) -> None:
    server = routed_server
    (incident_id,) = ingest(server, "boss", REGION, 1)
    ok = ChangeState.CONFIRMED

    async def main() -> tuple[list[HistoryEntry], list[HistoryEntry]]:
        ivanova = await _open(tmp_path / "ivanova", server, "ivanova")
        boss = await _open(tmp_path / "boss", server, "boss")
        try:
            await ivanova.sync_now()
            await boss.sync_now()
            await ivanova.take(incident_id)
            await ivanova.route_to_executor(incident_id, "EX-ROADS")
            await ivanova.send_answer(
                incident_id,
                AnswerKind.INTERIM,
                "Здравствуйте! Обращение передано исполнителю, ответим до пятницы.",
                for_approval=False,
            )
            await ivanova.sync_now()
            mine = await ivanova.incident(incident_id)
            assert mine.pending == []  # all confirmed by the server
            await boss.sync_now()
            theirs = await boss.incident(incident_id)
            return mine.history, theirs.history
        finally:
            await ivanova.close()
            await boss.close()

    mine, theirs = asyncio.run(main())
    executor_name = EXECUTOR
    assert mine[0].text == "Зарегистрирован (ВКонтакте)"
    # the moves in the order they were made (one operation's moves share its instant) ...
    assert [line for line in _lines(mine) if "ответ опубликован" not in line[1]] == [
        ("ivanova", "Взят в работу", ok, False),
        ("ivanova", f"Исполнитель: {executor_name}", ok, False),
        ("ivanova", "Статус: Новый → На модерации", ok, False),
        ("ivanova", "Статус: На модерации → Направлен исполнителю", ok, False),
        ("ivanova", "Статус: Направлен исполнителю → Дан первичный ответ", ok, False),
        ("ivanova", "Статус: Дан первичный ответ → На контроле", ok, False),
    ]
    # ... and the answer once (at the server's publication instant, so after them)
    assert [
        line for line in _lines(mine) if not line[1].startswith(("Статус", "Взят", "Исполнитель"))
    ] == [
        ("ivanova", "Промежуточный ответ опубликован", ok, False),
    ]
    # the colleague pulled one confirmed version: the moves it made, by the server's time,
    # with who made that version (the wire's ``changed_by``); the answer once
    assert sorted(_lines(theirs), key=str) == sorted(
        [
            ("ivanova", "В работе у ivanova", ok, False),
            ("ivanova", f"Исполнитель: {executor_name}", ok, False),
            ("ivanova", "Статус: Новый → На контроле", ok, False),
            ("ivanova", "Промежуточный ответ опубликован", ok, False),
        ],
        key=str,
    )


def test_a_take_made_without_a_connection_keeps_its_offline_mark_once_confirmed(
    server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)
    directory = tmp_path / "ivanova"
    dead = f"http://127.0.0.1:{free_port()}"

    async def main() -> tuple[list[HistoryEntry], list[HistoryEntry]]:
        station = await _open(directory, server, "ivanova")
        await station.sync_now()
        await station.close()
        # the same profile with the server out of reach
        station = await Workstation.open(
            directory,
            retry=FAST,
            poll_interval=300.0,
            transport_factory=lambda _url, token: SyncTransport(dead, token=token),
        )
        try:
            with contextlib.suppress(Exception):  # unreachable: whatever the engine raises
                await station.sync_now()
            await station.take(incident_id)
            pending = (await station.incident(incident_id)).history
        finally:
            await station.close()
        station = await Workstation.open(directory, retry=FAST, poll_interval=300.0)
        try:
            await station.sync_now()
            return pending, (await station.incident(incident_id)).history
        finally:
            await station.close()

    pending, confirmed = asyncio.run(main())
    assert _lines(pending) == [("ivanova", "Взят в работу", ChangeState.PENDING, True)]
    assert _lines(confirmed) == [("ivanova", "Взят в работу", ChangeState.CONFIRMED, True)]
