"""Child process of tests/ui/test_tray_xvfb.py: the real tray notification on an X display.

Run as ``python -m tests.ui.tray_child WORK_DIR`` with ``DISPLAY`` set to an X server where a
tray host owns ``_NET_SYSTEM_TRAY_S0`` and ``QT_QPA_PLATFORM=xcb``. It builds the real
:class:`DeadlineNotifier` (``use_tray=None``: Qt decides) over a real store where one incident
of ivanova enters its warning band, runs a check before the band, one in it and one after, and
writes what it saw to ``WORK_DIR/facts.json`` for the test to judge (a screenshot of the
balloon goes to ``WORK_DIR/balloon.png`` when ImageMagick's ``import`` exists). Nothing is
asserted here: the test reads the facts, so a failure names what went wrong.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon, QWidget

from cur_desktop.services.deadline_notices import DeadlineNotices
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.deadline_notifier import DeadlineNotifier
from cur_desktop.ui.i18n import install_translations
from tests.ui.conftest import run_qt
from tests.ui.test_inbox_marks import _profile, put_in_warning_band

AUTHOR = "Анна Смирнова"
TEXT = "Не  вывезли\nмусор во дворе дома 5"
TRAY_WAIT_S = 15.0
BALLOON_WAIT_S = 10.0


def _balloons(app: QApplication) -> list[QWidget]:
    """Qt's own balloon widgets (class ``QBalloonTip``) that are visible now."""
    return [
        w
        for w in app.topLevelWidgets()
        if w.metaObject().className() == "QBalloonTip" and w.isVisible()
    ]


async def _spin(seconds: float, until: Any = None) -> None:
    """Let Qt work for up to ``seconds`` (less if ``until()`` turns true)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until is not None and until()):
        await asyncio.sleep(0.05)


def main(work: Path) -> None:
    app = QApplication([sys.argv[0]])
    QCoreApplication.setOrganizationName("cur-desktop-tests")
    QCoreApplication.setApplicationName("cur-desktop-tests")
    app.setQuitOnLastWindowClosed(False)
    translators = install_translations(app)
    facts: dict[str, Any] = {"platform": app.platformName()}

    # The tray host may take a moment to own its selection: Qt follows it as it changes.
    deadline = time.monotonic() + TRAY_WAIT_S
    while not QSystemTrayIcon.isSystemTrayAvailable() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    facts["tray_available"] = QSystemTrayIcon.isSystemTrayAvailable()

    profile, rows = _profile(work)
    incident = rows[0]["id"]
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE incident SET author = ?, text = ? WHERE id = ?", (AUTHOR, TEXT, incident)
        )
    engine.dispose()
    warn = put_in_warning_band(profile, incident)
    clock = [warn - timedelta(minutes=5)]

    async def body() -> None:
        ws = await Workstation.open(profile)
        holder = QWidget()
        try:
            notifier = DeadlineNotifier(
                DeadlineNotices(ws, "ivanova"), lambda: clock[0], holder, use_tray=None
            )
            facts["chose_tray"] = notifier.tray is not None
            facts["tray_visible"] = notifier.tray is not None and notifier.tray.isVisible()
            notified: list[list[str]] = []
            status: list[str] = []
            shown: list[list[str]] = []
            notifier.notified.connect(lambda title, text: notified.append([title, text]))
            notifier.status_message.connect(status.append)
            if notifier.tray is not None:
                real_show = notifier.tray.showMessage

                def spy(title: str, text: str, *args: Any) -> None:
                    shown.append([title, text])
                    real_show(title, text, *args)

                notifier.tray.showMessage = spy  # type: ignore[method-assign, assignment]
            await _spin(1.0)  # the tray icon docks in the host

            facts["before_band"] = len(await notifier.check())
            await _spin(0.5)
            facts["balloons_before_band"] = len(_balloons(app))

            clock[0] = warn + timedelta(minutes=1)
            first = await notifier.check()
            facts["in_band_ids"] = [w.incident_id for w in first]
            facts["expected_id"] = incident
            await _spin(BALLOON_WAIT_S, lambda: _balloons(app))
            await _spin(0.5)  # painted before the screenshot
            balloons = _balloons(app)
            facts["balloons"] = [
                {
                    "labels": [label.text() for label in b.findChildren(QLabel) if label.text()],
                    "geometry": [b.x(), b.y(), b.width(), b.height()],
                }
                for b in balloons
            ]
            if shutil.which("import") and balloons:
                shot = work / "balloon.png"
                subprocess.run(["import", "-window", "root", str(shot)], check=True, timeout=60)
                facts["screenshot"] = str(shot)
            for b in balloons:
                b.close()  # so that a second balloon would show as a new visible one
            await _spin(0.2)

            clock[0] = warn + timedelta(minutes=2)
            facts["second_check"] = len(await notifier.check())
            await _spin(1.5)
            facts["balloons_after_second_check"] = len(_balloons(app))
            facts["notified"] = notified
            facts["status_messages"] = status
            facts["show_message_calls"] = shown
            notifier.stop()
        finally:
            await ws.close()
            holder.deleteLater()
            await _spin(0.1)

    run_qt(app, body)
    for translator in translators:
        app.removeTranslator(translator)
    (work / "facts.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(facts, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
