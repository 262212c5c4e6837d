"""The fast write path of a local change equals the general one, table by table (issue 11).

The same changes are recorded in two stores seeded alike: one through
:mod:`cur_desktop.storage.local_change` (what ``record_local_mutation`` does), one with that
path switched off (the general ``write_view`` + ``refresh_derived`` and
``start_copy_on_write``). Every table must come out the same, refusals included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.storage import local_change, localstate, outbox, sync_state
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import T0, incident, page

_FLAGS = "SELECT id, has_interim, has_final, was_reworked, local_changed FROM incident ORDER BY id"
_TABLES = ("incident", "incident_base", "answer", "answer_base", "outbox", "sync_state")


def _store(path: Path, seed: list[wire.IncidentWire]) -> Engine:
    engine = open_engine(path)
    pulled = page(list(seed), start_seq=1, reset=True)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_ROLE, "supervisor")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
        apply_page(conn, pulled, decode_page(pulled))
    return engine


def _changes(ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    first, second, third = ids
    published, note, created = (str(uuid.uuid4()) for _ in range(3))
    return [
        ("incident.assign", {"incident_id": first, "expected": None, "assignee": "ivanova"}),
        (
            "incident.transition",
            {"incident_id": first, "from_status": "moderation", "to_status": "sent_to_executor"},
        ),
        ("incident.classify", {"incident_id": second, "priority": "high", "topic_code": "roads"}),
        (
            "answer.add",
            {
                "id": published,
                "incident_id": second,
                "kind": "interim",
                "state": "published",
                "text": "Промежуточный ответ: заявка передана в управляющую компанию.",
            },
        ),
        (
            "answer.add",
            {"id": note, "incident_id": second, "kind": "interim", "text": "Черновик ответа"},
        ),
        ("answer.set_state", {"answer_id": note, "from_state": "draft", "to_state": "on_approval"}),
        # refused: an answer cannot go back from published to draft
        (
            "answer.set_state",
            {"answer_id": published, "from_state": "published", "to_state": "draft"},
        ),
        # refused by the rule (wrong current status): nothing written in either store
        (
            "incident.transition",
            {"incident_id": third, "from_status": "closed", "to_status": "reopened"},
        ),
        (
            "incident.transition",
            {
                "incident_id": third,
                "from_status": "moderation",
                "to_status": "rejected",
                "reject_reason": "spam",
            },
        ),
        (
            "incident.create",
            {
                "id": created,
                "source": "vk",
                "external_id": "vk-local-1",
                "text": "Не горят фонари на улице Мира",
                "received_at": T0.isoformat(),
            },
        ),
        ("incident.classify", {"incident_id": created, "priority": "high"}),
        ("incident.assign", {"incident_id": first, "expected": "ivanova", "assignee": None}),
    ]


def _record_all(engine: Engine, changes: list[tuple[str, dict[str, Any]]]) -> list[str]:
    outcomes: list[str] = []
    now = T0 + timedelta(hours=1)
    with DbWriter(engine) as writer:
        for name, args in changes:

            def job(conn: Connection, name: str = name, args: dict[str, Any] = args) -> int:
                return outbox.record_local_mutation(conn, name, args, now=now)

            try:
                outcomes.append(f"recorded {writer.submit(job).result()}")
            except MutationRejected as exc:
                outcomes.append(f"refused {exc.code}")
    return outcomes


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table: sorted(
                tuple(r)
                for r in conn.execute(text(f"SELECT * FROM {table}"))
                if table != "sync_state" or r[0] != sync_state.KEY_LAST_SYNC_AT  # a clock reading
            )
            for table in _TABLES
        } | {"flags": list(conn.execute(text(_FLAGS)))}


def test_fast_path_leaves_every_table_as_the_general_path_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first one is routed to sent_to_executor below: it needs an executor.
    seed = [incident(executor_id="tul-uk-1"), incident(), incident()]
    ids = [str(i.id) for i in seed]
    changes = _changes(ids)
    fast_store = _store(tmp_path / "fast.sqlite3", seed)
    general_store = _store(tmp_path / "general.sqlite3", seed)
    calls: list[bool] = []
    real_write_change = local_change.write_change

    def counted(*args: Any) -> bool:
        calls.append(real_write_change(*args))
        return calls[-1]

    monkeypatch.setattr(local_change, "write_change", counted)
    fast = _record_all(fast_store, changes)
    # The fast path took every change but the creation (which goes the general way).
    assert calls.count(True) == len([o for o in fast if o.startswith("recorded")]) - 1

    never: Callable[..., bool] = lambda *_args: False  # noqa: E731
    monkeypatch.setattr(local_change, "write_change", never)
    monkeypatch.setattr(local_change, "start_shadow", localstate.start_copy_on_write)
    general = _record_all(general_store, changes)

    assert fast == general
    assert fast == [
        *(f"recorded {n}" for n in range(1, 7)),
        "refused illegal_transition",
        "refused status_conflict",
        *(f"recorded {n}" for n in range(7, 11)),
    ]
    fast_tables, general_tables = _dump(fast_store), _dump(general_store)
    for table in _TABLES:
        assert fast_tables[table] == general_tables[table], table
    assert len(fast_tables["answer"]) == 2
    flags = {r[0]: tuple(r[1:]) for r in fast_tables["flags"]}
    assert flags[ids[1]] == (1, 0, 0, 1)  # the published interim answer counted, changed locally
    assert len(fast_tables["outbox"]) == len([o for o in fast if o.startswith("recorded")])
    fast_store.dispose()
    general_store.dispose()
