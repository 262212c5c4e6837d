"""Alembic migrations of the local store, run programmatically (no alembic.ini needed).

``upgrade_to_head(engine_or_url)`` brings a store file to the newest schema. Objects that are
not declared in the SQLModel metadata (the FTS5 table and its shadow tables) are created by the
migrations themselves and excluded from autogenerate comparison by :func:`include_name`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine

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
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade_to_head(engine_or_url: Engine | str) -> None:
    """Migrate the store behind ``engine_or_url`` to the head revision."""
    owns_engine = isinstance(engine_or_url, str)
    engine = create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        if owns_engine:
            engine.dispose()
    log.debug("store schema at head")
