"""What differs when the program runs from the self-contained bundle (PyInstaller).

In the bundle ``sys.executable`` is the ``cur-desktop`` program itself, not a Python interpreter,
so ``python -m cur_desktop.server.commands`` cannot start the demo's local server. The bundle's
entry script (``packaging/cur_desktop_bundle.py``) runs ``cur-server`` instead when its first
argument is :data:`SERVER_ARG`; :func:`server_command` builds the right command for either case.
This module imports nothing of the project (every package may use it).
"""

from __future__ import annotations

import sys

SERVER_ARG = "--run-cur-server"
"""First argument that makes the bundled program act as ``cur-server``."""


def is_frozen() -> bool:
    """Whether this process runs from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def server_command() -> list[str]:
    """The command that starts ``cur-server`` (arguments follow) from this installation."""
    if is_frozen():
        return [sys.executable, SERVER_ARG]
    return [sys.executable, "-m", "cur_desktop.server.commands"]


__all__ = ["SERVER_ARG", "is_frozen", "server_command"]
