"""Command line of the central server (``cur-server``): init / migrate, serve, users, reference
data, demo.

User administration (``add-user``, ``list-users``, ``disable-user``, ``enable-user``,
``reset-password``, ``set-role``), ``import-reference`` (CSV, with ``--dry-run``) and
``audit-log`` act as the operating-system user who runs them (``cli:<name>`` in the audit log).

Every command takes ``--db URL`` (SQLite ``sqlite:///path`` or ``postgresql+psycopg://...``);
the default is ``CUR_SERVER_DB_URL`` from the environment (how the systemd unit passes it, so
no password shows in ``ps``), else a SQLite file in the user data directory. Every command
first checks that the database's schema is not newer than this code
(:func:`check_schema_not_newer`) and refuses with exit code 2 when it is.
Exit codes: 0 ok, 1 error, 2 refused (usage, newer schema).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.orm import Session

from cur_desktop import __version__
from cur_desktop.contract.protocol import MIN_CLIENT_PROTOCOL
from cur_desktop.domain.enums import Role
from cur_desktop.server import admin, auth, reference_import
from cur_desktop.server.admin import AdminScope
from cur_desktop.server.asgi import DB_URL_ENV, MIN_CLIENT_ENV
from cur_desktop.server.db import Database, compact, default_db_url
from cur_desktop.server.evidence_store import DATA_DIR_ENV, default_data_dir
from cur_desktop.server.migrate import SchemaTooNewError, check_schema_not_newer, upgrade
from cur_desktop.server.parent_watch import exit_with_stdin
from cur_desktop.server.settings import ServerSettings, utc_now
from cur_desktop.server.snapshot import SNAPSHOT_FOLDER, forget_snapshots
from cur_desktop.server.web_app import create_app
from cur_desktop.startup_heap import freeze_startup_heap

log = logging.getLogger(__name__)

EXIT_REFUSED = 2


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``cur-server``."""
    parser = argparse.ArgumentParser(prog="cur-server", description="Центральный сервер ЦУР.")
    parser.add_argument("-v", "--verbose", action="store_true", help="подробный журнал")
    parser.add_argument(
        "--version", action="version", version=f"cur-server {__version__}", help="версия программы"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="КОМАНДА")

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--db",
            default=None,
            help=f"адрес базы данных (по умолчанию — из переменной {DB_URL_ENV}, иначе файл "
            "SQLite в каталоге данных пользователя)",
        )
        return sub

    with_db(commands.add_parser("init", help="создать или обновить схему базы данных"))
    with_db(commands.add_parser("migrate", help="то же, что init: обновить схему базы данных"))
    add_user = with_db(commands.add_parser("add-user", help="добавить пользователя"))
    add_user.add_argument("--login", required=True)
    add_user.add_argument("--role", required=True, choices=[r.value for r in Role])
    add_user.add_argument("--region", default=None, help="код региона, например RU-TUL")
    add_user.add_argument(
        "--password-stdin", action="store_true", required=True, help="прочитать пароль из stdin"
    )
    _add_admin_commands(commands, with_db)
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
        default=int(os.environ.get(MIN_CLIENT_ENV, MIN_CLIENT_PROTOCOL)),
        help="самая старая версия протокола клиентов, которую сервер ещё обслуживает",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="каталог файлов-вложений (по умолчанию рядом с файлом SQLite)",
    )
    serve.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="остановиться, когда закроется стандартный ввод (завершился запустивший процесс)",
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


def _add_admin_commands(commands: Any, with_db: Callable[[Any], argparse.ArgumentParser]) -> None:
    with_db(commands.add_parser("list-users", help="список пользователей"))
    for name, help_text in (
        ("disable-user", "отключить пользователя (его токены отзываются)"),
        ("enable-user", "снова включить пользователя"),
    ):
        with_db(commands.add_parser(name, help=help_text)).add_argument("--login", required=True)
    reset = with_db(commands.add_parser("reset-password", help="задать новый пароль"))
    reset.add_argument("--login", required=True)
    reset.add_argument(
        "--password-stdin", action="store_true", required=True, help="прочитать пароль из stdin"
    )
    set_role = with_db(commands.add_parser("set-role", help="сменить роль и регион"))
    set_role.add_argument("--login", required=True)
    set_role.add_argument("--role", required=True, choices=[r.value for r in Role])
    set_role.add_argument("--region", default=None, help="код региона, например RU-TUL")
    reference = with_db(
        commands.add_parser(
            "import-reference", help="загрузить муниципалитеты и исполнителей региона из CSV"
        )
    )
    reference.add_argument("--region", required=True, help="код региона, например RU-TUL")
    reference.add_argument(
        "--municipalities", type=Path, default=None, help="CSV: id;name;population"
    )
    reference.add_argument(
        "--executors", type=Path, default=None, help="CSV: id;name;municipality_id"
    )
    reference.add_argument(
        "--dry-run", action="store_true", help="только показать, что изменится, ничего не записывая"
    )
    audit = with_db(commands.add_parser("audit-log", help="журнал действий администраторов"))
    audit.add_argument("--limit", type=int, default=50)


def _cli_scope() -> AdminScope:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return AdminScope(actor=f"cli:{name}")


def _admin(db: Database, args: argparse.Namespace) -> int:
    scope = _cli_scope()
    now = utc_now()
    try:
        with db.write() as session:
            if args.command == "list-users":
                for user in admin.list_users(session, scope):
                    state = "активен" if user.active else "отключён"
                    print(f"{user.login}\t{user.role.value}\t{user.region_code or '—'}\t{state}")
                return 0
            if args.command == "audit-log":
                for entry in admin.audit_entries(session, scope, limit=args.limit):
                    print(
                        f"{entry.at.isoformat(timespec='seconds')}\t{entry.actor}\t"
                        f"{entry.action}\t{entry.target}\t"
                        f"{json.dumps(entry.details, ensure_ascii=False)}"
                    )
                return 0
            if args.command in ("disable-user", "enable-user"):
                active = args.command == "enable-user"
                admin.set_active(session, scope, login=args.login, active=active, now=now)
                print(f"Пользователь {args.login} {'включён' if active else 'отключён'}")
                return 0
            if args.command == "reset-password":
                password = sys.stdin.readline().rstrip("\r\n")
                admin.reset_password(session, scope, login=args.login, password=password, now=now)
                print(f"Пароль пользователя {args.login} изменён; его сеансы завершены")
                return 0
            if args.command == "set-role":
                role = Role(args.role)
                admin.change_role(
                    session, scope, login=args.login, role=role, region_code=args.region, now=now
                )
                print(f"Пользователь {args.login}: роль {role.value}, регион {args.region or '—'}")
                return 0
            return _import_reference(session, scope, args, now)
    except admin.AdminError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 1


def _import_reference(
    session: Session, scope: AdminScope, args: argparse.Namespace, now: datetime
) -> int:
    files: dict[str, bytes | None] = {}
    for name in ("municipalities", "executors"):
        path: Path | None = getattr(args, name)
        try:
            files[name] = path.read_bytes() if path is not None else None
        except OSError as exc:
            print(f"Ошибка: не прочитан файл {path}: {exc.strerror}", file=sys.stderr)
            return 1
    plan = reference_import.plan_import(
        session,
        scope,
        region_code=args.region,
        municipalities=files["municipalities"],
        executors=files["executors"],
    )
    print(plan.render())
    if not plan.ok:
        return 1
    if args.dry_run:
        print("Пробный запуск: ничего не записано")
        return 0
    written = reference_import.apply_import(session, scope, plan, now=now)
    print(f"Записано строк: {written}")
    return 0


def _open(url: str | None) -> Database:
    """``--db``, else ``CUR_SERVER_DB_URL`` (the systemd unit's environment file), else SQLite."""
    return Database(url or os.environ.get(DB_URL_ENV) or default_db_url())


def _init(db: Database) -> int:
    upgrade(db.engine)
    print(f"База данных готова: {db.engine.url.render_as_string(hide_password=True)}")
    return 0


def _add_user(db: Database, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with db.write() as session:
            user = auth.add_user(
                session,
                login=args.login,
                password=password,
                role=Role(args.role),
                region_code=args.region,
                now=utc_now(),
            )
            admin.write_audit(
                session,
                at=user.created_at,
                actor=_cli_scope().actor,
                action="user.create",
                target=user.login,
                region_code=user.region_code,
                details={"role": user.role, "region_code": user.region_code},
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
    if args.exit_with_stdin:
        exit_with_stdin()
    forget_snapshots((args.data_dir or default_data_dir(db.url)) / SNAPSHOT_FOLDER)
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
    freeze_startup_heap()
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


_ADMIN_COMMANDS = frozenset(
    {
        "list-users",
        "disable-user",
        "enable-user",
        "reset-password",
        "set-role",
        "import-reference",
        "audit-log",
    }
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-server``; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    db = _open(args.db)
    try:
        try:
            check_schema_not_newer(db.engine)
        except SchemaTooNewError as exc:
            print(f"Ошибка: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        if args.command in ("init", "migrate"):
            return _init(db)
        if args.command == "add-user":
            return _add_user(db, args)
        if args.command == "serve":
            return _serve(db, args)
        if args.command in _ADMIN_COMMANDS:
            return _admin(db, args)
        if args.command == "seed-demo":
            return _seed(db, args)
        return _compact(db)
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
