"""An operator's profile directory: the local database, the token and the sync identity.

Each profile keeps one operator's data apart: ``<dir>/local.sqlite3`` (incidents, outbox,
``sync_state`` with client_id, server URL, login, cursor), and the token (OS keyring or
``<dir>/token``, see :mod:`cur_desktop.sync.credentials`). The default directory is the user
data directory given by platformdirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from cur_desktop.sync.credentials import CredentialStore

log = logging.getLogger(__name__)

APP_NAME = "cur-desktop"
DB_FILE_NAME = "local.sqlite3"


def default_profile_dir() -> Path:
    """The per-user data directory of the workstation."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "profile"


@dataclass(frozen=True)
class Profile:
    """Paths and stores of one profile directory."""

    directory: Path

    @classmethod
    def at(cls, directory: Path | None) -> Profile:
        """The profile in ``directory`` (default: the user data directory), created if needed."""
        path = (directory or default_profile_dir()).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        try:
            path.chmod(0o700)
        except OSError:  # e.g. a directory owned by someone else; the token file is 0600 anyway
            log.debug("could not restrict the profile directory's mode")
        return cls(path)

    @property
    def db_path(self) -> Path:
        """The local SQLite store."""
        return self.directory / DB_FILE_NAME

    def credentials(self, *, use_keyring: bool | None = None) -> CredentialStore:
        """The token store of this profile."""
        return CredentialStore(self.directory, use_keyring=use_keyring)
