"""Desktop care in the window: the crash dialog saves the draft, the About dialog, one window
per profile (two real processes), SIGTERM closes cleanly.

The crash test types into the editor with its autosave timers pushed far out, so the only way
the draft can reach the store is the crash handler's flush.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from cur_desktop import __version__
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.about_dialog import AboutDialog
from cur_desktop.ui.application import WindowSession
from cur_desktop.ui.crash_dialog import install_crash_handler
from cur_desktop.ui.task_errors import report_failure
from tests.helpers.stores import profile_with_one_new_incident
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
TYPED = "Анна, здравствуйте! Яму заделают до пятницы."


def _profile(tmp_path: Path) -> tuple[Path, str]:
    profile = tmp_path / "profile"
    return profile, profile_with_one_new_incident(profile)


def _info() -> SessionInfo:
    return SessionInfo(
        login="ivanova", role=None, region_code="RU-TUL", server_url=None, can_sync=False
    )


@pytest.mark.allow_error_log
def test_an_unexpected_error_saves_the_draft_writes_a_report_and_tells_in_russian(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, incident_id = _profile(tmp_path)
    reports = tmp_path / "log"
    previous_hook = sys.excepthook

    async def body() -> None:
        session = WindowSession(data_dir=profile, log_dir=reports)
        qtbot.addWidget(session.window)
        ws = await Workstation.open(profile)
        handler = install_crash_handler(
            reports, lambda: session.window, session.window.card.editor.flush_draft
        )
        try:
            assert sys.excepthook is handler
            session.window.attach(ws, _info())
            session.window.open_incident(incident_id)
            editor = session.window.card.editor
            await until(editor.isEnabled, what="editor")
            editor._idle.setInterval(600_000)  # autosave out of the way: only the crash saves
            editor._max.setInterval(600_000)
            editor.text.insertPlainText(TYPED)
            assert await ws.draft(incident_id) is None
            try:
                raise ZeroDivisionError("сбой в обработчике")
            except ZeroDivisionError as exc:
                sys.excepthook(type(exc), exc, exc.__traceback__)

            report = handler.last_report
            assert report is not None
            assert report.parent == reports
            text = report.read_text(encoding="utf-8")
            assert f"cur-desktop {__version__}" in text
            assert "ZeroDivisionError: сбой в обработчике" in text
            assert "Traceback" in text
            box = handler.last_dialog
            assert isinstance(box, QMessageBox)
            assert box.isVisible()
            assert box.windowTitle() == "Непредвиденная ошибка"
            assert "Черновик ответа сохранён" in box.text()
            assert str(report) in box.informativeText()
            assert not editor._idle.isActive()  # the handler flushed: nothing pending
            draft = None
            for _ in range(200):  # the save runs on the loop while the dialog is up
                draft = await ws.draft(incident_id)
                if draft is not None:
                    break
                await asyncio.sleep(0.05)
            assert draft is not None
            assert draft.text == TYPED
            box.close()
        finally:
            sys.excepthook = previous_hook
            session.window.close()
            await ws.close()

    run_qt(qapp, body)


def _crash_dialogs(qapp: QApplication) -> list[QMessageBox]:
    return [
        w
        for w in qapp.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "crashDialog" and w.isVisible()
    ]


@pytest.mark.allow_error_log
def test_a_failing_task_shows_the_crash_dialog_once_and_a_cancelled_task_none(
    qapp: QApplication, tmp_path: Path
) -> None:
    """The loop's exception handler is the crash handler's: a task that raises (read by a done
    callback, or never read at all) shows the dialog naming the error; errors while it is up
    are counted in it, not shown in new dialogs; a cancelled task shows nothing."""
    reports = tmp_path / "log"
    previous_hook = sys.excepthook

    async def fail(exc: Exception) -> None:
        await asyncio.sleep(0)
        raise exc

    async def body() -> None:
        loop = asyncio.get_running_loop()
        saved: list[int] = []
        handler = install_crash_handler(reports, lambda: None, lambda: saved.append(1), loop)
        try:
            # cancelled: the window's done callback and asyncio's own report stay quiet
            sleeper = asyncio.ensure_future(asyncio.sleep(60))
            sleeper.add_done_callback(report_failure)
            await asyncio.sleep(0)
            sleeper.cancel()
            await asyncio.gather(sleeper, return_exceptions=True)
            handler.on_loop_exception(
                loop, {"message": "cancelled", "exception": asyncio.CancelledError()}
            )
            await asyncio.sleep(0.05)
            assert handler.last_dialog is None
            assert _crash_dialogs(qapp) == []
            assert not reports.exists()

            # a task that raises, read by a done callback as the window's spawn does
            task = asyncio.ensure_future(fail(ZeroDivisionError("сбой в задаче")))
            task.add_done_callback(report_failure)
            await until(lambda: handler.last_dialog is not None, what="crash dialog")
            box = handler.last_dialog
            assert isinstance(box, QMessageBox)
            assert box.isVisible()
            assert box.windowTitle() == "Непредвиденная ошибка"
            assert "Ошибка: ZeroDivisionError: сбой в задаче" in box.informativeText()
            assert handler.last_report is not None
            assert "ZeroDivisionError: сбой в задаче" in handler.last_report.read_text("utf-8")
            assert saved == [1]  # the draft was saved first

            # two more while it is up: one read by a callback, one nobody reads (asyncio
            # reports it when the task is freed): counted in the same dialog
            second = asyncio.ensure_future(fail(KeyError("второй")))
            second.add_done_callback(report_failure)
            asyncio.ensure_future(fail(ValueError("третий")))  # noqa: RUF006 (nobody reads it)
            await asyncio.sleep(0.05)
            gc.collect()
            await until(lambda: handler.further == 2, what="two more errors counted")
            assert _crash_dialogs(qapp) == [box]
            assert "Ещё ошибок с тех пор: 2" in box.informativeText()
            assert len(list(reports.glob("crash-*.txt"))) == 1

            # once it is closed, the next error opens a new dialog with its own report
            box.close()
            assert not handler.dialog_open
            task = asyncio.ensure_future(fail(RuntimeError("после закрытия")))
            task.add_done_callback(report_failure)
            await until(lambda: handler.last_dialog is not box, what="a new crash dialog")
            new_box = handler.last_dialog
            assert new_box is not None
            assert "RuntimeError: после закрытия" in new_box.informativeText()
            assert "Ещё ошибок" not in new_box.informativeText()
            assert _crash_dialogs(qapp) == [new_box]
            new_box.close()
        finally:
            sys.excepthook = previous_hook
            loop.set_exception_handler(None)
            for dialog in _crash_dialogs(qapp):
                dialog.close()

    run_qt(qapp, body)


def test_about_shows_version_data_and_log_directories(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    async def body() -> None:
        session = WindowSession(data_dir=tmp_path / "данные", log_dir=tmp_path / "журналы")
        qtbot.addWidget(session.window)
        try:
            menu_texts = [a.text() for a in session.window.menuBar().actions()]
            assert menu_texts == ["&Инцидент", "&Справка"]
            session.about_action.trigger()
            dialog = session.window.findChild(AboutDialog)
            assert isinstance(dialog, AboutDialog)
            assert dialog.isVisible()
            text = dialog.text.text()
            assert dialog.windowTitle() == "О программе"
            assert __version__ in text
            assert str(tmp_path / "данные") in text
            assert str(tmp_path / "журналы") in text
            assert "Каталог данных" in text
            dialog.grab().save(str(tmp_path / "about.png"))
            dialog.close()
        finally:
            session.window.close()

    run_qt(qapp, body)


def _start(profile: Path, tmp_path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONUNBUFFERED": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cur_desktop", "--profile", str(profile)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow  # three real program starts
def test_a_second_start_raises_the_first_window_and_sigterm_closes_cleanly(
    tmp_path: Path,
) -> None:
    profile, _ = _profile(tmp_path)
    file_log = tmp_path / "state" / "cur-desktop" / "log" / "cur-desktop.log"
    first = _start(profile, tmp_path, tmp_path / "first.out")
    try:
        # the first start copied the store before opening it, and now waits at sign-in
        _wait_for((profile / "backups").is_dir, 60, "the backup on start")
        _wait_for(
            lambda: file_log.exists() and "started; log" in file_log.read_text("utf-8"),
            60,
            "the first window",
        )
        second = subprocess.run(
            [sys.executable, "-m", "cur_desktop", "--profile", str(profile)],
            cwd=ROOT,
            env={
                **os.environ,
                "QT_QPA_PLATFORM": "offscreen",
                "XDG_STATE_HOME": str(tmp_path / "state2"),
                "XDG_CONFIG_HOME": str(tmp_path / "config2"),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second.returncode == 0, second.stderr
        assert "уже запущена" in second.stdout
        _wait_for(
            lambda: "asked to raise the window" in file_log.read_text("utf-8"), 30, "the raise"
        )
        assert first.poll() is None  # the first one goes on
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
    out = (tmp_path / "first.out").read_text("utf-8", errors="replace")
    assert "Traceback" not in out, out[-3000:]
    assert len(list((profile / "backups").glob("local-*.sqlite3"))) == 1
    # settings went to the config directory as an INI file
    assert (tmp_path / "config" / "cur-desktop" / "cur-desktop.ini").exists()
