"""The real thing: `cur-server init`, `add-user`, `serve` as subprocesses, spoken to over HTTP."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from tests.helpers.server_process import UserSpec, running_server

USERS = [
    UserSpec("tul.op", "operator", "RU-TUL", "секрет-1"),
    UserSpec("tul.op2", "operator", "RU-TUL", "секрет-2"),
    UserSpec("sam.op", "operator", "RU-SAM", "секрет-3"),
]


def _create(base_url: str, headers: dict[str, str], client_id: str) -> httpx.Response:
    incident = {
        "id": str(uuid4()),
        "source": "vk",
        "external_id": f"vk-{uuid4()}",
        "text": "Не работает светофор",
        "received_at": "2026-03-10T08:00:00+03:00",
    }
    return httpx.post(
        f"{base_url}/api/v1/sync/push",
        headers=headers,
        json={
            "client_id": client_id,
            "mutations": [{"id": 1, "name": "incident.create", "args": incident}],
        },
        timeout=30,
    )


@pytest.mark.slow
def test_served_server_logs_in_and_pokes_the_region(tmp_path: Path, db_url: str) -> None:
    with running_server(tmp_path, users=USERS, db_url=db_url) as server:
        bad = httpx.post(
            f"{server.base_url}/api/v1/auth/login",
            json={"login": "tul.op", "password": "wrong"},
            timeout=30,
        )
        assert bad.status_code == 401
        tul = server.login("tul.op")
        me = httpx.get(f"{server.base_url}/api/v1/auth/me", headers=tul, timeout=30)
        assert me.json()["region_code"] == "RU-TUL"

        with httpx.stream(
            "GET",
            f"{server.base_url}/api/v1/sync/events",
            headers=server.login("tul.op2"),
            timeout=httpx.Timeout(30, read=20),
        ) as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            lines = events.iter_lines()
            assert next(lines).startswith("retry:")
            # A change in another region does not poke; one in ours does.
            assert _create(server.base_url, server.login("sam.op"), str(uuid4())).status_code == 200
            assert _create(server.base_url, tul, str(uuid4())).status_code == 200
            seen = []
            for line in lines:
                seen.append(line)
                if line == "event: poke":
                    break
            assert "event: poke" in seen

        pulled = httpx.get(f"{server.base_url}/api/v1/sync/pull", headers=tul, timeout=30)
        assert [c["data"]["region_code"] for c in pulled.json()["changes"]] == ["RU-TUL"]
