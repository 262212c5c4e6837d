"""Cyclic garbage is collected on the GUI thread only (ui/gui_collector.py)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest
from PySide6.QtWidgets import QApplication

from cur_desktop.ui.gui_collector import GuiThreadCollector

pytestmark = pytest.mark.ui


class _Cycle:
    """An object in a reference cycle that records the thread it is finalised on."""

    finalised_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.finalised_on.append(threading.current_thread().name)


@pytest.fixture
def collector(qapp: QApplication) -> Iterator[GuiThreadCollector]:
    collector = GuiThreadCollector(qapp, interval_ms=60_000)  # checks only when the test asks
    yield collector
    collector.stop()
    collector.deleteLater()


def test_a_thread_that_allocates_never_collects_the_gui_thread_does(
    collector: GuiThreadCollector,
) -> None:
    _Cycle.finalised_on.clear()
    gc.collect()

    kept: list[list[int]] = []

    def worker() -> None:
        for _ in range(100):
            _Cycle()
        kept.extend([i] for i in range(5_000))  # live containers: past gen 0's threshold

    thread = threading.Thread(target=worker, name="reader")
    thread.start()
    thread.join()
    assert not gc.isenabled()
    assert _Cycle.finalised_on == []  # nobody collected on the reader thread
    for _ in range(3):
        collector.check()
    gc.collect()  # what stop() does at the end, on this thread
    assert len(_Cycle.finalised_on) == 100
    assert set(_Cycle.finalised_on) == {threading.current_thread().name}
    assert collector.passes >= 1
    assert len(kept) == 5_000


def test_stop_gives_collection_back(qapp: QApplication) -> None:
    enabled_before = gc.isenabled()
    collector = GuiThreadCollector(qapp)
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled() == enabled_before
    collector.deleteLater()
