"""The writes of a push group kept in memory and sent in a few batched statements.

A pushed mutation used to cost a round trip for its savepoint and one for each row it wrote
(an ``UPDATE`` of the incident, an ``INSERT`` of a history note): on PostgreSQL at national volume
the client waited on the server for most of a push. Inside a group the rows a mutation writes are
now *kept* (:class:`PendingWrites`) and sent together later, one ``executemany`` per statement
(psycopg sends those in pipeline mode: one round trip for the lot; SQLite runs them in C):

* an incident written by the group is also kept as the group's latest version of it
  (:meth:`PendingWrites.incident`): a later mutation of that incident reads it from here, as it
  would have read the database;
* a read the kept rows could change (answers of an incident, an answer by id, an incident by
  source and number) first sends what is kept (:func:`before_read`); the rows of the mutation
  being applied are then sent inside a savepoint, so that a rejection of it can still be taken
  back;
* a rejected mutation drops its kept rows and its versions of incidents (nothing of it was
  sent), or rolls back its savepoint when some were;
* the rows are kept whole (every column of the wire form, and the seq): the last version of an
  incident or answer kept wins, and an ``INSERT`` followed by updates of the same row in one
  group goes as one ``INSERT`` of the last version; an incident's ``UPDATE`` sets only the
  columns its versions in the group changed (SQLite then rewrites only those columns' indexes),
  one ``executemany`` per set of such columns.

A database error while kept rows are sent (or a read fails outside a savepoint) cannot be
pinned on one mutation: :class:`KeptWritesError` is raised and the caller rolls the group back and
applies it again the exact way (a savepoint around each mutation, every row written at once),
where such an error is that mutation's rejection. ``session.info`` holds the active instance;
with none, :func:`write_row` writes at once and :func:`before_read` does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.server.tables import Answer, Incident

_INFO_KEY = "cur_pending_writes"
_INCIDENT_TABLE = cast(Table, Incident.__table__)
_ANSWER_TABLE = cast(Table, Answer.__table__)
# Statements built once. A full-row UPDATE takes its SET columns from the parameters' keys.
_INSERT_INCIDENT = insert(_INCIDENT_TABLE)
_UPDATE_INCIDENT = _INCIDENT_TABLE.update().where(_INCIDENT_TABLE.c.id == bindparam("b_id"))
_INSERT_ANSWER = insert(_ANSWER_TABLE)
_UPDATE_ANSWER = _ANSWER_TABLE.update().where(_ANSWER_TABLE.c.id == bindparam("b_id"))

_SAVEPOINT = "SAVEPOINT push_mutation"
_RELEASE = "RELEASE SAVEPOINT push_mutation"
_ROLLBACK = "ROLLBACK TO SAVEPOINT push_mutation"


class Kept(Enum):
    """What a kept write is: a new row or a new version, of an incident or an answer."""

    INSERT_INCIDENT = "insert_incident"
    UPDATE_INCIDENT = "update_incident"
    INSERT_ANSWER = "insert_answer"
    UPDATE_ANSWER = "update_answer"


_STATEMENTS = {
    Kept.INSERT_INCIDENT: _INSERT_INCIDENT,
    Kept.UPDATE_INCIDENT: _UPDATE_INCIDENT,
    Kept.INSERT_ANSWER: _INSERT_ANSWER,
    Kept.UPDATE_ANSWER: _UPDATE_ANSWER,
}


_KeptRow = tuple[Kept, dict[str, Any], frozenset[str] | None]
"""What is kept, the full row, and (an incident update) the columns that changed."""


class KeptWritesError(Exception):
    """Kept rows could not be sent, or a read failed outside a savepoint: redo the group."""


class PendingWrites:
    """The kept rows and incident versions of one group (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        connection = session.connection()
        self._cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._joined = connection.dialect.name == "postgresql"
        self._rows: list[_KeptRow] = []
        self._answer_keys: set[str] = set()  # ids and incident ids of the kept answers
        self._incidents: dict[str, wire.IncidentWire] = {}
        self._mark = 0  # the first kept row of the mutation being applied
        self._undo: dict[str, wire.IncidentWire | None] = {}  # what the mutation replaced
        self._savepoint_open = False

    # -- the mutation being applied ---------------------------------------------------------
    @contextmanager
    def around(self) -> Iterator[None]:
        """Run one mutation: rows kept inside are its own, taken back if the block raises."""
        self._mark = len(self._rows)
        self._undo = {}
        self._savepoint_open = False
        try:
            yield
        except BaseException:
            self._end_mutation(applied=False)
            raise
        self._end_mutation(applied=True)

    def _end_mutation(self, *, applied: bool) -> None:
        """The mutation was applied (keep its rows) or rejected (take back all of it)."""
        if applied:
            if self._savepoint_open:
                self._run(_RELEASE)
        else:
            del self._rows[self._mark :]
            for incident_id, previous in self._undo.items():
                if previous is None:
                    self._incidents.pop(incident_id, None)
                else:
                    self._incidents[incident_id] = previous
            if self._savepoint_open:
                self._run(_ROLLBACK, _RELEASE)
        self._savepoint_open = False
        self._mark = len(self._rows)
        self._undo = {}

    @property
    def savepoint_open(self) -> bool:
        """Whether the mutation being applied has sent rows inside its savepoint."""
        return self._savepoint_open

    # -- rows ------------------------------------------------------------------------------------
    def incident(self, incident_id: str) -> wire.IncidentWire | None:
        """The group's latest version of an incident it wrote (``None``: not written)."""
        return self._incidents.get(incident_id)

    def keep(
        self,
        kind: Kept,
        values: dict[str, Any],
        incident: wire.IncidentWire | None,
        columns: frozenset[str] | None = None,
    ) -> None:
        """Keep a full row (``values`` with its ``id`` and ``seq``); ``incident``: its version;
        ``columns``: of an update, the ones that changed (only those are sent)."""
        self._rows.append((kind, values, columns))
        if kind in (Kept.INSERT_ANSWER, Kept.UPDATE_ANSWER):
            self._answer_keys.add(str(values["id"]))
            if "incident_id" in values:
                self._answer_keys.add(str(values["incident_id"]))
        if incident is not None:
            key = str(incident.id)
            if key not in self._undo:
                self._undo[key] = self._incidents.get(key)
            self._incidents[key] = incident

    def before_read(self, answers_of: str | None = None) -> None:
        """Send the kept rows: a read that follows must see them (see the module docstring).

        ``answers_of``: the read only looks at answers with this id or of this incident; when
        no kept answer is such, nothing needs sending (a kept row of another answer or of an
        incident cannot change what it finds).
        """
        if not self._rows or (answers_of is not None and answers_of not in self._answer_keys):
            return
        try:
            earlier, own = self._rows[: self._mark], self._rows[self._mark :]
            if earlier:
                _send(self._session, earlier)
            if own:
                if not self._savepoint_open:
                    self._run(_SAVEPOINT)
                    self._savepoint_open = True
                _send(self._session, own)
        except DBAPIError as exc:
            raise KeptWritesError(str(exc)) from exc
        self._rows.clear()
        self._answer_keys.clear()
        self._mark = 0

    def close(self) -> None:
        """Close the driver cursor (kept rows must have been sent: :meth:`before_read`)."""
        self._cursor.close()

    def _run(self, *statements: str) -> None:
        try:
            if self._joined:
                self._cursor.execute("; ".join(statements))
            else:
                for statement in statements:
                    self._cursor.execute(statement)
        except Exception as exc:  # the driver's own error class: no SQLAlchemy wrapping here
            raise KeptWritesError(str(exc)) from exc


def _send(session: Session, rows: list[_KeptRow]) -> None:
    """One ``executemany`` per statement (per set of changed columns for incident updates);
    the last version of a row wins (module docstring)."""
    incidents_new: dict[str, dict[str, Any]] = {}
    incidents: dict[str, dict[str, Any]] = {}
    incident_columns: dict[str, frozenset[str]] = {}
    answers_new: dict[str, dict[str, Any]] = {}
    answers: dict[str, dict[str, Any]] = {}
    for kind, values, columns in rows:
        key = values["id"]
        if kind is Kept.INSERT_INCIDENT:
            incidents_new[key] = values
        elif kind is Kept.UPDATE_INCIDENT:
            if key in incidents_new:
                incidents_new[key] = {**incidents_new[key], **values}
            else:
                incidents[key] = values
                incident_columns[key] = incident_columns.get(key, frozenset()) | (
                    columns or frozenset(values)
                )
        elif kind is Kept.INSERT_ANSWER:
            answers_new[key] = values
        elif key in answers_new:
            answers_new[key] = {**answers_new[key], **values}
        else:
            answers[key] = values
    connection = session.connection()
    # Incidents before answers (an answer's incident may be new in this group).
    if incidents_new:
        connection.execute(_INSERT_INCIDENT, list(incidents_new.values()))
    # SQLite rewrites only the indexes of the columns an UPDATE sets: send the changed ones,
    # one executemany per set of them (a group of transitions and classifications: two)
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for key, values in incidents.items():
        columns = incident_columns[key] | {"seq"}
        row = {name: values[name] for name in columns if name != "id"}
        row["b_id"] = key
        by_columns.setdefault(columns, []).append(row)
    for batch in by_columns.values():
        connection.execute(_UPDATE_INCIDENT, batch)
    if answers_new:
        connection.execute(_INSERT_ANSWER, list(answers_new.values()))
    if answers:
        connection.execute(_UPDATE_ANSWER, [_by_id(v) for v in answers.values()])


def _by_id(values: dict[str, Any]) -> dict[str, Any]:
    row = dict(values)
    row["b_id"] = row.pop("id")
    return row


def active(session: Session) -> PendingWrites | None:
    """The group's kept writes, when the session applies a group that way."""
    return cast(PendingWrites | None, session.info.get(_INFO_KEY))


def start(session: Session) -> PendingWrites:
    """Keep this session's push writes from now on (:func:`stop` ends it)."""
    pending = PendingWrites(session)
    session.info[_INFO_KEY] = pending
    return pending


def stop(session: Session) -> None:
    """Write at once again (kept rows must have been sent)."""
    pending = session.info.pop(_INFO_KEY, None)
    if pending is not None:
        pending.close()


def before_read(session: Session, *, answers_of: str | None = None) -> None:
    """Send the kept rows before a read they could change (nothing when none are kept);
    ``answers_of``: see :meth:`PendingWrites.before_read`."""
    pending = active(session)
    if pending is not None:
        pending.before_read(answers_of)


def write_row(
    session: Session,
    kind: Kept,
    values: dict[str, Any],
    *,
    incident: wire.IncidentWire | None = None,
    columns: frozenset[str] | None = None,
) -> None:
    """Write a row now, or keep it when the group keeps its writes.

    ``values``: the full row with ``id`` (and ``seq``, ``region_code`` for a new answer);
    ``incident``: the incident's version these values are (kept as the group's latest);
    ``columns``: of an incident update, the columns that changed (only those are written).
    """
    pending = active(session)
    if pending is not None:
        pending.keep(kind, values, incident, columns)
        return
    statement = _STATEMENTS[kind]
    if kind in (Kept.UPDATE_INCIDENT, Kept.UPDATE_ANSWER):
        if columns is not None:
            values = {name: values[name] for name in columns | {"id", "seq"}}
        session.connection().execute(statement, _by_id(values))
    else:
        session.connection().execute(statement, values)
