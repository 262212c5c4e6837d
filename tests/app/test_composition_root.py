"""The composition root: the workstation is built once on a qasync loop and closed once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cur_desktop import app
from cur_desktop.services import Workstation
from cur_desktop.storage.inbox import InboxFilter


@pytest.mark.ui
def test_the_window_gets_a_workstation_on_the_qt_loop_and_it_is_closed_after(
    tmp_path: Path,
) -> None:
    seen: list[Workstation] = []
    loops: list[str] = []

    async def show(station: Workstation) -> int:
        seen.append(station)
        loops.append(type(asyncio.get_running_loop()).__module__)
        assert await station.inbox_count(InboxFilter()) == 0  # the store is open and migrated
        return 7

    assert app.run_window(tmp_path / "profile", show, argv=["cur-desktop"]) == 7
    (station,) = seen
    assert loops == ["cur_desktop.ui.event_loop"]  # qasync's loop without Qt off the GUI thread
    assert station._closed
    assert (tmp_path / "profile" / "local.sqlite3").exists()


def test_headless_commands_never_load_qt(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from cur_desktop import cli; "
        f"rc = cli.main(['status', '--profile', {str(tmp_path / 'p')!r}]); "
        "assert not any(m.startswith(('PySide6', 'qasync', 'pyqtgraph')) for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith(('PySide6', 'qasync'))); "
        "sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ожидают отправки: 0" in done.stdout
