"""The operator's own marks, per login: unread state, reminders, shown deadline notices.

Local to the workstation, never pushed (see docs/WINDOW.md):

* ``incident_seen`` holds the incident version a login last saw; an OPEN incident is unread
  for that login when it has no row there or its ``version`` is newer (it arrived, or changed
  by a pull, since it was last opened); closed and rejected incidents are never unread (the
  history of a new profile would otherwise be all bold; reopening one makes it open and newer);
* ``reminder`` holds one reminder per login and incident (``remind_at``, a note);
* ``deadline_notice`` remembers which (incident, due) warning notifications were shown.

Functions take a connection inside the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cur_desktop.domain.enums import Status
from cur_desktop.storage.inbox import InboxFilter, filter_clauses
from cur_desktop.storage.tables import (
    deadline_notice_table,
    incident_seen_table,
    incident_table,
    reminder_table,
)

log = logging.getLogger(__name__)

_IN_CHUNK = 500
_TERMINAL = [s for s in Status if s.is_terminal]
inc = incident_table
seen = incident_seen_table
rem = reminder_table
notice = deadline_notice_table


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    items = list(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


# --------------------------------------------------------------------------- unread


def mark_seen(conn: Connection, login: str, incident_ids: Sequence[str]) -> list[str]:
    """Record that ``login`` saw the current version of these incidents.

    Returns the ids that were unread before (their rows need a repaint).
    """
    was_unread = unread_among(conn, login, incident_ids)
    for chunk in _chunks(incident_ids):
        versions = conn.execute(select(inc.c.id, inc.c.version).where(inc.c.id.in_(chunk))).all()
        if not versions:
            continue
        stmt = sqlite_insert(seen).values(
            [{"login": login, "incident_id": str(i), "seen_version": int(v)} for i, v in versions]
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[seen.c.login, seen.c.incident_id],
                set_={"seen_version": func.max(seen.c.seen_version, stmt.excluded.seen_version)},
            )
        )
    return sorted(was_unread)


def mark_unseen(conn: Connection, login: str, incident_ids: Sequence[str]) -> None:
    """Forget that ``login`` saw these incidents (they show as unread again)."""
    for chunk in _chunks(incident_ids):
        conn.execute(delete(seen).where(seen.c.login == login, seen.c.incident_id.in_(chunk)))


def _unread() -> list[ColumnElement[bool]]:
    """WHERE terms of "unread" over ``incident`` outer-joined to one login's ``incident_seen``."""
    return [
        inc.c.status.not_in(_TERMINAL),
        or_(seen.c.seen_version.is_(None), seen.c.seen_version < inc.c.version),
    ]


def unread_among(conn: Connection, login: str, incident_ids: Sequence[str]) -> set[str]:
    """Which of ``incident_ids`` are unread for ``login``."""
    found: set[str] = set()
    for chunk in _chunks(incident_ids):
        stmt = (
            select(inc.c.id)
            .select_from(
                inc.outerjoin(seen, and_(seen.c.incident_id == inc.c.id, seen.c.login == login))
            )
            .where(inc.c.id.in_(chunk), *_unread())
        )
        found.update(str(i) for i in conn.execute(stmt).scalars())
    return found


def unread_count(conn: Connection, login: str, flt: InboxFilter) -> int:
    """How many incidents matching ``flt`` are unread for ``login``.

    Meant for small views (Мои, Новые): the filter's index drives the query, each match is
    looked up in ``incident_seen`` by its primary key.
    """
    stmt = (
        select(func.count())
        .select_from(
            inc.outerjoin(seen, and_(seen.c.incident_id == inc.c.id, seen.c.login == login))
        )
        .where(*filter_clauses(flt), *_unread())
    )
    return int(conn.execute(stmt).scalar_one())


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True, slots=True)
class StoredReminder:
    """A reminder row."""

    incident_id: str
    remind_at: datetime
    note: str


def set_reminder(
    conn: Connection, login: str, incident_id: str, remind_at: datetime, *, note: str, now: datetime
) -> None:
    """Insert or replace the reminder of ``login`` on ``incident_id``."""
    stmt = sqlite_insert(rem).values(
        login=login, incident_id=incident_id, remind_at=remind_at, note=note, created_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[rem.c.login, rem.c.incident_id],
            set_={"remind_at": remind_at, "note": note, "created_at": now},
        )
    )


def delete_reminder(conn: Connection, login: str, incident_id: str) -> bool:
    """Drop the reminder; whether there was one."""
    result = conn.execute(delete(rem).where(rem.c.login == login, rem.c.incident_id == incident_id))
    return bool(result.rowcount)


def reminders_of(conn: Connection, login: str, incident_ids: Sequence[str]) -> list[StoredReminder]:
    """The reminders of ``login`` on these incidents."""
    found: list[StoredReminder] = []
    for chunk in _chunks(incident_ids):
        stmt = select(rem.c.incident_id, rem.c.remind_at, rem.c.note).where(
            rem.c.login == login, rem.c.incident_id.in_(chunk)
        )
        found.extend(StoredReminder(str(i), at, str(n)) for i, at, n in conn.execute(stmt))
    return found


def due_reminder_ids(conn: Connection, login: str, now: datetime) -> list[str]:
    """Incidents whose reminder of ``login`` is due at ``now``, soonest first."""
    stmt = (
        select(rem.c.incident_id)
        .where(rem.c.login == login, rem.c.remind_at <= now)
        .order_by(rem.c.remind_at)
    )
    return [str(i) for i in conn.execute(stmt).scalars()]


# --------------------------------------------------------------------------- notices


def notices_shown(
    conn: Connection, login: str, wanted: Sequence[tuple[str, datetime]]
) -> set[tuple[str, datetime]]:
    """Which (incident, due) pairs of ``wanted`` were already notified to ``login``."""
    ids = sorted({i for i, _ in wanted})
    shown: set[tuple[str, datetime]] = set()
    for chunk in _chunks(ids):
        stmt = select(notice.c.incident_id, notice.c.due).where(
            notice.c.login == login, notice.c.incident_id.in_(chunk)
        )
        shown.update((str(i), d) for i, d in conn.execute(stmt))
    return shown & set(wanted)


def record_notices(
    conn: Connection, login: str, pairs: Sequence[tuple[str, datetime]], now: datetime
) -> None:
    """Remember that these (incident, due) warnings were shown to ``login``."""
    if not pairs:
        return
    stmt = sqlite_insert(notice).values(
        [{"login": login, "incident_id": i, "due": d, "shown_at": now} for i, d in pairs]
    )
    conn.execute(stmt.on_conflict_do_nothing())


__all__ = [
    "StoredReminder",
    "delete_reminder",
    "due_reminder_ids",
    "mark_seen",
    "mark_unseen",
    "notices_shown",
    "record_notices",
    "reminders_of",
    "set_reminder",
    "unread_among",
    "unread_count",
]
