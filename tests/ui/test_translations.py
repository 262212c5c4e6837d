"""The Russian translation is complete and the shipped .qm is built from it.

``pyside6-lupdate`` extracts every ``tr()`` / ``QCoreApplication.translate`` string of ``ui/``
into a fresh .ts; every one must have a finished Russian translation in the committed
``resources/translations/cur_desktop_ru.ts``. A new string without translation fails here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

from cur_desktop.reference.paths import resource_path

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "cur_desktop_ru.ts"


def _messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    found: dict[tuple[str, str], ET.Element] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def _lupdate() -> Path:
    tool = Path(sys.executable).with_name("pyside6-lupdate")
    if tool.exists():
        return tool
    found = shutil.which("pyside6-lupdate")
    assert found, "pyside6-lupdate ships with PySide6-Essentials"
    return Path(found)


def test_every_interface_string_has_a_russian_translation(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "cur_desktop" / "ui").glob("*.py"))
    subprocess.run(
        [str(_lupdate()), "-locations", "none", *sources, "-ts", str(fresh)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    wanted = _messages(fresh)
    assert len(wanted) > 100
    committed = _messages(TS)
    missing = []
    for key in wanted:
        message = committed.get(key)
        translation = None if message is None else message.find("translation")
        if (
            translation is None
            or not (translation.text or "").strip()
            or translation.get("type") in ("unfinished", "obsolete", "vanished")
        ):
            missing.append(f"{key[0]}: {key[1]!r}")
    assert not missing, "untranslated strings (run scripts/build-translations.sh):\n" + "\n".join(
        missing
    )


def test_shipped_qm_translates_the_interface(qapp: QApplication) -> None:
    translator = QTranslator()
    assert translator.load(str(resource_path("translations", "cur_desktop_ru.qm")))
    qapp.installTranslator(translator)
    try:
        assert QCoreApplication.translate("MainWindow", "Inbox") == "Входящие"
        assert QCoreApplication.translate("Labels", "Overdue") == "Просрочены"
        assert QCoreApplication.translate("Format", "%1 h %2 min") == "%1 ч %2 мин"
    finally:
        qapp.removeTranslator(translator)
