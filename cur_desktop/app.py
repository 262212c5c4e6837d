"""Composition root of the workstation: command line, logging, Qt application, the window.

``cur-desktop`` starts here. Headless commands (``login``, ``sync``, ``status``, ``logout``,
``--demo --headless``) go to :mod:`cur_desktop.cli`, which never imports Qt. Everything else opens
the window: a ``QApplication`` with the qasync event loop (asyncio on Qt's thread), the
translations (Russian by default), Qt's own messages routed into Python logging, and then

* ``--demo``: the window appears at once and shows progress while the demo server is seeded and
  started in a worker thread; the demo user signs in, syncs, and a live feed keeps adding posts;
* otherwise: the sign-in dialog (online, or offline on a profile that signed in before).

The long-lived services of the profile (:class:`WindowWorkstation`) are built once here and
closed once when the window closes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cur_desktop import cli

if TYPE_CHECKING:
    from cur_desktop.ui.application import WindowSession

log = logging.getLogger(__name__)

ORGANIZATION = "cur-desktop"
APPLICATION = "cur-desktop"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-desktop``."""
    args = cli.build_parser().parse_args(argv)
    if not cli.wants_window(args):
        return cli.main(argv)
    cli.configure_logging(args.verbose)
    return run_window(
        demo=bool(args.demo),
        demo_dir=args.demo_dir,
        role=str(args.role),
        profile_dir=args.profile,
    )


def run_window(*, demo: bool, demo_dir: Path | None, role: str, profile_dir: Path | None) -> int:
    """Open the window and run the event loop until it closes; returns the exit code."""
    import qasync  # noqa: PLC0415 (Qt only when a window is wanted)
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from cur_desktop.ui.application import (  # noqa: PLC0415
        install_qt_message_handler,
        prepare_application,
    )

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_application(app, ORGANIZATION, APPLICATION)
    install_qt_message_handler()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return int(loop.run_until_complete(_window_main(demo, demo_dir, role, profile_dir)))


async def _window_main(
    demo: bool, demo_dir: Path | None, role: str, profile_dir: Path | None
) -> int:
    from cur_desktop.ui.application import WindowSession  # noqa: PLC0415

    session = WindowSession()
    _close_on_signals(session)
    session.show()
    try:
        if demo:
            await _start_demo(session, demo_dir, role)
        else:
            await _start_signed_in(session, profile_dir)
        await session.closed()
    finally:
        await session.shutdown()
    return 0


def _close_on_signals(session: WindowSession) -> None:
    """SIGTERM / SIGINT close the window like the close button (drafts saved, demo stopped).

    Python runs signal handlers between bytecodes; the window's one-second timer keeps the
    interpreter turning while Qt waits for events.
    """

    def close(_signum: int, _frame: object) -> None:
        session.quit()

    for name in ("SIGTERM", "SIGINT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), close)


async def _start_demo(session: WindowSession, demo_dir: Path | None, role: str) -> None:
    from cur_desktop.demo.window_demo import LiveFeed, start_demo_server  # noqa: PLC0415
    from cur_desktop.services.sign_in import sign_in  # noqa: PLC0415
    from cur_desktop.services.workstation import Workstation  # noqa: PLC0415

    session.preparing("seeding")
    loop = asyncio.get_running_loop()

    def progress(stage: str, done: int, total: int) -> None:
        loop.call_soon_threadsafe(session.preparing, stage, done, total)

    demo = await asyncio.to_thread(start_demo_server, demo_dir, role, progress)
    session.on_shutdown(lambda: asyncio.to_thread(demo.stop))
    session.preparing("signing_in")
    result = await sign_in(demo.profile_dir, demo.server.base_url, demo.login, demo.password)
    ws = await Workstation.open(demo.profile_dir, poll_interval=15.0)
    session.attach(ws, await ws.session_info(), offline=not result.online)
    feed = LiveFeed(demo.server.base_url, demo.region_code)
    feed.start()
    session.on_shutdown(feed.stop)


async def _start_signed_in(session: WindowSession, profile_dir: Path | None) -> None:
    from cur_desktop.services.sign_in import remembered_identity, sign_in  # noqa: PLC0415
    from cur_desktop.services.workstation import Workstation  # noqa: PLC0415

    remembered = remembered_identity(profile_dir)

    async def attempt(server: str, login: str, password: str) -> object:
        return await sign_in(profile_dir, server, login, password)

    result = await session.ask_sign_in(
        attempt,
        server=remembered[0] if remembered else "",
        login=remembered[1] if remembered else "",
    )
    if result is None:
        session.quit()
        return
    ws = await Workstation.open(profile_dir)
    session.attach(ws, await ws.session_info(), offline=not getattr(result, "online", True))


if __name__ == "__main__":
    raise SystemExit(main())
