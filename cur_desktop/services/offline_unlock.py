"""Offline unlock: a locally stored verifier of the password, never the password itself.

When the operator signs in online, :func:`remember_password` stores ``scrypt(password, salt)``
with a fresh random salt in ``<profile>/unlock.json`` (mode 0600) beside the login and server it
belongs to. When the server cannot be reached later, :func:`verify_offline` recomputes the hash
and compares it in constant time; a match unlocks the local data (the sync engine keeps trying
the server with the stored token). Nothing else is stored: the password cannot be recovered from
the file, and a wrong password is refused exactly as an unknown login is.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

UNLOCK_FILE_NAME = "unlock.json"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class OfflineIdentity:
    """Who signed in on this profile before: the binding an offline unlock opens."""

    login: str
    server_url: str


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=64 * 2**20
    )


def _path(profile_dir: Path) -> Path:
    return profile_dir / UNLOCK_FILE_NAME


def remember_password(profile_dir: Path, login: str, server_url: str, password: str) -> None:
    """Store a verifier of ``password`` for ``login`` at ``server_url`` (replacing any)."""
    salt = secrets.token_bytes(SALT_BYTES)
    record = {
        "version": 1,
        "login": login,
        "server_url": server_url.rstrip("/"),
        "salt": salt.hex(),
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "hash": _hash(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).hex(),
    }
    path = _path(profile_dir)
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, json.dumps(record).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    log.info("offline unlock verifier stored for %s", login)


def _load(profile_dir: Path) -> dict[str, object] | None:
    try:
        raw = json.loads(_path(profile_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("offline unlock file is unreadable; offline unlock disabled")
        return None
    return raw if isinstance(raw, dict) else None


def offline_identity(profile_dir: Path) -> OfflineIdentity | None:
    """The login and server this profile can be unlocked for offline, if any."""
    raw = _load(profile_dir)
    if raw is None:
        return None
    login, server = raw.get("login"), raw.get("server_url")
    if not isinstance(login, str) or not isinstance(server, str):
        return None
    return OfflineIdentity(login=login, server_url=server)


def verify_offline(profile_dir: Path, login: str, password: str) -> bool:
    """Whether ``password`` is the one last used online by ``login`` on this profile."""
    raw = _load(profile_dir)
    if raw is None or raw.get("login") != login:
        return False
    try:
        salt = bytes.fromhex(str(raw["salt"]))
        expected = bytes.fromhex(str(raw["hash"]))
        n, r, p = int(str(raw["n"])), int(str(raw["r"])), int(str(raw["p"]))
    except (KeyError, ValueError):
        log.warning("offline unlock file is damaged; offline unlock refused")
        return False
    return hmac.compare_digest(_hash(password, salt, n, r, p), expected)


def forget(profile_dir: Path) -> None:
    """Remove the verifier (sign-out)."""
    with contextlib.suppress(FileNotFoundError):
        _path(profile_dir).unlink()


__all__ = ["OfflineIdentity", "forget", "offline_identity", "remember_password", "verify_offline"]
