"""Guard against a binding defect that kills the program after hours: PySide6 6.12.0 lost one
reference to ``None`` on every call that returns nothing (``setText``, ``setData`` …); on
Python < 3.12, where ``None`` is a counted object, the process then aborts with "none_dealloc"
(the Сроки board and the statistics benchmark did). pyproject.toml keeps 6.12 out; this test
fails on any release that brings the defect back."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QApplication, QLabel

pytestmark = pytest.mark.ui


def test_qt_setters_keep_the_reference_count_of_none(qapp: QApplication) -> None:
    label = QLabel()
    before = sys.getrefcount(None)
    for i in range(1_000):
        label.setText(str(i))
        label.setToolTip("")
    after = sys.getrefcount(None)
    label.deleteLater()
    # other threads may take or drop a few references meanwhile; a leak loses 2,000
    assert after - before > -100
