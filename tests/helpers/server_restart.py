"""Stopping and restarting a real test server on the same port (the profile keeps its URL)."""

from __future__ import annotations

import subprocess
from urllib.parse import urlparse

from tests.helpers.server_process import ServerProcess, _cli, _env, _wait_ready


def stop(server: ServerProcess) -> None:
    """Stop the server process (the database file stays)."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def restart(server: ServerProcess) -> None:
    """Start ``cur-server serve`` again on the same port and database; wait until it answers."""
    port = urlparse(server.base_url).port
    assert port is not None
    with server.log_path.open("ab") as log_file:
        server.process = subprocess.Popen(
            _cli("serve", "--db", server.db_url, "--host", "127.0.0.1", "--port", str(port)),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    _wait_ready(server)
