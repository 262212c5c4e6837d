"""Server-side faults, made for real: duplicate concurrent pushes, a server that dies between
two mutations of a batch, writers racing a paging client, and a client whose outbox skips ahead.

Every server here is a real ``cur-server`` process (SQLite file, or a fresh PostgreSQL database
when 127.0.0.1:5432 answers); the server's own database is read directly for the assertions.
"""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from cur_desktop.contract import wire
from cur_desktop.server.faults import EXIT_AFTER_COMMITS_ENV
from cur_desktop.server.push import GROUP_SIZE_ENV
from cur_desktop.server.reclassify import SYSTEM_AUTHOR
from cur_desktop.storage import sync_state
from cur_desktop.storage.tables import answer_table, incident_table
from cur_desktop.sync import session
from cur_desktop.sync.errors import MutationGapError, NetworkError
from cur_desktop.sync.events import SyncError, SyncEvent
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import (
    FAST,
    REGION,
    USERS,
    ingest,
    local_rows,
    login,
    server_rows,
    sync_once,
    with_engine,
)
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import (
    ServerProcess,
    fresh_postgres_database,
    init_database,
    running_server,
)


def _server_db(server: ServerProcess, sql: str, **params: Any) -> list[Any]:
    """Run a read query on the server's own database (not through its API)."""
    engine = create_engine(server.db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


class RecordingTransport(SyncTransport):
    """The real transport, remembering every push answer it handed to the engine."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.push_answers: list[wire.PushResponse] = []

    async def push(self, request: wire.PushRequest) -> wire.PushResponse:
        answer = await super().push(request)
        self.push_answers.append(answer)
        return answer


def _sync_recording(profile: Profile, url: str) -> tuple[list[wire.PushResponse], Any]:
    async def run() -> tuple[list[wire.PushResponse], Any]:
        token = profile.credentials().load()
        async with RecordingTransport(url, token=token) as transport:
            engine = SyncEngine(profile.db_path, transport, retry=FAST)
            try:
                counts = await engine.sync_once()
            finally:
                engine.close()
                engine.engine.dispose()
            return transport.push_answers, counts

    return asyncio.run(run())


# --------------------------------------------------------------------------- 2: duplicate push


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_server(
    request: pytest.FixtureRequest, server: ServerProcess, tmp_path: Path
) -> Iterator[ServerProcess]:
    """The shared SQLite server, or a fresh one on PostgreSQL (skipped when unreachable)."""
    if request.param == "sqlite":
        yield server
        return
    try:
        database = fresh_postgres_database()
        db_url = database.__enter__()
    except OSError as exc:
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    try:
        with running_server(tmp_path / "pg", users=USERS, db_url=db_url) as srv:
            yield srv
    finally:
        database.__exit__(None, None, None)


def test_the_same_batch_pushed_twice_at_once_takes_effect_once(any_server: ServerProcess) -> None:
    incident_id = ingest(any_server, "boss", REGION, 1)[0]
    (version_before,) = _server_db(
        any_server, "SELECT version FROM incident WHERE id = :id", id=incident_id
    )[0]
    answer_ids = [str(uuid.uuid4()) for _ in range(12)]
    mutations: list[dict[str, Any]] = [
        {"name": "incident.assign", "args": {"incident_id": incident_id, "expected": None,
                                             "assignee": "ivanova"}},
        {"name": "incident.transition", "args": {"incident_id": incident_id,
                                                 "from_status": "new", "to_status": "moderation"}},
        {"name": "incident.classify", "args": {"incident_id": incident_id, "priority": "high"}},
    ] + [
        {"name": "answer.add", "args": {"id": a, "incident_id": incident_id,
                                        "kind": "internal_note", "text": f"Заметка {n}"}}
        for n, a in enumerate(answer_ids)
    ]  # fmt: skip
    client_id = str(uuid.uuid4())
    body = {
        "client_id": client_id,
        "mutations": [{"id": i + 1, **m} for i, m in enumerate(mutations)],
    }
    headers = any_server.login("ivanova")
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=any_server.base_url, timeout=60) as client:
            barrier.wait()
            response = client.post("/api/v1/sync/push", json=body, headers=headers)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r.status_code for r in answers] == [200, 200]
    results = [wire.PushResponse.model_validate_json(r.content) for r in answers]
    for mutation_id in range(1, len(mutations) + 1):
        outcomes = sorted(
            res.outcome.value for answer in results for res in answer.results
            if res.id == mutation_id
        )  # fmt: skip
        assert outcomes == ["already_processed", "applied"], mutation_id
    assert [r.last_mutation_id for r in results] == [len(mutations)] * 2
    # The server's own tables: one effect per mutation.
    stored = _server_db(
        any_server, "SELECT id, author FROM answer WHERE incident_id = :id", id=incident_id
    )
    assert sorted(r[0] for r in stored if r[1] == "ivanova") == sorted(answer_ids)
    # the priority change recomputed the deadlines once: one history note by the server
    assert [r[1] for r in stored if r[1] != "ivanova"] == [SYSTEM_AUTHOR]
    row = _server_db(
        any_server,
        "SELECT version, status, assignee, priority FROM incident WHERE id = :id",
        id=incident_id,
    )[0]
    assert tuple(row) == (version_before + 3, "moderation", "ivanova", "high")
    assert _server_db(
        any_server, "SELECT last_mutation_id FROM client WHERE client_id = :c", c=client_id
    ) == [(len(mutations),)]


# --------------------------------------------------------------------------- 3: dies after k of n


@pytest.mark.slow
def test_server_dying_after_k_of_n_mutations_keeps_k_and_the_client_resumes_at_k_plus_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, k = 7, 3
    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    init_database(db_url, USERS)
    monkeypatch.setenv(EXIT_AFTER_COMMITS_ENV, str(k))
    # Groups of one mutation per transaction, so the hook fires between two mutations of one
    # batch (the default group of 500 would commit all seven at once).
    monkeypatch.setenv(GROUP_SIZE_ENV, "1")
    with running_server(tmp_path / "a", db_url=db_url, users=USERS, initialise=False) as first:
        proxy = FaultProxy("127.0.0.1", int(first.base_url.rsplit(":", 1)[1])).start()
        try:
            incident_id = ingest(first, "boss", REGION, 1)[0]
            profile = login(tmp_path / "ivanova", proxy.url, "ivanova")
            with_engine(profile, sync_once)
            answer_ids = [str(uuid.uuid4()) for _ in range(n - 1)]

            async def work(engine: SyncEngine) -> None:
                await engine.record(
                    "incident.assign",
                    {"incident_id": incident_id, "expected": None, "assignee": "ivanova"},
                )
                for number, answer_id in enumerate(answer_ids):
                    await engine.record(
                        "answer.add",
                        {
                            "id": answer_id,
                            "incident_id": incident_id,
                            "kind": "internal_note",
                            "text": f"Шаг {number}: уточнили адрес у жителя.",
                        },
                    )
                with pytest.raises(NetworkError):
                    await engine.sync_once()

            with_engine(profile, work)
            assert first.process.wait(timeout=30) == 1  # the hook, not a clean stop
            assert "test fault hook: exiting after 3 push commits" in first.log_text()
        except BaseException:
            proxy.stop()
            raise
    monkeypatch.delenv(EXIT_AFTER_COMMITS_ENV)
    monkeypatch.delenv(GROUP_SIZE_ENV)
    try:
        # Mutations 1..k are committed on the server, k+1..n are not.
        assert _server_db(first, "SELECT last_mutation_id FROM client") == [(k,)]
        stored = {r[0] for r in _server_db(first, "SELECT id FROM answer")}
        assert stored == set(answer_ids[: k - 1])
        assert _server_db(first, "SELECT assignee FROM incident") == [("ivanova",)]
        status = session.read_status(profile)
        assert (status.pending, status.rejected) == (n, 0)  # the client lost nothing

        with running_server(tmp_path / "b", db_url=db_url, users=USERS, initialise=False) as second:
            proxy.upstream = ("127.0.0.1", int(second.base_url.rsplit(":", 1)[1]))
            answers, counts = _sync_recording(profile, proxy.url)
            outcomes = [(r.id, r.outcome.value) for a in answers for r in a.results]
            assert outcomes == [(i, "already_processed") for i in range(1, k + 1)] + [
                (i, "applied") for i in range(k + 1, n + 1)
            ]
            assert (counts.pushed, counts.rejected) == (n, 0)
            assert session.read_status(profile).pending == 0
            # Nothing doubled: each answer once, the assignment counted once.
            stored_rows = [r[0] for r in _server_db(second, "SELECT id FROM answer")]
            assert sorted(stored_rows) == sorted(answer_ids)
            assert _server_db(second, "SELECT version FROM incident") == [(2,)]
            assert _server_db(second, "SELECT last_mutation_id FROM client") == [(n,)]
            assert set(local_rows(profile, answer_table)) == set(answer_ids)
            assert local_rows(profile, incident_table)[incident_id]["version"] == 2
    finally:
        proxy.stop()


# --------------------------------------------------------------------------- 4: racing writers


@pytest.mark.slow
def test_writers_racing_a_client_that_pulls_in_small_pages_lose_it_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    seed_ids = ingest(server, "boss", REGION, 5)
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    stop = threading.Event()
    errors: list[BaseException] = []
    rng = random.Random(4)

    def ingester() -> None:
        try:
            for _ in range(10):
                seed_ids.extend(ingest(server, "boss", REGION, 3))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    def pusher() -> None:
        client_id, next_id = str(uuid.uuid4()), 1
        headers = server.login("petrov")
        try:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                while not stop.is_set() and next_id <= 36:
                    mutations = []
                    for _ in range(3):
                        incident_id = rng.choice(seed_ids)
                        args: dict[str, Any] = (
                            {"id": str(uuid.uuid4()), "incident_id": incident_id,
                             "kind": "internal_note", "text": "Проверено выездом."}
                            if rng.random() < 0.6
                            else {"incident_id": incident_id,
                                  "priority": rng.choice(["low", "normal", "high"])}
                        )  # fmt: skip
                        name = "answer.add" if "kind" in args else "incident.classify"
                        mutations.append({"id": next_id, "name": name, "args": args})
                        next_id += 1
                    response = client.post(
                        "/api/v1/sync/push", json={"client_id": client_id, "mutations": mutations}
                    )
                    response.raise_for_status()
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=ingester), threading.Thread(target=pusher)]

    async def pull_while_they_write(engine: SyncEngine) -> int:
        engine.pull_limit = 4
        for writer in writers:
            writer.start()
        rounds = 0
        while any(w.is_alive() for w in writers):
            await engine.sync_once()
            rounds += 1
        await engine.sync_once()  # the final sync, after the writers stopped
        return rounds

    try:
        rounds = with_engine(profile, pull_while_they_write)
    finally:
        stop.set()
        for writer in writers:
            writer.join(60)
    assert errors == []
    assert rounds >= 1
    on_server = server_rows(server, "ivanova")
    expected = {
        (key, row["version"])
        for key, row in on_server.items()
        if key.split(":", 1)[0] in ("incident", "answer")
    }
    local = {
        (f"incident:{k}", r["version"]) for k, r in local_rows(profile, incident_table).items()
    }
    local |= {(f"answer:{k}", r["version"]) for k, r in local_rows(profile, answer_table).items()}
    assert local == expected
    assert set(seed_ids) <= {k.split(":", 1)[1] for k, _ in local}


# --------------------------------------------------------------------------- 6: 409 gap


def test_an_outbox_that_skips_ahead_gets_a_clear_gap_error_and_loses_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    incident_id = ingest(server, "boss", REGION, 1)[0]
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    with_engine(profile, sync_once)
    answer_id = str(uuid.uuid4())

    async def skip_ahead_and_sync(engine: SyncEngine) -> None:
        # The profile's sequence jumps (e.g. restored next to a newer copy): the server expects 1.
        await engine.writer.run(
            lambda conn: sync_state.set_state(conn, sync_state.KEY_ALLOCATED, 4)
        )
        mutation_id = await engine.record(
            "answer.add",
            {
                "id": answer_id,
                "incident_id": incident_id,
                "kind": "interim",
                "text": "Вопрос передан в управляющую компанию, ответим до 10 марта.",
            },
        )
        assert mutation_id == 5
        for _ in range(2):  # and again: the error is stable, nothing moves
            with pytest.raises(MutationGapError) as caught:
                await engine.sync_once()
            assert caught.value.gap.expected_id == 1
            assert "№ 1" in caught.value.message

    events: list[SyncEvent] = []
    with_engine(profile, skip_ahead_and_sync, events)
    errors = [e for e in events if isinstance(e, SyncError)]
    assert len(errors) == 2
    assert (
        errors[0].message == "Сервер ожидает изменение № 1: очередь изменений рассинхронизирована."
    )
    status = session.read_status(profile)
    assert (status.pending, status.rejected) == (1, 0)
    answers = local_rows(profile, answer_table)
    assert answers[answer_id]["text"].startswith("Вопрос передан")
    assert local_rows(profile, incident_table)[incident_id]["local_changed"]
    assert f"answer:{answer_id}" not in server_rows(server, "boss")


# --------------------------------------------------------------------------- lost rejection


def test_a_rejection_whose_answer_was_lost_still_reaches_needs_attention(
    server: ServerProcess, tmp_path: Path
) -> None:
    incident_id = ingest(server, "boss", REGION, 1)[0]
    host, port = server.base_url.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        profile = login(tmp_path / "ivanova", proxy.url, "ivanova")
        with_engine(profile, sync_once)

        async def take(engine: SyncEngine) -> None:
            await engine.record(
                "incident.assign",
                {"incident_id": incident_id, "expected": None, "assignee": "ivanova"},
            )

        with_engine(profile, take)
        # A colleague takes it first; then ivanova's push is rejected, and the answer is lost.
        petrov = login(tmp_path / "petrov", server.base_url, "petrov")
        with_engine(petrov, sync_once)
        with_engine(
            petrov,
            lambda e: e.record(
                "incident.assign",
                {"incident_id": incident_id, "expected": None, "assignee": "petrov"},
            ),
        )
        with_engine(petrov, sync_once)
        proxy.drop_response_to("/api/v1/sync/push")
        counts = with_engine(profile, sync_once)
        assert proxy.dropped == 1
    status = session.read_status(profile)
    assert (counts.rejected, status.rejected, status.pending) == (1, 1, 0)
