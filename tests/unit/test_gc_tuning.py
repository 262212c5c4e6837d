"""The start-up heap freeze (once per process, done by ``main``); a pull's GIL switch interval."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator

import pytest

from cur_desktop import cli, startup_heap
from cur_desktop.sync import gc_tuning
from cur_desktop.sync.syncer import SyncEngine


@pytest.fixture
def thawed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process state as before start-up: nothing frozen, the once-flag down."""
    gc.unfreeze()
    monkeypatch.setattr(startup_heap, "_frozen", False)


@pytest.mark.usefixtures("thawed")
def test_first_call_freezes_the_heap_and_later_calls_leave_it_alone() -> None:
    assert gc.get_freeze_count() == 0
    assert startup_heap.freeze_startup_heap() is True
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert startup_heap.freeze_startup_heap() is False
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("thawed")
def test_command_line_main_freezes_the_start_up_heap(capsys: pytest.CaptureFixture[str]) -> None:
    # no command opens the window; --headless without a command prints the help, after start-up
    assert cli.main(["--headless"]) == cli.EXIT_OK
    assert "cur-desktop" in capsys.readouterr().out
    assert gc.get_freeze_count() > 0
    assert startup_heap.freeze_startup_heap() is False


@pytest.fixture
def default_switch() -> Iterator[None]:
    """CPython's default switch interval (5 ms) during the test (the window sets 1 ms)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.usefixtures("default_switch")
def test_switch_interval_is_short_during_a_block_and_restored_after_the_last() -> None:
    before = sys.getswitchinterval()
    assert before == pytest.approx(0.005)
    with gc_tuning.short_switch_interval(0.001):
        assert sys.getswitchinterval() == pytest.approx(0.001)
        with gc_tuning.short_switch_interval(0.001):  # a second pull at the same time
            assert sys.getswitchinterval() == pytest.approx(0.001)
        assert sys.getswitchinterval() == pytest.approx(0.001)  # the first still runs
    assert sys.getswitchinterval() == before
    with gc_tuning.short_switch_interval(0.01):  # never made longer
        assert sys.getswitchinterval() == before
    assert sys.getswitchinterval() == before


@pytest.mark.usefixtures("default_switch")
def test_a_pull_runs_with_the_short_switch_interval() -> None:
    seen: list[float] = []

    young: list[int] = []
    threshold = gc.get_threshold()
    assert threshold[0] < gc_tuning.PULL_YOUNG_THRESHOLD

    class Probe:
        async def _pull(self) -> int:
            seen.append(sys.getswitchinterval())
            young.append(gc.get_threshold()[0])
            return 7

    assert asyncio.run(SyncEngine.pull(Probe())) == 7  # type: ignore[arg-type]
    assert seen == [pytest.approx(gc_tuning.PULL_SWITCH_INTERVAL)]
    assert young == [gc_tuning.PULL_YOUNG_THRESHOLD]
    assert sys.getswitchinterval() == pytest.approx(0.005)
    assert gc.get_threshold() == threshold


def test_young_generation_is_larger_during_a_block_and_restored_after_the_last() -> None:
    before = gc.get_threshold()
    with gc_tuning.larger_young_generation(5_000):
        assert gc.get_threshold() == (5_000, *before[1:])
        with gc_tuning.larger_young_generation(5_000):
            pass
        assert gc.get_threshold() == (5_000, *before[1:])
    assert gc.get_threshold() == before
    with gc_tuning.larger_young_generation(10):  # never made smaller
        assert gc.get_threshold() == before
