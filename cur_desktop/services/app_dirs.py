"""Where the workstation keeps its files: platformdirs' per-user directories.

* data: ``user_data_dir("cur-desktop")`` — the default profile (``profile/``, with the store,
  its ``backups/`` and the token file) and the demo folders;
* settings: ``user_config_dir("cur-desktop")`` — the window's ``cur-desktop.ini`` (QSettings in
  INI format, on Windows too, instead of the registry: one file IT can copy or delete);
* logs: ``user_log_dir("cur-desktop")`` — ``cur-desktop.log`` rotated (1 MiB × 5) and the
  ``crash-*.txt`` reports of unexpected errors.

On Linux these follow the XDG variables (``~/.local/share``, ``~/.config``, ``~/.local/state``),
on Windows ``%LOCALAPPDATA%\\cur-desktop\\...``.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from cur_desktop.sync.profile import APP_NAME

LOG_FILE_NAME = "cur-desktop.log"
LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUPS = 5
_HANDLER_NAME = "cur-desktop-file"


def data_dir() -> Path:
    """The per-user data directory (profiles, demo)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The per-user settings directory."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The per-user log directory (logs and crash reports)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def install_file_log(level: int = logging.INFO, folder: Path | None = None) -> Path:
    """Log to ``cur-desktop.log`` in the log directory, rotated; return its path. Idempotent."""
    path = (folder or log_dir()) / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME and isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.set_name(_HANDLER_NAME)
    handler.setLevel(level)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


__all__ = ["config_dir", "data_dir", "install_file_log", "log_dir"]
