"""Loading the interface language: the project's .qm, Qt's own strings, the Russian locale.

Source strings are English (``tr()`` / ``QCoreApplication.translate``); the Russian translation
lives in ``resources/translations/cur_desktop_ru.ts`` and is built into ``cur_desktop_ru.qm`` by
``scripts/build-translations.sh``. Russian is the default; ``CUR_DESKTOP_LANG=en`` shows the
English source strings (for developers).
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from cur_desktop.reference.paths import resource_path

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "ru"
QM_NAME = "cur_desktop_{lang}.qm"


def interface_language() -> str:
    """The language to show: ``CUR_DESKTOP_LANG`` or Russian."""
    return os.environ.get("CUR_DESKTOP_LANG", DEFAULT_LANGUAGE).strip().lower() or "ru"


def install_translations(app: QCoreApplication) -> list[QTranslator]:
    """Install the translators of the interface language; return them (keep them alive)."""
    lang = interface_language()
    if lang == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
        return []
    QLocale.setDefault(QLocale(QLocale.Language.Russian, QLocale.Country.Russia))
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_translator = QTranslator(app)
    if qt_translator.load(f"qtbase_{lang}", qt_dir):
        app.installTranslator(qt_translator)
        installed.append(qt_translator)
    own = QTranslator(app)
    try:
        path = resource_path("translations", QM_NAME.format(lang=lang))
    except FileNotFoundError:
        log.warning("no translation for %s; English strings shown", lang)
        return installed
    if own.load(str(path)):
        app.installTranslator(own)
        installed.append(own)
    else:
        log.warning("translation %s could not be loaded; English strings shown", path)
    return installed


__all__ = ["install_translations", "interface_language"]
