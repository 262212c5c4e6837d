"""Alembic migrations of the local store, run programmatically (no alembic.ini needed).

``upgrade_to_head(engine_or_url)`` brings a store file to the newest schema. Objects that are
not declared in the SQLModel metadata (the FTS5 table and its shadow tables) are created by the
migrations themselves and excluded from autogenerate comparison by :func:`include_name`.

Alembic (with Mako and Pygments behind it: about 0.3 s of imports) is loaded only when a store
is not at the head yet: :func:`upgrade_to_head` first compares the store's ``alembic_version``
with the head revisions read from the version files' ``revision`` / ``down_revision`` lines, so
the window's start on an up-to-date profile does not pay for it.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
UNMANAGED_PREFIXES: tuple[str, ...] = ("incident_fts", "sqlite_", "stats_")
"""Tables created by raw SQL (FTS5 and its shadow tables, the statistics rollup of revision
0008) or by SQLite itself."""


def include_name(name: str | None, type_: str, _parent_names: Any = None) -> bool:
    """Autogenerate filter: skip tables the metadata does not declare on purpose."""
    if type_ == "table" and name is not None:
        return not name.startswith(UNMANAGED_PREFIXES)
    return True


def alembic_config() -> Config:
    """Return an Alembic ``Config`` pointing at this package (no ini file)."""
    from alembic.config import Config  # noqa: PLC0415 (only when migrating)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


_REVISION = re.compile(r"^revision\b[^=]*=\s*(.+)$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=]*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def head_revisions() -> frozenset[str]:
    """Revisions no other revision builds on, read from the version files (no Alembic)."""
    revisions: set[str] = set()
    bases: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if (found := _REVISION.search(text)) is not None:
            revisions.update(_QUOTED.findall(found.group(1)))
        if (down := _DOWN_REVISION.search(text)) is not None:
            bases.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - bases)


def is_at_head(engine: Engine) -> bool:
    """Whether the store's ``alembic_version`` names exactly the head revisions."""
    heads = head_revisions()
    try:
        with engine.connect() as conn:
            current = {
                str(r[0]) for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            }
    except OperationalError:  # no version table: a new file
        return False
    return bool(heads) and current == heads


def upgrade_to_head(engine_or_url: Engine | str) -> None:
    """Migrate the store behind ``engine_or_url`` to the head revision."""
    owns_engine = isinstance(engine_or_url, str)
    engine = create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        if is_at_head(engine):
            log.debug("store schema already at head")
            return
        from alembic import command  # noqa: PLC0415 (only when migrating)

        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        if owns_engine:
            engine.dispose()
    log.debug("store schema at head")
