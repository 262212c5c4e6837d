"""Protocol versions of the sync wire: what each side sends and what it accepts.

Both sides send their protocol version in the ``X-Cur-Protocol`` header (an integer) on every
request and answer. Rules (docs/SYNC.md, "Versions"):

* a server **adds** fields to its answers without a new version: clients ignore fields they do
  not know (``extra="ignore"`` when they parse server answers); the server keeps refusing
  unknown fields from clients, so a client's mistake never passes silently;
* the version goes up when an old client could no longer be served correctly (a field it must
  send, a meaning that changed); the server then raises :data:`MIN_CLIENT_PROTOCOL` and answers
  an older client ``426 Upgrade Required`` with a Russian message to update the program;
* a request without the header comes from a client older than the header: version
  :data:`UNVERSIONED`.
"""

from __future__ import annotations

PROTOCOL_HEADER = "X-Cur-Protocol"
PROTOCOL_VERSION = 2
"""This build's protocol (1: before the header existed; 2: the header, lenient answers)."""
MIN_CLIENT_PROTOCOL = 1
"""The oldest client protocol this server still serves."""
UNVERSIONED = 1
"""The version of a request that carries no header."""


def too_old_message(client: int, minimum: int) -> str:
    """The Russian explanation a too-old client shows to its operator."""
    return (
        f"Версия программы устарела (протокол {client}, сервер принимает с {minimum}): "
        "обновите cur-desktop, затем повторите синхронизацию. Несинхронизированные изменения "
        "сохранены и будут отправлены после обновления."
    )
