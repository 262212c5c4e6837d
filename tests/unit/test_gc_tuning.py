"""The start-up heap freeze: once per process, and done by the command line's ``main``."""

from __future__ import annotations

import gc

import pytest

from cur_desktop import cli
from cur_desktop.sync import gc_tuning


@pytest.fixture
def thawed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process state as before start-up: nothing frozen, the once-flag down."""
    gc.unfreeze()
    monkeypatch.setattr(gc_tuning, "_frozen", False)


@pytest.mark.usefixtures("thawed")
def test_first_call_freezes_the_heap_and_later_calls_leave_it_alone() -> None:
    assert gc.get_freeze_count() == 0
    assert gc_tuning.freeze_startup_heap() is True
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert gc_tuning.freeze_startup_heap() is False
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("thawed")
def test_command_line_main_freezes_the_start_up_heap(capsys: pytest.CaptureFixture[str]) -> None:
    # no command opens the window; --headless without a command prints the help, after start-up
    assert cli.main(["--headless"]) == cli.EXIT_OK
    assert "cur-desktop" in capsys.readouterr().out
    assert gc.get_freeze_count() > 0
    assert gc_tuning.freeze_startup_heap() is False
