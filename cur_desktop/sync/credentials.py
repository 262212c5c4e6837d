"""Where the access token lives: the OS keyring when a usable one exists, else a private file.

The keyring is used only when :func:`keyring.get_keyring` gives a real backend (the ``fail`` and
``null`` backends, and anything with a non-positive priority, count as "not available"). The
fallback is ``<profile>/token`` created with mode 0600 so that only the user can read it.
The token is never logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import keyring
import keyring.errors

log = logging.getLogger(__name__)

SERVICE_NAME = "cur-desktop"
TOKEN_FILE_NAME = "token"


def usable_keyring() -> Any | None:
    """The OS keyring backend if it can really store secrets, else ``None``."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not break the app
        log.warning("keyring backend could not be loaded", exc_info=True)
        return None
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return None
    try:
        priority = float(backend.priority)
    except Exception:
        return None
    if priority <= 0:
        return None
    return backend


class CredentialStore:
    """Keeps the bearer token of one profile.

    ``use_keyring=False`` forces the file (tests, or an operator who distrusts the keyring);
    ``None`` picks the keyring when a usable backend exists.
    """

    def __init__(self, profile_dir: Path, *, use_keyring: bool | None = None) -> None:
        self.profile_dir = profile_dir
        self._backend = usable_keyring() if use_keyring in (None, True) else None
        # One keyring entry per profile directory, named without leaking the path itself.
        digest = hashlib.sha256(str(profile_dir.resolve()).encode()).hexdigest()[:16]
        self._account = f"profile-{digest}"

    @property
    def token_file(self) -> Path:
        """The fallback file of the token (mode 0600)."""
        return self.profile_dir / TOKEN_FILE_NAME

    @property
    def uses_keyring(self) -> bool:
        """Whether the OS keyring is the store in use."""
        return self._backend is not None

    def save(self, token: str) -> None:
        """Store ``token``, replacing any previous one."""
        if self._backend is not None:
            try:
                self._backend.set_password(SERVICE_NAME, self._account, token)
            except keyring.errors.KeyringError:
                log.warning("keyring refused the token; falling back to the profile file")
            else:
                self._remove_file()
                log.info("token stored in the OS keyring")
                return
        self._write_file(token)
        log.info("token stored in the profile file (mode 0600)")

    def load(self) -> str | None:
        """The stored token, or ``None``."""
        if self._backend is not None:
            try:
                value = self._backend.get_password(SERVICE_NAME, self._account)
            except keyring.errors.KeyringError:
                log.warning("keyring could not be read; trying the profile file")
            else:
                if value:
                    return str(value)
        try:
            text = self.token_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return text or None

    def clear(self) -> None:
        """Forget the token everywhere it may be."""
        if self._backend is not None:
            with contextlib.suppress(keyring.errors.KeyringError):
                self._backend.delete_password(SERVICE_NAME, self._account)
        self._remove_file()

    def _write_file(self, token: str) -> None:
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.token_file.with_suffix(".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if hasattr(os, "fchmod"):  # not on Windows, where the profile dir is per-user
                os.fchmod(fd, 0o600)
            os.write(fd, token.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.token_file)

    def _remove_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.token_file.unlink()
