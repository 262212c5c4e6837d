"""Real local store files for tests: a migrated profile store with N incidents, its count, and a
profile with one new incident (the window tests' draft scenes)."""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from cur_desktop.domain.enums import Status
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.profile import DB_FILE_NAME
from tests.helpers.row_factories import make_row


def filled_store(profile: Path, rows: int, seed: int = 1) -> Path:
    """Add ``rows`` incidents (a seeded factory) to the store of ``profile``; its path."""
    profile.mkdir(parents=True, exist_ok=True)
    db_path = profile / DB_FILE_NAME
    engine = open_engine(db_path)
    try:
        rng = random.Random(seed)
        with engine.begin() as conn:
            bulk_insert_incidents(conn, [make_row(rng) for _ in range(rows)])
    finally:
        engine.dispose()
    return db_path


def incident_count(db_path: Path) -> int:
    """How many incidents the store file holds (plain sqlite3, no project code)."""
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute("SELECT count(*) FROM incident").fetchone()[0])
    finally:
        conn.close()


def sign_in_as_ivanova(conn: Connection) -> None:
    """Bind a store to ``ivanova`` of RU-TUL, as her sign-in would (no server)."""
    sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
    sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")


def profile_with_one_new_incident(profile: Path) -> str:
    """A profile of ``ivanova`` (RU-TUL, no server) holding one NEW incident due in 8 h; its id."""
    profile.mkdir(parents=True, exist_ok=True)
    incident_id = str(uuid.uuid4())
    engine = open_engine(profile / DB_FILE_NAME)
    try:
        with engine.begin() as conn:
            row = make_row(id=incident_id, status=Status.NEW, received_at=datetime.now(UTC))
            row["first_answer_due"] = datetime.now(UTC) + timedelta(hours=8)
            bulk_insert_incidents(conn, [row])
            sign_in_as_ivanova(conn)
    finally:
        engine.dispose()
    return incident_id
