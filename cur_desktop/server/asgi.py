"""The application factory of ``cur-server serve --workers N`` (one call per worker process).

uvicorn starts each worker in a fresh process and builds the application by import string, so
the settings travel in the environment: ``CUR_SERVER_DB_URL`` (the database) and
``CUR_SERVER_MIN_CLIENT_PROTOCOL`` (see :mod:`cur_desktop.server.protocol`) and
``CUR_SERVER_DATA_DIR`` (evidence files), set by
``cur-server serve`` before it starts the workers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI

from cur_desktop.contract.protocol import MIN_CLIENT_PROTOCOL
from cur_desktop.server.db import Database
from cur_desktop.server.evidence_store import DATA_DIR_ENV
from cur_desktop.server.settings import ServerSettings
from cur_desktop.server.web_app import create_app
from cur_desktop.startup_heap import freeze_startup_heap

DB_URL_ENV = "CUR_SERVER_DB_URL"
MIN_CLIENT_ENV = "CUR_SERVER_MIN_CLIENT_PROTOCOL"


def app_from_environment() -> FastAPI:
    """Open the database named in the environment and build the application on it."""
    # A worker is a fresh process: log like the parent (``cur-server`` configures its own).
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db = Database(os.environ[DB_URL_ENV])
    minimum = int(os.environ.get(MIN_CLIENT_ENV, MIN_CLIENT_PROTOCOL))
    data_dir = os.environ.get(DATA_DIR_ENV)
    settings = ServerSettings(data_dir=Path(data_dir) if data_dir else None)
    app = create_app(db, settings, min_client_protocol=minimum)
    freeze_startup_heap()
    return app
