"""Fixtures of the window tests: a qasync loop per test, private QSettings, real stores.

Window code schedules its reads with asyncio on the Qt thread (qasync), so each test body that
drives the window runs as a coroutine inside a fresh ``GuiEventLoop`` (qasync's loop with a
Qt-free ``call_soon_threadsafe``, as the program uses; :func:`run_qt`), and
waits with :func:`until` (which keeps both Qt and asyncio turning).
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine

from cur_desktop.services.window_reads import WindowReads
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui import format as fmt
from cur_desktop.ui.event_loop import GuiEventLoop
from cur_desktop.ui.i18n import install_translations
from tests.helpers.row_factories import make_row

T = TypeVar("T")


def run_qt(qapp: QApplication, make: Callable[[], Awaitable[T]]) -> T:
    """Run ``make()`` to completion on a qasync loop over ``qapp``."""
    loop = GuiEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(make())
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


async def until(
    predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition"
) -> None:
    """Turn the loop until ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    """As in the program (ui/gui_collector.py): cyclic garbage of a window test, Qt objects
    included, is freed here on the GUI thread, never by a collection a reader thread starts."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path, qapp: QApplication) -> Iterator[None]:
    """QSettings of each test live in its own folder; Russian interface installed; no region's
    time zone left by an earlier test's window."""
    QCoreApplication.setOrganizationName("cur-desktop-tests")
    QCoreApplication.setApplicationName("cur-desktop-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    qapp.setQuitOnLastWindowClosed(False)  # closing a test's window must not stop the loop
    translators = install_translations(qapp)
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    fmt.set_region_zone(None)  # a window's region does not follow into the next test


@pytest.fixture(autouse=True)
def _collect_left_widgets() -> Iterator[None]:
    """Collect what a test left for the cyclic collector (closed windows, their timers) here,
    on the GUI thread: left alone, a later test's worker thread may run the collection, and Qt
    then destroys those timers from the wrong thread (a warning, or a crash)."""
    yield
    gc.collect()


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set this process's own time zone (``TZ``, the computer's clock) for the test."""

    def set_zone(key: str) -> None:
        monkeypatch.setenv("TZ", key)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def store_rows() -> list[dict[str, Any]]:
    """400 deterministic incidents of RU-TUL (the storage tests' factory)."""
    rng = random.Random(7)
    return [make_row(rng) for _ in range(400)]


@pytest.fixture
def local_store(tmp_path: Path, store_rows: list[dict[str, Any]]) -> Iterator[Engine]:
    """A real migrated local store file (a profile's) filled with ``store_rows``."""
    profile = tmp_path / "profile"
    profile.mkdir()
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        bulk_insert_incidents(conn, store_rows)
    yield engine
    engine.dispose()


@pytest.fixture
def profile_dir(local_store: Engine, tmp_path: Path) -> Path:
    """The profile directory holding ``local_store`` (not bound to any server)."""
    return tmp_path / "profile"


async def open_reads(profile: Path) -> tuple[Workstation, WindowReads]:
    """A workstation over ``profile`` and the window's reads on it (close the workstation)."""
    station = await Workstation.open(profile)
    return station, WindowReads(station, "RU-TUL")
