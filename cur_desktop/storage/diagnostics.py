"""Diagnostics of the store: query plans, ANALYZE, integrity. For benchmarks and support."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

log = logging.getLogger(__name__)


def render_sql(conn: Connection, stmt: Executable) -> str:
    """Return ``stmt`` as SQLite SQL with every parameter rendered inline."""
    compiled = stmt.compile(  # type: ignore[attr-defined]  # Executable is a ClauseElement here
        dialect=conn.dialect, compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def explain_query_plan(conn: Connection, stmt: Executable) -> list[str]:
    """Return the lines of ``EXPLAIN QUERY PLAN`` for ``stmt`` (the ``detail`` column)."""
    rows: list[Any] = list(conn.exec_driver_sql("EXPLAIN QUERY PLAN " + render_sql(conn, stmt)))
    return [str(r[3]) for r in rows]


def analyze(conn: Connection) -> None:
    """Refresh the planner's statistics (run after a big load; ``PRAGMA optimize`` later)."""
    conn.exec_driver_sql("ANALYZE")


def optimize(conn: Connection) -> None:
    """Let SQLite refresh statistics that look stale (cheap; run at close or now and then)."""
    conn.exec_driver_sql("PRAGMA optimize")


def integrity_ok(conn: Connection) -> bool:
    """Whether ``PRAGMA integrity_check`` and the FTS5 integrity check both pass."""
    result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    conn.exec_driver_sql("INSERT INTO incident_fts(incident_fts) VALUES ('integrity-check')")
    return result == "ok"
