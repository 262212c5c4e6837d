"""What the screenshot scripts share (``docs_screenshots.py``, ``supervisor_screenshots.py``).

The window size, a loop-turning wait, the demo server started and stopped around a shoot, the
window signed in on the synced demo profile, and the ``main`` that runs a shoot on a qasync
loop. The scripts import it as a sibling module (``python scripts/X.py`` puts ``scripts/`` on
the path).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cur_desktop.demo.window_demo import RunningDemo, start_demo_server
from cur_desktop.services.sign_in import sign_in
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.application import prepare_application
from cur_desktop.ui.event_loop import GuiEventLoop
from cur_desktop.ui.main_window import MainWindow

SIZE = (1366, 768)


async def until(predicate: Callable[[], object], timeout: float = 60.0) -> None:
    """Turn the loop until ``predicate()`` is true (``TimeoutError`` after ``timeout`` s)."""
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not reached")


@asynccontextmanager
async def demo_server(role: str) -> AsyncIterator[RunningDemo]:
    """A seeded demo server for ``role`` in a new temporary folder (stopped after)."""
    folder = Path(tempfile.mkdtemp(prefix="cur-shots-"))
    demo = await asyncio.to_thread(start_demo_server, folder, role)
    try:
        yield demo
    finally:
        await asyncio.to_thread(demo.stop)


@asynccontextmanager
async def signed_in_window(demo: RunningDemo) -> AsyncIterator[tuple[Workstation, MainWindow]]:
    """The demo user signed in, synced, and the window at :data:`SIZE` on that profile."""
    await sign_in(demo.profile_dir, demo.server.base_url, demo.login, demo.password)
    ws = await Workstation.open(demo.profile_dir)
    await ws.sync_now()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    try:
        window.attach(ws, await ws.session_info())
        yield ws, window
    finally:
        window.close()
        await ws.close()


def main(shoot: Callable[[Path], Awaitable[None]]) -> int:
    """Run ``shoot(out)`` on a qasync loop; ``out``: the first argument or docs/screenshots."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    prepare_application(app, "cur-desktop-docs", "cur-desktop-docs")
    loop = GuiEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shoot(out))
    print(f"screenshots in {out}")
    return 0
