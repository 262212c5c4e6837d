"""The pull fast path: bulk view writes equal row-by-row ones; page parsing off the loop."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import outbox
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync.errors import ServerProtocolError
from cur_desktop.sync.syncer import decode_page
from cur_desktop.sync.transport import _parse_page
from tests.helpers.wire_factories import T0, incident, page

Tx = Callable[[Callable[[Connection], Any]], Any]


def _answer(inc: wire.IncidentWire, kind: AnswerKind, state: AnswerState) -> wire.AnswerWire:
    return wire.AnswerWire(
        id=uuid.uuid4(),
        incident_id=inc.id,
        kind=kind,
        state=state,
        text="Работы выполнены 3 марта, фото приложено.",
        author="ivanova",
        created_at=T0,
        published_at=T0 if state is AnswerState.PUBLISHED else None,
        version=1,
    )


def _apply(tx: Tx, pulled: wire.PullResponse) -> None:
    tx(lambda conn: apply_page(conn, pulled, decode_page(pulled)))


def _view(conn: Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(incident_table)).mappings()
    return {str(r["id"]): {k: v for k, v in r.items() if k != "rowid_"} for r in rows}


def test_bulk_page_keeps_local_columns_and_orders_with_shadowed_rows(tx: Tx) -> None:
    plain = [incident(seq_minutes=i) for i in range(5)]
    shadowed = incident(status=Status.NEW)
    answer = _answer(plain[0], AnswerKind.FINAL, AnswerState.PUBLISHED)
    _apply(tx, page([*plain, shadowed, answer], start_seq=1, reset=True))
    warn = T0 + timedelta(hours=6)
    tx(
        lambda c: c.execute(
            update(incident_table)
            .where(incident_table.c.id == str(plain[1].id))
            .values(first_answer_warn_at=T0, rating=4)
        )
    )
    tx(
        lambda c: outbox.record_local_mutation(
            c,
            "incident.transition",
            {"incident_id": str(shadowed.id), "from_status": "new", "to_status": "moderation"},
            now=T0,
        )
    )
    # The warning instant travels on the wire (the server's value wins); ``rating`` is local.
    newer = [
        p.model_copy(update={"version": 2, "text": f"Уточнение {i}", "first_answer_warn_at": warn})
        for i, p in enumerate(plain)
    ]
    shadow_news = shadowed.model_copy(update={"assignee": "ivanova", "version": 2})
    # a colleague's interim answer to the shadowed incident (it goes to the shadow, then the
    # rebase shows it in the view under the local move)
    colleagues = _answer(shadowed, AnswerKind.INTERIM, AnswerState.PUBLISHED)
    # Interleaved: plain rows, a shadowed one in the middle, more plain rows after it.
    _apply(tx, page([*newer[:2], shadow_news, colleagues, *newer[2:]], start_seq=10))

    def check(conn: Connection) -> None:
        view = _view(conn)
        assert {view[str(p.id)]["text"] for p in plain} == {f"Уточнение {i}" for i in range(5)}
        kept = view[str(plain[1].id)]
        assert (kept["first_answer_warn_at"], kept["rating"]) == (warn, 4)
        assert view[str(plain[0].id)]["has_final"] is True  # derived flags recomputed
        shadow_view = ls.load_view_incident(conn, str(shadowed.id))
        base = ls.load_base_incident(conn, str(shadowed.id))
        assert shadow_view is not None
        assert base is not None
        assert (shadow_view.status, shadow_view.assignee) == (Status.MODERATION, "ivanova")
        assert (base.status, base.version) == (Status.NEW, 2)
        assert view[str(shadowed.id)]["local_changed"] is True
        key = str(colleagues.id)
        assert ls.load_answers(conn, str(shadowed.id), base=True)[key] == colleagues
        assert ls.load_answers(conn, str(shadowed.id), base=False)[key] == colleagues
        assert view[str(shadowed.id)]["has_interim"] is True
        hits = search(conn, "уточнение")
        assert len(hits) == 5  # the FTS index follows the bulk upsert

    tx(check)


def test_reset_empties_view_and_search_index(tx: Tx) -> None:
    old = incident(text="Яма на дороге у школы")
    _apply(tx, page([old], start_seq=1, reset=True))
    assert len(tx(lambda c: search(c, "яма"))) == 1
    fresh = incident(text="Нет горячей воды")
    _apply(tx, page([fresh], start_seq=1, reset=True))

    def check(conn: Connection) -> None:
        assert list(_view(conn)) == [str(fresh.id)]
        assert search(conn, "яма") == []
        assert len(search(conn, "горячей воды")) == 1

    tx(check)


def test_page_parser_matches_the_model_and_refuses_garbage() -> None:
    pulled = page([incident(), incident()], start_seq=3, has_more=True)
    body = pulled.model_dump_json().encode()
    assert _parse_page(body, 2) == pulled
    for bad in (
        b"[1, 2]",
        b'{"changes": 5}',
        b"{" * 100_000,
        body.replace(b'"has_more"', b'"has_more_x"'),
        json.dumps({**json.loads(body), "changes": [{"seq": "x"}]}).encode(),
    ):
        with pytest.raises(ServerProtocolError):
            _parse_page(bad, 2)
    with pytest.raises(ServerProtocolError):  # out of order against the cursor
        _parse_page(body, 4)
