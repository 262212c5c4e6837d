"""Fixtures of the services tests: a profile directory whose store holds confirmed incidents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection

from cur_desktop.contract import wire
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import page

Seed = Callable[..., Path]


@pytest.fixture
def seeded_profile(tmp_path: Path) -> Seed:
    """Make a profile bound to ``login`` (role, region RU-TUL) holding ``items`` as confirmed.

    No server and no token: the workstation opened on it works offline (operations queue in
    the outbox), which is what the local tests need.
    """

    def make(
        *items: wire.IncidentWire | wire.AnswerWire,
        login: str = "ivanova",
        role: str = "operator",
        executors: tuple[tuple[str, str], ...] = (("ex-roads", "Дорожное управление"),),
    ) -> Path:
        directory = tmp_path / f"profile-{login}"
        engine = open_engine(directory / "local.sqlite3")
        pulled = page(list(items), start_seq=1, reset=True)
        extra = [
            wire.Change(
                seq=1000 + i,
                entity=wire.EntityKind.EXECUTOR,
                id=ex_id,
                data=wire.ExecutorWire(id=ex_id, region_code="RU-TUL", name=name).model_dump(),
            )
            for i, (ex_id, name) in enumerate(executors)
        ]
        pulled = pulled.model_copy(update={"changes": [*pulled.changes, *extra]})
        try:
            with DbWriter(engine) as writer:

                def seed(conn: Connection) -> None:
                    sync_state.set_state(conn, sync_state.KEY_LOGIN, login)
                    sync_state.set_state(conn, sync_state.KEY_ROLE, role)
                    sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
                    apply_page(conn, pulled, decode_page(pulled))

                writer.submit(seed).result()
        finally:
            engine.dispose()
        return directory

    return make
