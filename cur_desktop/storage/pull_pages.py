"""Applying one validated pull page to the local store, in the caller's transaction.

Confirmed rows go to the shadow tables for incidents with pending mutations and straight to
the view for the others; on the page that ends the snapshot (``has_more`` false) outbox rows
with ``id <= last_mutation_id`` are dropped; touched incidents are rebased; the cursor moves
last, inside the same transaction, so it is never ahead of the data. Runs of plain view rows
are written in bulk (see :class:`_PageWriter`). Validation happens before, in
:func:`cur_desktop.sync.syncer.decode_page`: garbage never reaches this module.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from cur_desktop.contract import wire
from cur_desktop.storage import deferred_indexes, sync_state
from cur_desktop.storage import localstate as ls
from cur_desktop.storage.bulk_rows import PreparedIncident, insert_new_incidents, with_answers
from cur_desktop.storage.incidents import delete_all_incidents, delete_incident
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    executor_table,
    incident_base_table,
    municipality_table,
    outbox_table,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecodedChange:
    """One change of a pull page, validated."""

    entity: wire.EntityKind
    id: str
    data: wire.IncidentWire | wire.AnswerWire | wire.MunicipalityWire | wire.ExecutorWire | None
    # Column values and FTS tokens of an incident, made off the event loop (storage/bulk_rows).
    prepared: PreparedIncident | None = None


def _upsert_simple(conn: Connection, table: Any, row: dict[str, Any]) -> None:
    conn.execute(delete(table).where(table.c.id == row["id"]))
    conn.execute(insert(table).values(**row))


def _reset_confirmed(conn: Connection) -> set[str]:
    """Forget the confirmed state (a re-snapshot follows); return incidents under copy-on-write."""
    cow = ls.pending_incident_ids(conn)
    for table in (incident_base_table, answer_base_table, municipality_table, executor_table):
        conn.execute(delete(table))
    conn.execute(delete(answer_table))
    dropped = delete_all_incidents(conn)
    log.info(
        "reset: confirmed state dropped (%d incidents); %d under copy-on-write", dropped, len(cow)
    )
    return cow


class _PageWriter:
    """Applies a page's changes in seq order, batching runs of plain view writes.

    Confirmed incidents and answers are collected and written in bulk: to the view, or to the
    confirmed shadows for incidents under copy-on-write (the pull after a push brings back
    every pushed incident so); any other change (a removal, a municipality or executor) first
    flushes what was collected, so the outcome equals applying row by row.
    """

    def __init__(self, conn: Connection, cow: set[str], touched: set[str]) -> None:
        self.conn = conn
        self.cow = cow
        self.touched = touched
        self.incidents: dict[str, wire.IncidentWire] = {}
        self.prepared: dict[str, PreparedIncident] = {}
        self.answers: dict[str, wire.AnswerWire] = {}
        self.base_incidents: dict[str, wire.IncidentWire] = {}
        self.base_answers: dict[str, wire.AnswerWire] = {}
        self.removed_answers_of: set[str] = set()
        """Incidents of answers this page removed (for the change event)."""
        self.lookups = False
        """Whether municipalities or executors changed."""
        self.fresh: set[str] = set()
        """Incidents inserted by the bulk path and not written since: their derived flags are
        final unless answers of them are in the store."""

    def flush(self) -> None:
        if self.incidents:
            ready = [i for i in self.incidents if i in self.prepared]
            rest = [v for k, v in self.incidents.items() if k not in self.prepared]
            if ready:
                bulk = insert_new_incidents(
                    self.conn,
                    [self.incidents[i] for i in ready],
                    [self.prepared[i] for i in ready],
                )
                self.fresh.update(bulk.inserted)
                rest += bulk.others
            if rest:
                self.fresh.difference_update(str(i.id) for i in rest)
                ls.write_view_incidents(self.conn, rest)
            self.incidents.clear()
            self.prepared.clear()
        if self.answers:
            ls.write_view_answers(self.conn, list(self.answers.values()))
            self.answers.clear()
        if self.base_incidents:
            ls.write_base_incidents(self.conn, list(self.base_incidents.values()))
            self.base_incidents.clear()
        if self.base_answers:
            ls.write_view_answers(self.conn, list(self.base_answers.values()), base=True)
            self.base_answers.clear()

    def apply(self, change: DecodedChange) -> None:
        data = change.data
        if isinstance(data, wire.IncidentWire) and change.id not in self.cow:
            self.incidents[change.id] = data
            if change.prepared is None:
                self.prepared.pop(change.id, None)
            else:
                self.prepared[change.id] = change.prepared
            return
        if isinstance(data, wire.IncidentWire):  # under copy-on-write: its confirmed shadow
            self.base_incidents[change.id] = data
            self.touched.add(change.id)
            return
        if isinstance(data, wire.AnswerWire):
            owner = str(data.incident_id)
            if owner in self.cow:
                self.base_answers[change.id] = data
                self.touched.add(owner)
            else:
                self.answers[change.id] = data
            return
        self.flush()
        if change.entity is wire.EntityKind.INCIDENT:
            self.fresh.discard(change.id)
            _apply_incident(self.conn, change, self.touched, self.cow)
        elif change.entity is wire.EntityKind.ANSWER:
            incident_id = _apply_answer(self.conn, change, self.touched, self.cow)
            if incident_id is not None:
                self.removed_answers_of.add(incident_id)
        else:
            self.lookups = True
            table = (
                municipality_table
                if change.entity is wire.EntityKind.MUNICIPALITY
                else executor_table
            )
            if data is None:
                self.conn.execute(delete(table).where(table.c.id == change.id))
            else:
                _upsert_simple(self.conn, table, data.model_dump())


@dataclass(frozen=True, slots=True)
class AppliedPage:
    """What applying a page did: rows applied and the incidents whose view changed.

    ``reset``: the confirmed state was replaced first (a full re-snapshot); ``lookups``:
    municipalities or executors changed.
    """

    count: int
    incident_ids: frozenset[str]
    reset: bool
    lookups: bool


def apply_page(
    conn: Connection, page: wire.PullResponse, changes: Sequence[DecodedChange]
) -> AppliedPage:
    """Apply one validated pull page inside the caller's transaction; say what it changed."""
    touched: set[str] = set()
    if page.reset:
        if page.has_more:  # a bulk load follows: indexes are built once at its end
            deferred_indexes.set_aside(conn)
        touched |= _reset_confirmed(conn)
    # Pending mutations do not change while a page is applied: one query tells them all.
    writer = _PageWriter(conn, ls.pending_incident_ids(conn), touched)
    for change in changes:
        writer.apply(change)
    writer.flush()
    if not page.has_more:
        # The snapshot is complete: every acknowledged mutation's effect is in what we applied.
        acked = conn.execute(
            select(outbox_table.c.id, outbox_table.c.entity_id).where(
                outbox_table.c.state == ls.PENDING, outbox_table.c.id <= page.last_mutation_id
            )
        ).all()
        if acked:
            conn.execute(delete(outbox_table).where(outbox_table.c.id.in_([r[0] for r in acked])))
            touched |= {str(r[1]) for r in acked if r[1] is not None}
            log.info("dropped %d acknowledged outbox rows", len(acked))
    ls.rebase(conn, touched)
    final = writer.fresh - with_answers(conn, writer.fresh)  # flags written with the rows
    ls.refresh_derived(conn, _view_incidents(changes) - touched - final)
    if not page.has_more:
        deferred_indexes.build_set_aside(conn)
    sync_state.set_state(conn, sync_state.KEY_CURSOR, page.next_cursor)
    sync_state.set_state(conn, sync_state.KEY_LAST_MUTATION_ID, page.last_mutation_id)
    if not page.has_more:
        sync_state.set_state(conn, sync_state.KEY_LAST_SYNC_AT, datetime.now(UTC).isoformat())
    return AppliedPage(
        count=len(changes),
        incident_ids=frozenset(_view_incidents(changes) | touched | writer.removed_answers_of),
        reset=page.reset,
        lookups=writer.lookups,
    )


def _view_incidents(changes: Sequence[DecodedChange]) -> set[str]:
    """Incidents whose row or answers a page changed (for the derived columns)."""
    ids: set[str] = set()
    for change in changes:
        if change.entity is wire.EntityKind.INCIDENT:
            ids.add(change.id)
        elif isinstance(change.data, wire.AnswerWire):
            ids.add(str(change.data.incident_id))
    return ids


def _apply_incident(
    conn: Connection, change: DecodedChange, touched: set[str], pending: set[str]
) -> None:
    incident_id = change.id
    cow = incident_id in pending
    if change.data is None:
        conn.execute(delete(incident_base_table).where(incident_base_table.c.id == incident_id))
        conn.execute(
            delete(answer_base_table).where(answer_base_table.c.incident_id == incident_id)
        )
        if cow:
            touched.add(incident_id)
        else:
            delete_incident(conn, incident_id)
            conn.execute(delete(answer_table).where(answer_table.c.incident_id == incident_id))
        return
    assert isinstance(change.data, wire.IncidentWire)
    if cow:
        ls.write_base_incident(conn, change.data)
        touched.add(incident_id)
    else:
        ls.write_view_incident(conn, change.data, local_changed=False)


def _apply_answer(
    conn: Connection, change: DecodedChange, touched: set[str], pending: set[str]
) -> str | None:
    """Apply one answer change; return the incident id of a removed answer (else ``None``)."""
    removed_from: str | None = None
    if change.data is None:
        incident_id = ls.incident_of_answer(conn, change.id)
        if incident_id is None:
            return None
        removed_from = incident_id
        cow = incident_id in pending
        ls.delete_answer(conn, change.id, base=cow)
    else:
        assert isinstance(change.data, wire.AnswerWire)
        incident_id = str(change.data.incident_id)
        cow = incident_id in pending
        ls.write_answer(conn, change.data, base=cow)
    if cow:
        touched.add(incident_id)
    return removed_from
