"""The ``sync_state`` key/value table: client id, server binding, cursor, mutation counters.

Every function takes a :class:`sqlalchemy.Connection` inside the caller's transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, insert, select, update

from cur_desktop.storage.tables import sync_state_table

# sync_state keys
KEY_CLIENT_ID = "client_id"
KEY_CURSOR = "cursor"
KEY_LAST_MUTATION_ID = "last_mutation_id"  # the server's, as of the last applied pull page
KEY_PUSHED_UP_TO = "pushed_up_to"  # highest id the server answered for in a push
KEY_ALLOCATED = "last_allocated_mutation_id"  # the client's own gap-free sequence
KEY_LAST_SYNC_AT = "last_sync_at"
KEY_SERVER_URL = "server_url"
KEY_LOGIN = "login"
KEY_ROLE = "role"
KEY_REGION = "region_code"
KEY_SKIPS_UNSENT = "set_aside_unsent"  # ids set aside after server errors, still to be skipped


def get_state(conn: Connection, key: str) -> str | None:
    """Value of ``key`` in ``sync_state`` or ``None``."""
    value = conn.execute(
        select(sync_state_table.c.value).where(sync_state_table.c.key == key)
    ).scalar_one_or_none()
    return None if value is None else str(value)


def get_int_state(conn: Connection, key: str, default: int = 0) -> int:
    """Integer value of ``key`` (``default`` when unset)."""
    value = get_state(conn, key)
    return default if value is None else int(value)


def set_state(conn: Connection, key: str, value: str | int) -> None:
    """Set ``key`` to ``value`` in ``sync_state``."""
    text = str(value)
    updated = conn.execute(
        update(sync_state_table).where(sync_state_table.c.key == key).values(value=text)
    )
    if updated.rowcount == 0:
        conn.execute(insert(sync_state_table).values(key=key, value=text))


def pull_position(conn: Connection) -> tuple[int, str]:
    """The pull cursor and the client id (made on first use)."""
    return get_int_state(conn, KEY_CURSOR), ensure_client_id(conn)


def set_int_state(conn: Connection, *, key: str, value: int) -> None:
    """Set an integer ``key`` (keyword form, for ``functools.partial`` jobs)."""
    set_state(conn, key, value)


def ensure_client_id(conn: Connection) -> str:
    """The profile's client id, made on first use."""
    client_id = get_state(conn, KEY_CLIENT_ID)
    if client_id is None:
        client_id = str(uuid.uuid4())
        set_state(conn, KEY_CLIENT_ID, client_id)
    return client_id
