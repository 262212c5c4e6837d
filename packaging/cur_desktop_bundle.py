"""Entry script of the self-contained bundle (PyInstaller runs this as ``cur-desktop``).

``cur-desktop ARGS`` is the workstation's command line (:func:`cur_desktop.cli.main`);
``cur-desktop --run-cur-server ARGS`` is ``cur-server ARGS`` (the embedded demo starts its local
server that way, see :mod:`cur_desktop.frozen`).
"""

from __future__ import annotations

import sys

from cur_desktop.frozen import SERVER_ARG


def main() -> int:
    """Dispatch to the workstation or, for the demo's child process, to the server."""
    if len(sys.argv) > 1 and sys.argv[1] == SERVER_ARG:
        from cur_desktop.server.commands import main as server_main  # noqa: PLC0415

        return server_main(sys.argv[2:])
    from cur_desktop.cli import main as desktop_main  # noqa: PLC0415

    return desktop_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
