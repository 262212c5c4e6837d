"""A pulled version that moves the view is journalled with its ``changed_by`` as the actor.

The ``incident_event_pulled`` trigger (revision 0012) against real pull pages applied by
:func:`cur_desktop.storage.pull_pages.apply_page`; and the first-sync fast path writes the
column too (and stays on: its column list is still the table's). Expected rows by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from cur_desktop.domain.enums import Status
from cur_desktop.storage import bulk_rows
from cur_desktop.storage import localstate as ls
from cur_desktop.storage.bulk_rows import insert_new_incidents, prepare_incidents
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.storage.tables import incident_event_table, incident_table
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import T0, incident, page

Tx = Callable[[Callable[[Connection], Any]], Any]


def _journal(conn: Connection) -> list[tuple[str, str | None, str | None, str | None]]:
    t = incident_event_table
    rows = conn.execute(
        select(t.c.field, t.c.from_value, t.c.to_value, t.c.actor).order_by(t.c.at, t.c.id)
    )
    return [(r.field, r.from_value, r.to_value, r.actor) for r in rows]


def test_a_pulled_move_names_the_login_that_made_the_version(tx: Tx) -> None:
    first = incident(status=Status.NEW)  # ingested: the server names nobody
    head = page([first], start_seq=1)
    tx(lambda c: apply_page(c, head, decode_page(head)))
    assert tx(_journal) == []  # a new row moved nothing
    assert tx(lambda c: ls.load_view_incident(c, str(first.id))).changed_by is None

    later = T0 + timedelta(hours=1)
    taken = first.model_copy(
        update={
            "assignee": "petrov",
            "status": Status.MODERATION,
            "version": 2,
            "updated_at": later,
            "changed_by": "petrov",
        }
    )
    second = page([taken], start_seq=2)
    tx(lambda c: apply_page(c, second, decode_page(second)))
    assert sorted(tx(_journal)) == [
        ("assignee", None, "petrov", "petrov"),
        ("status", "new", "moderation", "petrov"),
    ]
    assert tx(lambda c: ls.load_view_incident(c, str(first.id))).changed_by == "petrov"

    # a version from a server that does not say who: the move is journalled without a person
    released = taken.model_copy(
        update={"assignee": None, "version": 3, "updated_at": later, "changed_by": None}
    )
    third = page([released], start_seq=3)
    tx(lambda c: apply_page(c, third, decode_page(third)))
    assert tx(_journal)[-1] == ("assignee", "petrov", None, None)


def test_the_fast_path_stays_on_and_writes_who_made_the_version(tmp_path: Path) -> None:
    assert bulk_rows._values is bulk_rows._fast_values  # the column lists still agree
    incidents = [incident(seq_minutes=1, changed_by="ivanova"), incident(seq_minutes=2)]
    fast = open_engine(tmp_path / "fast.sqlite3")
    general = open_engine(tmp_path / "general.sqlite3")
    try:
        with fast.begin() as conn:
            insert_new_incidents(conn, incidents, prepare_incidents(incidents))
        with general.begin() as conn:
            ls.write_view_incidents(conn, incidents)
        for engine in (fast, general):
            with engine.connect() as conn:
                stmt = select(incident_table.c.id, incident_table.c.changed_by)
                found = {str(i): who for i, who in conn.execute(stmt)}
            assert found == {str(incidents[0].id): "ivanova", str(incidents[1].id): None}
    finally:
        fast.dispose()
        general.dispose()
