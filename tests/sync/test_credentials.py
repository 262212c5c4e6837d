"""Where the token is kept: the OS keyring when usable, else a 0600 file in the profile."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from cur_desktop.sync.credentials import CredentialStore, usable_keyring


class DictKeyring(KeyringBackend):
    """A keyring backend kept in a dict (the machines here have no OS keyring daemon)."""

    priority = 1.0  # type: ignore[assignment]  # keyring declares it as a classproperty

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


@pytest.mark.usefixtures("restore_keyring")
def test_fail_backend_means_a_private_file(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    assert usable_keyring() is None
    store = CredentialStore(tmp_path / "profile")
    assert not store.uses_keyring
    store.save("secret-token-1")
    assert stat.S_IMODE(store.token_file.stat().st_mode) == 0o600
    assert store.load() == "secret-token-1"
    store.save("secret-token-2")
    assert store.load() == "secret-token-2"
    store.clear()
    assert store.load() is None
    assert not store.token_file.exists()


@pytest.mark.usefixtures("restore_keyring")
def test_a_usable_keyring_holds_the_token_and_no_file_is_left(tmp_path: Path) -> None:
    backend = DictKeyring()
    keyring.set_keyring(backend)
    profile = tmp_path / "profile"
    CredentialStore(profile, use_keyring=False).save("old-file-token")
    store = CredentialStore(profile)
    assert store.uses_keyring
    store.save("keyring-token")
    assert list(backend.secrets.values()) == ["keyring-token"]
    assert not store.token_file.exists()
    assert store.load() == "keyring-token"
    other = CredentialStore(tmp_path / "other-profile")
    assert other.load() is None  # one entry per profile
    store.clear()
    assert backend.secrets == {}
