"""A real window process that types an answer slowly, for the kill-while-drafting test.

``python -m tests.ui.draft_worker PROFILE INCIDENT_ID TEXT`` opens the window on the profile,
opens the incident and types TEXT into the answer editor one character every 50 ms, printing
``typed <count> <monotonic seconds>`` after each character. It never stops by itself: the test
kills it with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.event_loop import GuiEventLoop
from cur_desktop.ui.main_window import MainWindow


async def _type(profile: Path, incident_id: str, text: str) -> None:
    ws = await Workstation.open(profile)
    window = MainWindow()
    info = SessionInfo(
        login="ivanova", role=None, region_code="RU-TUL", server_url=None, can_sync=False
    )
    window.attach(ws, info)
    window.open_incident(incident_id)
    while not window.card.editor.isEnabled():
        await asyncio.sleep(0.02)
    print("ready", time.monotonic(), flush=True)
    for count, char in enumerate(text, start=1):
        window.card.editor.text.insertPlainText(char)
        print("typed", count, time.monotonic(), flush=True)
        await asyncio.sleep(0.05)
    await asyncio.sleep(3600)


def main() -> None:
    profile, incident_id, text = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = QApplication(sys.argv[:1])
    loop = GuiEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_type(profile, incident_id, text))


if __name__ == "__main__":
    main()
