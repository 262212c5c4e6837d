"""Run the server's Alembic migrations (``cur-server init`` / ``migrate``) from the package itself.

:func:`check_schema_not_newer` keeps an older ``cur-server`` off a database that a newer one
has already migrated: the database's Alembic revision must be one this code knows. A revision
it does not know can only come from a newer release (the history is linear and shipped whole),
and running old code on a newer schema would write rows the newer code does not expect.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` up to ``revision``."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.info("database migrated to %s", revision)


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer ``cur-server`` than this one."""

    def __init__(self, database_revisions: tuple[str, ...], code_head: str) -> None:
        self.database_revisions = database_revisions
        self.code_head = code_head
        found = ", ".join(database_revisions)
        super().__init__(
            f"Схема базы данных новее этой версии cur-server: в базе ревизия {found}, "
            f"программа знает ревизии до {code_head}. Обновите cur-server до версии, "
            "которая создала эту схему (или восстановите базу из резервной копии)."
        )


def code_head() -> str:
    """The newest revision this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def database_revisions(engine: Engine) -> tuple[str, ...]:
    """The Alembic revisions recorded in the database (empty for a fresh one)."""
    with engine.connect() as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def check_schema_not_newer(engine: Engine) -> None:
    """Raise :class:`SchemaTooNewError` when the database's revision is unknown to this code."""
    script = ScriptDirectory.from_config(alembic_config())
    found = database_revisions(engine)
    for revision in found:
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise SchemaTooNewError(found, code_head())
