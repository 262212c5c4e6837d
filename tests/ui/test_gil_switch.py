"""The window's process shares the interpreter lock with the GUI thread every 1 ms."""

from __future__ import annotations

import sys

from cur_desktop.ui.gil_switch import GUI_SWITCH_INTERVAL_S, share_interpreter_with_gui


def test_the_switch_interval_is_one_millisecond_and_the_old_one_is_returned() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        assert share_interpreter_with_gui() == 0.005
        assert GUI_SWITCH_INTERVAL_S == 0.001
        assert abs(sys.getswitchinterval() - 0.001) < 1e-9
    finally:
        sys.setswitchinterval(before)
