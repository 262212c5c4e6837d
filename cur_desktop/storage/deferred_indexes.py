"""Secondary indexes of ``incident`` set aside during a full snapshot and built after it.

A first sync (or any reset) is a bulk load of the whole region: maintaining a dozen B-tree
indexes row by row, page transaction after page transaction, cost more than half of the load
(bench/sync_bench.py; building the same indexes once over the loaded table is a sort per
index). So the page that starts a snapshot (``reset``) drops the secondary indexes of
``incident`` (not its primary key, not the unique ``id`` index the upsert needs) after
remembering their ``CREATE`` statements in ``sync_state`` (key :data:`KEY`), in the same
transaction; the page that ends the snapshot (``has_more`` false) runs the statements again and
forgets them, in that page's transaction. The statements survive a crash or a cut link in between
(the next sync continues the snapshot and builds them at its end); a second reset while they are
set aside does not overwrite them. While a snapshot is in progress the inbox still answers
correctly, by scanning.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import Connection, delete, text

from cur_desktop.storage.sync_state import get_state, set_state
from cur_desktop.storage.tables import sync_state_table

log = logging.getLogger(__name__)

KEY = "deferred_incident_indexes"
_SECONDARY = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incident' "
    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
)


def set_aside(conn: Connection) -> int:
    """Drop the secondary indexes of ``incident``, remembering them; return how many."""
    found = [(str(name), str(sql)) for name, sql in conn.execute(_SECONDARY)]
    remembered = json.loads(get_state(conn, KEY) or "[]")
    known = {name for name, _ in remembered}
    remembered += [[name, sql] for name, sql in found if name not in known]
    set_state(conn, KEY, json.dumps(remembered, ensure_ascii=False))
    for name, _ in found:
        conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
    log.info("snapshot: %d incident indexes set aside until its end", len(found))
    return len(found)


def build_set_aside(conn: Connection) -> int:
    """Create the indexes :func:`set_aside` dropped (if any); return how many."""
    remembered = json.loads(get_state(conn, KEY) or "[]")
    if not remembered:
        return 0
    for name, sql in remembered:
        conn.execute(text(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)))
        log.debug("index %s built", name)
    conn.execute(delete(sync_state_table).where(sync_state_table.c.key == KEY))
    log.info("snapshot complete: %d incident indexes built", len(remembered))
    return len(remembered)
