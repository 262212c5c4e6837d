"""One window per profile: a second start asks the first to raise its window, then exits.

Who is first is decided by the profile's OS lock
(:class:`~cur_desktop.services.profile_lock.ProfileLock`, released by the OS however the
process ends). The first start also listens on a ``QLocalServer`` whose name is derived from
the profile's absolute path and the user (:func:`server_name`); a second start that could not
take the lock connects with ``QLocalSocket``, sends ``raise`` and waits for ``ok``
(:func:`ask_first_to_raise`); the first shows its window in front (:class:`InstanceServer`).
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

RAISE = b"raise\n"
OK = b"ok\n"
WAIT_MS = 2000


def server_name(profile_dir: Path) -> str:
    """The local server's name for ``profile_dir`` (short: Unix socket paths are limited)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    key = f"{user}\0{profile_dir.expanduser().resolve()}".encode()
    return "cur-desktop-" + hashlib.sha256(key).hexdigest()[:24]


class InstanceServer(QObject):
    """Listens for second starts of the same profile; emits :attr:`raise_requested`."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        # a socket file left by a process that died is stale: we hold the profile lock now
        QLocalServer.removeServer(name)
        if not self._server.listen(name):
            log.warning("single-instance server %s: %s", name, self._server.errorString())
        self._server.newConnection.connect(self._on_connection)

    @property
    def listening(self) -> bool:
        """Whether second starts can reach this instance."""
        return self._server.isListening()

    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_ready(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        if line == RAISE:
            log.info("a second start of this profile asked to raise the window")
            socket.write(OK)
            socket.flush()
            self.raise_requested.emit()
        socket.disconnectFromServer()

    def close(self) -> None:
        """Stop listening."""
        self._server.close()


def ask_first_to_raise(name: str, timeout_s: float = 10.0) -> bool:
    """Ask the instance listening on ``name`` to raise its window; ``True`` once it said ok.

    Retries until ``timeout_s``: the first instance may hold the lock but still be starting.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(WAIT_MS):
            socket.write(RAISE)
            socket.waitForBytesWritten(WAIT_MS)
            answered = socket.waitForReadyRead(WAIT_MS) and bytes(socket.readAll().data()) == OK
            socket.disconnectFromServer()
            if answered:
                return True
        socket.abort()
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


__all__ = ["InstanceServer", "ask_first_to_raise", "server_name"]
