"""Entry script of the self-contained bundle (PyInstaller runs this as ``cur-desktop``).

``cur-desktop ARGS`` is the workstation's command line (:func:`cur_desktop.cli.main`);
``cur-desktop --run-cur-server ARGS`` is ``cur-server ARGS`` (the embedded demo starts its local
server that way, see :mod:`cur_desktop.frozen`).
"""

from __future__ import annotations

import os
import sys

from cur_desktop.frozen import SERVER_ARG


def _streams_for_a_windowed_program() -> None:
    """A windowed Windows build has no console: ``sys.stdout``/``sys.stderr`` are ``None``.

    Point them at the null device so that printing and logging to the terminal are no-ops
    instead of errors (the log file in the log directory still gets everything).
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def main() -> int:
    """Dispatch to the workstation or, for the demo's child process, to the server."""
    _streams_for_a_windowed_program()
    if len(sys.argv) > 1 and sys.argv[1] == SERVER_ARG:
        from cur_desktop.server.commands import main as server_main  # noqa: PLC0415

        return server_main(sys.argv[2:])
    from cur_desktop.cli import main as desktop_main  # noqa: PLC0415

    return desktop_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
