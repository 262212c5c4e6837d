"""Command line of the central server (``cur-server``): init, add-user, serve, seed-demo, compact.

Every command takes ``--db URL`` (SQLite ``sqlite:///path`` or ``postgresql+psycopg://...``);
the default is a SQLite file in the user data directory.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from cur_desktop.contract.protocol import MIN_CLIENT_PROTOCOL
from cur_desktop.domain.enums import Role
from cur_desktop.server import auth
from cur_desktop.server.asgi import DB_URL_ENV, MIN_CLIENT_ENV
from cur_desktop.server.db import Database, compact, default_db_url
from cur_desktop.server.evidence_store import DATA_DIR_ENV
from cur_desktop.server.migrate import upgrade
from cur_desktop.server.settings import ServerSettings, utc_now
from cur_desktop.server.web_app import create_app

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``cur-server``."""
    parser = argparse.ArgumentParser(prog="cur-server", description="Центральный сервер ЦУР.")
    parser.add_argument("-v", "--verbose", action="store_true", help="подробный журнал")
    commands = parser.add_subparsers(dest="command", required=True, metavar="КОМАНДА")

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--db",
            default=None,
            help="адрес базы данных (по умолчанию файл SQLite в каталоге данных пользователя)",
        )
        return sub

    with_db(commands.add_parser("init", help="создать или обновить схему базы данных"))
    add_user = with_db(commands.add_parser("add-user", help="добавить пользователя"))
    add_user.add_argument("--login", required=True)
    add_user.add_argument("--role", required=True, choices=[r.value for r in Role])
    add_user.add_argument("--region", default=None, help="код региона, например RU-TUL")
    add_user.add_argument(
        "--password-stdin", action="store_true", required=True, help="прочитать пароль из stdin"
    )
    serve = with_db(commands.add_parser("serve", help="запустить HTTP-сервер"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="число процессов сервера (больше одного — только с PostgreSQL)",
    )
    serve.add_argument(
        "--min-client-protocol",
        type=int,
        default=MIN_CLIENT_PROTOCOL,
        help="самая старая версия протокола клиентов, которую сервер ещё обслуживает",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="каталог файлов-вложений (по умолчанию рядом с файлом SQLite)",
    )
    seed = with_db(commands.add_parser("seed-demo", help="заполнить демонстрационными данными"))
    seed.add_argument("--regions", type=int, default=3, help="сколько регионов (1–7)")
    seed.add_argument("--days", type=int, default=14, help="сколько дней истории")
    seed.add_argument("--per-day", type=int, default=20, help="инцидентов в день на регион")
    seed.add_argument(
        "--password",
        default=None,
        help="один пароль для всех новых пользователей (иначе случайные)",
    )
    with_db(commands.add_parser("compact", help="сдвинуть горизонт журнала к текущему seq"))
    return parser


def _open(url: str | None) -> Database:
    return Database(url or default_db_url())


def _init(db: Database) -> int:
    upgrade(db.engine)
    print(f"База данных готова: {db.engine.url.render_as_string(hide_password=True)}")
    return 0


def _add_user(db: Database, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with db.write() as session:
            auth.add_user(
                session,
                login=args.login,
                password=password,
                role=Role(args.role),
                region_code=args.region,
                now=utc_now(),
            )
    except auth.UserError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 1
    print(f"Пользователь {args.login} создан")
    return 0


def _serve(db: Database, args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("--workers: нужно целое число ≥ 1", file=sys.stderr)
        return 2
    if args.workers > 1:
        if not db.is_postgres:
            print(
                "SQLite обслуживается одним процессом: --workers больше 1 — только с PostgreSQL "
                "(уведомления между процессами идут через LISTEN/NOTIFY).",
                file=sys.stderr,
            )
            return 2
        # Each worker is a new process that builds the application from the environment.
        os.environ[DB_URL_ENV] = db.engine.url.render_as_string(hide_password=False)
        os.environ[MIN_CLIENT_ENV] = str(args.min_client_protocol)
        if args.data_dir is not None:
            os.environ[DATA_DIR_ENV] = str(args.data_dir.resolve())
        db.dispose()
        uvicorn.run(
            "cur_desktop.server.asgi:app_from_environment",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level="info",
            timeout_graceful_shutdown=3,
        )
        return 0
    settings = ServerSettings(data_dir=args.data_dir)
    app = create_app(db, settings, min_client_protocol=args.min_client_protocol)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        timeout_graceful_shutdown=3,
    )
    return 0


def _seed(db: Database, args: argparse.Namespace) -> int:
    try:
        # demo data generation needs Faker: the [demo] extra, not part of a server install
        from cur_desktop.server.seed import seed_demo  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        print(
            f"Для демонстрационных данных нужен пакет {exc.name}: "
            "установите «cur-desktop[server,demo]».",
            file=sys.stderr,
        )
        return 1
    report = seed_demo(
        db,
        regions=args.regions,
        days=args.days,
        per_day=args.per_day,
        password=args.password,
    )
    print(report.render())
    return 0


def _compact(db: Database) -> int:
    with db.write() as session:
        horizon = compact(session)
    print(f"Горизонт журнала: {horizon}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-server``; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    db = _open(args.db)
    try:
        if args.command == "init":
            return _init(db)
        if args.command == "add-user":
            return _add_user(db, args)
        if args.command == "serve":
            return _serve(db, args)
        if args.command == "seed-demo":
            return _seed(db, args)
        return _compact(db)
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
