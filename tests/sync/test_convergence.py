"""Convergence: three clients work at random through a faulty link, then heal and agree.

A hypothesis ``RuleBasedStateMachine`` drives three real sync clients (two operators and the
supervisor of RU-TUL) against ONE real ``cur-server`` process through the fault proxy
(``tests/helpers/proxy.py``), which drops answers, delays, cuts and refuses connections. The
operations are the operator's own: register an incident, classify, change status, take or
release, add an answer, move an answer towards publication; each is built from what that client
sees, so stale views and conflicts arise naturally.

After each example the link is healed (plain forwarding) and every client syncs until caught up,
twice round. Then:

* no client has a pending outbox row, a copy-on-write shadow or a ``local_changed`` row;
* every client's confirmed incidents and answers equal what the server shows for the region;
* every mutation the server accepted is visible: created incidents and added answers exist with
  the operator's text; a field (status, assignee, classification, answer state) holds a value
  some accepted mutation wrote, the last one when a single client wrote it, and its initial
  value when nobody's write was accepted;
* every rejected mutation is in ``needs_attention`` with its code and Russian message, and its
  own row (incident or answer) appears nowhere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select

from cur_desktop.contract import registry, wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.domain.enums import (
    AnswerKind,
    AnswerState,
    Outcome,
    Priority,
    RejectReason,
    Source,
    Status,
)
from cur_desktop.domain.status_machine import ANSWER_TRANSITIONS, TRANSITIONS
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.sync_state import ensure_client_id
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    executor_table,
    incident_base_table,
    incident_table,
)
from cur_desktop.sync import session
from cur_desktop.sync.errors import NetworkError, ServerProtocolError, ServerUnavailableError
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import FAST, PASSWORD, REGION, fold_pull_page
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import ServerProcess

CLIENTS = ("ivanova", "petrov", "boss")
FAULTS = ("none", "drop_push", "drop_pull", "delay", "cut", "refuse")
TOPICS = ("zhkh", "roads", "improvement", "health")  # codes of the topic catalogue
HEAL_ATTEMPTS = 8
# Errors a sync may end with while the link is faulty (anything else fails the test).
EXPECTED_SYNC_ERRORS = (NetworkError, ServerProtocolError, ServerUnavailableError)

CONVERGENCE_SETTINGS = settings(
    max_examples=8,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No shrinking: with real processes it outlasts the test timeout and hides the failure;
    # the failing run's steps are printed as they are.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


# --------------------------------------------------------------------------- server view


class ServerView:
    """What the server shows a user, read through its real pull endpoint (tokens cached)."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self._headers: dict[str, dict[str, str]] = {}
        self._http = httpx.Client(base_url=server.base_url, timeout=60)

    def close(self) -> None:
        self._http.close()

    def headers(self, login: str) -> dict[str, str]:
        if login not in self._headers:
            self._headers[login] = self.server.login(login)
        return self._headers[login]

    def rows(self, login: str) -> dict[str, dict[str, Any]]:
        """Every row ``login`` may read now, keyed by ``entity:id``."""
        rows: dict[str, dict[str, Any]] = {}
        cursor = 0
        while True:
            response = self._http.get(
                "/api/v1/sync/pull",
                params={"cursor": cursor, "limit": 5000},
                headers=self.headers(login),
            )
            response.raise_for_status()
            body = response.json()
            fold_pull_page(rows, body)
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return rows

    def ingest(self, supervisor: str, count: int) -> list[str]:
        """Register ``count`` posts of RU-TUL through ``/ingest``; return the incident ids."""
        tag = uuid.uuid4().hex[:10]
        now = datetime.now(UTC)
        items = [
            {
                "source": "telegram",
                "external_id": f"conv-{tag}-{i}",
                "author": "Житель",
                "text": f"На остановке {i} третий день не горит фонарь ({tag})",
                "received_at": now.isoformat(),
                "region_code": REGION,
            }
            for i in range(count)
        ]
        response = self._http.post("/api/v1/ingest", json=items, headers=self.headers(supervisor))
        response.raise_for_status()
        return [str(r["incident_id"]) for r in response.json()]


def incidents_and_answers(
    rows: dict[str, dict[str, Any]],
) -> tuple[dict[str, wire.IncidentWire], dict[str, wire.AnswerWire]]:
    """Split ``ServerView.rows`` into validated incidents and answers by id."""
    incidents: dict[str, wire.IncidentWire] = {}
    answers: dict[str, wire.AnswerWire] = {}
    for key, data in rows.items():
        kind, row_id = key.split(":", 1)
        if kind == "incident":
            incidents[row_id] = wire.IncidentWire.model_validate(data)
        elif kind == "answer":
            answers[row_id] = wire.AnswerWire.model_validate(data)
    return incidents, answers


# --------------------------------------------------------------------------- clients


@dataclass
class Recorded:
    """A mutation a client queued: its id in that client's sequence, name and args."""

    client: str
    id: int
    name: wire.MutationName
    args: dict[str, Any]


@dataclass
class Stats:
    """What the examples of one test did (to prove the faults and conflicts really happened)."""

    recorded: int = 0
    refused_locally: int = 0
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    failed_syncs: int = 0
    dropped: int = 0


class Client:
    """One workstation: a fresh store bound to ``token``'s user, a sync engine over ``url``.

    The binding is what ``session.login`` writes (server, login, role, region, a new client id);
    the token comes from one real login per user and test (Argon2 is slow by design).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        directory: Path,
        url: str,
        token: wire.TokenResponse,
    ) -> None:
        self.login = token.login
        self.loop = loop
        self.store = open_engine(directory / "local.sqlite3")

        def bind(conn: Any) -> None:
            sync_state.set_state(conn, sync_state.KEY_SERVER_URL, url)
            sync_state.set_state(conn, sync_state.KEY_LOGIN, token.login)
            sync_state.set_state(conn, sync_state.KEY_ROLE, token.role.value)
            sync_state.set_state(conn, sync_state.KEY_REGION, token.region_code or "")
            ensure_client_id(conn)

        with DbWriter(self.store) as writer:
            writer.submit(bind).result()
        self.transport = SyncTransport(url, token=token.access_token)
        self.engine = SyncEngine(self.store, self.transport, retry=FAST)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def view_incident(self, incident_id: str) -> wire.IncidentWire | None:
        return self.run(self.engine.writer.run(lambda c: ls.load_view_incident(c, incident_id)))

    def view_answer(self, answer_id: str) -> wire.AnswerWire | None:
        def read(conn: Any) -> wire.AnswerWire | None:
            row = conn.execute(select(answer_table).where(answer_table.c.id == answer_id))
            found = row.mappings().first()
            return None if found is None else ls.answer_from_row(found)

        return self.run(self.engine.writer.run(read))

    def close(self) -> None:
        self.engine.close()
        self.run(self.transport.aclose())
        self.store.dispose()


def local_state(client: Client) -> tuple[dict[str, wire.IncidentWire], dict[str, wire.AnswerWire]]:
    """The client's view (incidents, answers) in wire form."""

    def read(conn: Any) -> tuple[dict[str, wire.IncidentWire], dict[str, wire.AnswerWire]]:
        incidents = {
            str(r["id"]): ls.incident_from_row(r)
            for r in conn.execute(select(incident_table)).mappings()
        }
        answers = {
            str(r["id"]): ls.answer_from_row(r)
            for r in conn.execute(select(answer_table)).mappings()
        }
        return incidents, answers

    result: tuple[dict[str, wire.IncidentWire], dict[str, wire.AnswerWire]] = client.run(
        client.engine.writer.run(read)
    )
    return result


def leftovers(client: Client) -> tuple[int, int, int]:
    """Shadow rows (incidents, answers) and ``local_changed`` view rows of a client."""

    def read(conn: Any) -> tuple[int, int, int]:
        def count(stmt: Any) -> int:
            return int(conn.execute(stmt).scalar_one())

        return (
            count(select(func.count()).select_from(incident_base_table)),
            count(select(func.count()).select_from(answer_base_table)),
            count(
                select(func.count())
                .select_from(incident_table)
                .where(incident_table.c.local_changed.is_(True))
            ),
        )

    result: tuple[int, int, int] = client.run(client.engine.writer.run(read))
    return result


def heal(clients: list[Client], stats: Stats | None = None) -> None:
    """Each client syncs until one sync succeeds, twice round (the link is healthy now)."""
    for _round in range(2):
        for client in clients:
            for attempt in range(HEAL_ATTEMPTS):
                try:
                    client.run(client.engine.sync_once())
                    break
                except EXPECTED_SYNC_ERRORS:
                    if stats is not None:
                        stats.failed_syncs += 1
                    if attempt == HEAL_ATTEMPTS - 1:
                        raise


# --------------------------------------------------------------------------- the model check


_FIELD_OF: dict[wire.MutationName, tuple[str, ...]] = {
    wire.MutationName.INCIDENT_TRANSITION: ("status",),
    wire.MutationName.INCIDENT_ASSIGN: ("assignee",),
    wire.MutationName.INCIDENT_CLASSIFY: ("topic_code", "priority", "executor_id"),
}


def written_values(m: Recorded) -> dict[tuple[str, str], Any]:
    """(row id, field) -> value that mutation ``m`` writes (classify: only fields it sets)."""
    args = m.args
    if m.name is wire.MutationName.INCIDENT_TRANSITION:
        return {(args["incident_id"], "status"): args["to_status"]}
    if m.name is wire.MutationName.INCIDENT_ASSIGN:
        return {(args["incident_id"], "assignee"): args["assignee"]}
    if m.name is wire.MutationName.INCIDENT_CLASSIFY:
        return {
            (args["incident_id"], name): args[name]
            for name in _FIELD_OF[m.name]
            if args.get(name) is not None
        }
    if m.name is wire.MutationName.ANSWER_SET_STATE:
        return {(args["answer_id"], "state"): args["to_state"]}
    return {}


def initial_values(recorded: list[Recorded], ingested: list[str]) -> dict[tuple[str, str], Any]:
    """Field values of the rows before any of the clients' updates (ingest/create/add)."""
    initial: dict[tuple[str, str], Any] = {}
    for incident_id in ingested:
        initial.update(
            {
                (incident_id, "status"): Status.NEW.value,
                (incident_id, "assignee"): None,
                (incident_id, "topic_code"): None,
                (incident_id, "priority"): Priority.NORMAL.value,
                (incident_id, "executor_id"): None,
            }
        )
    for m in recorded:
        if m.name is wire.MutationName.INCIDENT_CREATE:
            incident_id = m.args["id"]
            initial.update(
                {
                    (incident_id, "status"): Status.NEW.value,
                    (incident_id, "assignee"): None,
                    (incident_id, "topic_code"): m.args.get("topic_code"),
                    (incident_id, "priority"): m.args.get("priority", Priority.NORMAL.value),
                    (incident_id, "executor_id"): None,
                }
            )
        elif m.name is wire.MutationName.ANSWER_ADD:
            initial[(m.args["id"], "state")] = m.args.get("state", AnswerState.DRAFT.value)
    return initial


def check_converged(
    clients: list[Client], view: ServerView, recorded: list[Recorded], ingested: list[str]
) -> tuple[int, dict[str, int]]:
    """Assert the post-healing properties (module docstring); return (accepted, rejected)."""
    server_incidents, server_answers = incidents_and_answers(view.rows(clients[0].login))
    rejected: dict[tuple[str, int], tuple[str, str | None]] = {}
    for client in clients:
        status = client.run(client.engine.status())
        assert status.pending == 0, f"{client.login}: {status.pending} changes still pending"
        assert leftovers(client) == (0, 0, 0), client.login
        incidents, answers = local_state(client)
        assert incidents == server_incidents, f"{client.login}: incidents differ from the server"
        assert answers == server_answers, f"{client.login}: answers differ from the server"
        attention = client.run(client.engine.needs_attention())
        assert status.rejected == len(attention)
        for row in attention:
            assert row.reject_code in {c.value for c in wire.RejectCode}, row
            assert row.reject_message, row
            rejected[(client.login, row.id)] = (row.reject_code, row.reject_message)

    mine = {(m.client, m.id) for m in recorded}
    assert set(rejected) <= mine, "a rejected row that no client recorded"
    accepted = [m for m in recorded if (m.client, m.id) not in rejected]
    refused = [m for m in recorded if (m.client, m.id) in rejected]

    # Append-only rows: accepted ones exist as written, rejected ones nowhere.
    for m in accepted:
        if m.name is wire.MutationName.INCIDENT_CREATE:
            incident = server_incidents.get(m.args["id"])
            assert incident is not None, f"accepted create lost: {m}"
            assert incident.text == m.args["text"]
        elif m.name is wire.MutationName.ANSWER_ADD:
            answer = server_answers.get(m.args["id"])
            assert answer is not None, f"accepted answer lost: {m}"
            assert (answer.text, answer.kind.value, answer.author) == (
                m.args["text"],
                m.args["kind"],
                m.client,
            )
    for m in refused:
        if m.name is wire.MutationName.INCIDENT_CREATE:
            assert m.args["id"] not in server_incidents, f"rejected create applied: {m}"
        elif m.name is wire.MutationName.ANSWER_ADD:
            assert m.args["id"] not in server_answers, f"rejected answer applied: {m}"

    # Last-writer fields: the final value was written by an accepted mutation (the last one when
    # a single client wrote the field), or is the initial value when no write was accepted.
    writes: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for m in accepted:
        for key, value in written_values(m).items():
            writes.setdefault(key, []).append((m.client, value))
    for key, initial in initial_values(recorded, ingested).items():
        row_id, name = key
        row: Any = server_incidents.get(row_id) or server_answers.get(row_id)
        if row is None:
            continue  # a rejected create/add: checked above
        final = getattr(row, name)
        final = final.value if hasattr(final, "value") else final
        values = writes.get(key, [])
        if not values:
            assert final == initial, f"{key}: {final!r} but nothing accepted changed it"
            continue
        assert final in [v for _, v in values], f"{key}: {final!r} written by nobody"
        if len({who for who, _ in values}) == 1:
            assert final == values[-1][1], f"{key}: {final!r}, last write {values[-1][1]!r}"
    codes: dict[str, int] = {}
    for code, _message in rejected.values():
        codes[code] = codes.get(code, 0) + 1
    return len(accepted), codes


# --------------------------------------------------------------------------- the machine


class ConvergenceMachine(RuleBasedStateMachine):
    """Three clients, random operations and syncs through a faulty link (see module doc)."""

    server: ServerProcess
    view: ServerView
    proxy: FaultProxy
    workdir: Path
    stats: Stats
    tokens: dict[str, wire.TokenResponse]

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.proxy.reset()
        base = self.workdir / uuid.uuid4().hex[:8]
        self.clients = [
            Client(self.loop, base / who, self.proxy.url, self.tokens[who]) for who in CLIENTS
        ]
        self.ingested = self.view.ingest("boss", 3)
        self.incidents: list[str] = list(self.ingested)
        self.answers: list[str] = []
        self.recorded: list[Recorded] = []
        for client in self.clients:
            client.run(client.engine.sync_once())

    # ------------------------------------------------------------------ helpers

    def _record(self, client: Client, name: wire.MutationName, args: dict[str, Any]) -> None:
        try:
            mutation_id = client.run(client.engine.record(name, args))
        except MutationRejected:
            self.stats.refused_locally += 1
            return
        self.stats.recorded += 1
        stored = dict(registry.spec_of(name).args.model_validate(args).model_dump(mode="json"))
        self.recorded.append(Recorded(client.login, mutation_id, name, stored))

    def _pick(self, data: st.DataObject) -> tuple[Client, str]:
        client = data.draw(st.sampled_from(self.clients), label="client")
        incident_id = data.draw(st.sampled_from(self.incidents), label="incident")
        return client, incident_id

    # ------------------------------------------------------------------ rules

    @rule(
        data=st.data(),
        priority=st.sampled_from(list(Priority)),
        topic=st.sampled_from(TOPICS),
        by_monitoring=st.booleans(),
    )
    def create(
        self, data: st.DataObject, priority: Priority, topic: str, by_monitoring: bool
    ) -> None:
        """A post comes from monitoring (ingested), or an operator registers a call by hand."""
        if by_monitoring:
            self.ingested.extend(self.view.ingest("boss", 1))
            self.incidents.append(self.ingested[-1])
            return
        client = data.draw(st.sampled_from(self.clients), label="client")
        incident_id = str(uuid.uuid4())
        self._record(
            client,
            wire.MutationName.INCIDENT_CREATE,
            {
                "id": incident_id,
                "source": Source.OTHER.value,
                "external_id": f"call-{incident_id}",
                "author": "Звонок на горячую линию",
                "text": f"Звонок: не вывезли мусор ({incident_id[:8]})",
                "received_at": datetime.now(UTC).isoformat(),
                "topic_code": topic,
                "priority": priority.value,
            },
        )
        self.incidents.append(incident_id)

    @rule(
        data=st.data(),
        topic=st.none() | st.sampled_from(TOPICS),
        priority=st.none() | st.sampled_from(list(Priority)),
        bad_executor=st.booleans(),
    )
    def classify(
        self, data: st.DataObject, topic: str | None, priority: Priority | None, bad_executor: bool
    ) -> None:
        client, incident_id = self._pick(data)
        args: dict[str, Any] = {"incident_id": incident_id, "topic_code": topic}
        if priority is not None:
            args["priority"] = priority.value
        if bad_executor:
            args["executor_id"] = "no-such-executor"  # the server refuses it: invalid
        self._record(client, wire.MutationName.INCIDENT_CLASSIFY, args)

    @rule(data=st.data())
    def transition(self, data: st.DataObject) -> None:
        client, incident_id = self._pick(data)
        current = client.view_incident(incident_id)
        if current is None:
            return
        target = data.draw(st.sampled_from(sorted(TRANSITIONS[current.status])), label="to")
        args: dict[str, Any] = {
            "incident_id": incident_id,
            "from_status": current.status.value,
            "to_status": target.value,
        }
        if target is Status.CLOSED:
            args["outcome"] = data.draw(st.sampled_from(list(Outcome))).value
        if target is Status.REJECTED:
            args["reject_reason"] = data.draw(st.sampled_from(list(RejectReason))).value
        self._record(client, wire.MutationName.INCIDENT_TRANSITION, args)

    @rule(data=st.data(), take=st.booleans())
    def assign(self, data: st.DataObject, take: bool) -> None:
        client, incident_id = self._pick(data)
        current = client.view_incident(incident_id)
        if current is None:
            return
        args = {
            "incident_id": incident_id,
            "expected": current.assignee,
            "assignee": client.login if take else None,
        }
        self._record(client, wire.MutationName.INCIDENT_ASSIGN, args)

    @rule(
        data=st.data(),
        kind=st.sampled_from(list(AnswerKind)),
        state=st.sampled_from([AnswerState.DRAFT, AnswerState.PUBLISHED]),
    )
    def add_answer(self, data: st.DataObject, kind: AnswerKind, state: AnswerState) -> None:
        client, incident_id = self._pick(data)
        answer_id = str(uuid.uuid4())
        self._record(
            client,
            wire.MutationName.ANSWER_ADD,
            {
                "id": answer_id,
                "incident_id": incident_id,
                "kind": kind.value,
                "state": state.value,
                "text": f"Фонарь заменят до пятницы, фото пришлём ({answer_id[:8]})",
            },
        )
        self.answers.append(answer_id)

    @rule(data=st.data())
    def publish(self, data: st.DataObject) -> None:
        """Move an answer one step towards publication (publish directly where allowed)."""
        if not self.answers:
            return
        client = data.draw(st.sampled_from(self.clients), label="client")
        answer_id = data.draw(st.sampled_from(self.answers), label="answer")
        current = client.view_answer(answer_id)
        if current is None:
            return
        allowed = ANSWER_TRANSITIONS[current.state]
        if not allowed:
            return
        target = (
            AnswerState.PUBLISHED
            if AnswerState.PUBLISHED in allowed
            else data.draw(st.sampled_from(sorted(allowed)), label="to")
        )
        args = {
            "answer_id": answer_id,
            "from_state": current.state.value,
            "to_state": target.value,
        }
        self._record(client, wire.MutationName.ANSWER_SET_STATE, args)

    @rule(data=st.data(), fault=st.sampled_from(FAULTS))
    def sync(self, data: st.DataObject, fault: str) -> None:
        client = data.draw(st.sampled_from(self.clients), label="client")
        proxy = self.proxy
        proxy.reset()
        dropped = proxy.dropped
        if fault == "drop_push":
            proxy.drop_response_to("/api/v1/sync/push")
        elif fault == "drop_pull":
            proxy.drop_response_to("/api/v1/sync/pull")
        elif fault == "delay":
            proxy.delay = 0.02
        elif fault == "cut":
            proxy.cut_after = data.draw(st.integers(1, 600), label="cut_after")
        elif fault == "refuse":
            proxy.refuse = True
        try:
            client.run(client.engine.sync_once())
        except EXPECTED_SYNC_ERRORS:
            self.stats.failed_syncs += 1
        finally:
            proxy.reset()
            self.stats.dropped += proxy.dropped - dropped

    @rule(data=st.data(), fault=st.sampled_from(FAULTS))
    def sync_again(self, data: st.DataObject, fault: str) -> None:
        """The same as ``sync``: a second rule makes syncs as frequent as two kinds of work."""
        self.sync(data, fault)

    # ------------------------------------------------------------------ the end

    def teardown(self) -> None:
        try:
            self.proxy.reset()
            heal(self.clients, self.stats)
            accepted, codes = check_converged(self.clients, self.view, self.recorded, self.ingested)
            self.stats.accepted += accepted
            for code, count in codes.items():
                self.stats.rejected[code] = self.stats.rejected.get(code, 0) + count
        finally:
            for client in self.clients:
                client.close()
            self.loop.close()


@pytest.fixture
def proxied(server: ServerProcess) -> Iterator[FaultProxy]:
    """The fault proxy in front of the test's server."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        yield proxy


def run_convergence(
    server: ServerProcess, proxy: FaultProxy, workdir: Path, config: settings
) -> Stats:
    """Run the machine with ``config`` against ``server``; return what it did."""
    stats = Stats()

    class Machine(ConvergenceMachine):
        pass

    Machine.server = server
    Machine.view = ServerView(server)
    Machine.proxy = proxy
    Machine.workdir = workdir
    Machine.stats = stats
    Machine.tokens = {
        who: asyncio.run(
            session.login(Profile.at(workdir / "logins" / who), proxy.url, who, PASSWORD)
        )
        for who in CLIENTS
    }
    try:
        run_state_machine_as_test(Machine, settings=config)
    finally:
        Machine.view.close()
    return stats


@pytest.mark.slow
def test_three_clients_through_a_faulty_link_converge(
    server: ServerProcess, proxied: FaultProxy, tmp_path: Path
) -> None:
    stats = run_convergence(server, proxied, tmp_path, CONVERGENCE_SETTINGS)
    # The run really exercised faults, conflicts and both outcomes (else it proves little).
    assert stats.recorded > 50
    assert stats.accepted > 0
    assert sum(stats.rejected.values()) > 0, stats
    assert stats.failed_syncs > 0, stats
    assert stats.dropped > 0, stats


def test_a_rejection_whose_answer_was_lost_still_reaches_the_operator(
    server: ServerProcess, proxied: FaultProxy, tmp_path: Path
) -> None:
    """Found by the machine above: the server rejects, the answer is lost, the client retries.

    The retry must be answered with the same rejection (not ``already_processed``), else the
    client takes the change as accepted and drops it without a word.
    """
    view = ServerView(server)
    loop = asyncio.new_event_loop()
    try:
        incident_id = view.ingest("boss", 1)[0]
        token = loop.run_until_complete(
            session.login(Profile.at(tmp_path / "login"), proxied.url, "ivanova", PASSWORD)
        )
        client = Client(loop, tmp_path / "ivanova", proxied.url, token)
        try:
            client.run(client.engine.sync_once())
            # The server alone must refuse it: a client holding no executor list yet leaves
            # the check to the server (outbox.check_references). The shared test server may
            # hold one by now (tests that route load the demo reference data), so this
            # client forgets its copy.
            with client.store.begin() as conn:
                conn.execute(delete(executor_table))
            bad = client.run(
                client.engine.record(
                    "incident.classify",
                    {"incident_id": incident_id, "executor_id": "no-such-executor"},
                )
            )
            good = client.run(
                client.engine.record(
                    "incident.classify", {"incident_id": incident_id, "priority": "high"}
                )
            )
            proxied.drop_response_to("/api/v1/sync/push")
            counts = client.run(client.engine.sync_once())
            assert proxied.dropped == 1
            assert (counts.pushed, counts.rejected) == (1, 1)
            attention = client.run(client.engine.needs_attention())
            assert [(r.id, r.reject_code) for r in attention] == [(bad, "invalid")]
            assert "no-such-executor" in (attention[0].reject_message or "")
            assert client.run(client.engine.status()).pending == 0
            incidents, _answers = incidents_and_answers(view.rows("ivanova"))
            assert incidents[incident_id].priority is Priority.HIGH
            assert incidents[incident_id].executor_id is None
            assert good > bad
        finally:
            client.close()
    finally:
        view.close()
        loop.close()
