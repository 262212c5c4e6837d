#!/usr/bin/env bash
# Refresh the Russian translation source from the code (pyside6-lupdate, keeps existing
# translations, marks vanished strings obsolete) and build the shipped .qm (pyside6-lrelease).
# Both tools ship with PySide6-Essentials. Run after changing a user-visible string, translate
# the new entries in resources/translations/cur_desktop_ru.ts (Qt Linguist: pyside6-linguist),
# run again, commit the .ts and the .qm. tests/ui/test_translations.py fails on any untranslated
# string.
set -euo pipefail
cd "$(dirname "$0")/.."
ts=resources/translations/cur_desktop_ru.ts
qm=resources/translations/cur_desktop_ru.qm
mkdir -p resources/translations
.venv/bin/pyside6-lupdate -no-obsolete -locations none -source-language en -target-language ru \
  cur_desktop/ui/*.py -ts "$ts"
.venv/bin/pyside6-lrelease "$ts" -qm "$qm"
