"""Command line of the workstation (``cur-desktop``): headless login, sync and status.

``cur-desktop login --profile DIR --server URL --login L --password-stdin`` binds a profile to a
server; ``cur-desktop sync --profile DIR --once`` pushes and pulls once (exit 0 only when caught
up); ``cur-desktop status --profile DIR`` shows the queue and the cursor; ``--demo --headless``
prints the demo queue. Without a command the window opens (``cur_desktop.app``, the entry point,
decides with :func:`wants_window`; this module never imports Qt). Exit codes: 0 ok, 1 error,
2 usage, 3 changes the server rejected wait for the operator, 4 changes are still waiting to be
sent.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from cur_desktop.storage.outbox import SyncStatus
from cur_desktop.sync import session
from cur_desktop.sync.errors import SyncClientError
from cur_desktop.sync.gc_tuning import freeze_startup_heap
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncCounts, SyncEngine

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_NEEDS_ATTENTION = 3
EXIT_NOT_CAUGHT_UP = 4


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``cur-desktop``."""
    parser = argparse.ArgumentParser(
        prog="cur-desktop",
        description="Рабочее место оператора ЦУР (центра управления регионом).",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="запустить на встроенных демонстрационных данных (локальный сервер ЦУР)",
    )
    parser.add_argument(
        "--demo-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="папка демо-режима (по умолчанию — в каталоге данных пользователя)",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="с --demo: без окна, вывести очередь и показатели в терминал",
    )
    parser.add_argument(
        "--role",
        choices=("operator", "supervisor"),
        default="operator",
        help="с --demo: войти оператором (по умолчанию) или руководителем",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="каталог профиля для окна (по умолчанию — каталог данных пользователя)",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="подробный журнал (-vv: отладка)"
    )
    commands = parser.add_subparsers(dest="command", metavar="КОМАНДА")

    def with_profile(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--profile",
            type=Path,
            default=None,
            metavar="DIR",
            help="каталог профиля оператора (по умолчанию — каталог данных пользователя)",
        )
        return sub

    login = with_profile(commands.add_parser("login", help="войти на сервер ЦУР"))
    login.add_argument("--server", required=True, metavar="URL", help="адрес сервера")
    login.add_argument("--login", required=True, metavar="LOGIN", help="логин")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="прочитать пароль из стандартного ввода (первая строка)",
    )
    with_profile(commands.add_parser("logout", help="выйти и забыть токен"))
    sync = with_profile(commands.add_parser("sync", help="синхронизироваться с сервером"))
    sync.add_argument(
        "--once", action="store_true", help="один проход (иначе — работать до Ctrl+C)"
    )
    with_profile(commands.add_parser("status", help="состояние очереди и синхронизации"))
    return parser


def wants_window(args: argparse.Namespace) -> bool:
    """Whether these arguments open the window (no headless command, no ``--headless``)."""
    return not args.command and not args.headless


def configure_logging(verbosity: int) -> None:
    """Log to stderr at WARNING (``-v``: INFO, ``-vv``: DEBUG)."""
    _configure_logging(verbosity)


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _print_counts(counts: SyncCounts) -> None:
    print(f"получено: {counts.pulled}")
    print(f"отправлено: {counts.pushed}")
    print(f"отклонено: {counts.rejected}")


def _print_status(status: SyncStatus) -> None:
    last = status.last_sync_at.isoformat(timespec="seconds") if status.last_sync_at else "никогда"
    print(f"сервер: {status.server_url or '—'}")
    print(f"пользователь: {status.login or '—'}")
    print(f"ожидают отправки: {status.pending}")
    print(f"отклонены сервером: {status.rejected}")
    print(f"последняя синхронизация: {last}")
    print(f"курсор: {status.cursor}")


async def _sync_once(engine: SyncEngine) -> tuple[SyncCounts, SyncStatus]:
    counts = await engine.sync_once()
    return counts, await engine.status()


def _cmd_login(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("Пароль не получен из стандартного ввода.", file=sys.stderr)
        return EXIT_ERROR
    profile = Profile.at(args.profile)
    token = asyncio.run(session.login(profile, args.server, args.login, password))
    region = token.region_code or "все регионы"
    print(f"Вход выполнен: {token.login} ({token.role.value}, {region}).")
    return EXIT_OK


def _cmd_logout(args: argparse.Namespace) -> int:
    asyncio.run(session.logout(Profile.at(args.profile)))
    print("Выход выполнен, токен удалён.")
    return EXIT_OK


def _cmd_sync(args: argparse.Namespace) -> int:
    profile = Profile.at(args.profile)
    if not args.once:

        async def forever(engine: SyncEngine) -> None:
            await engine.run_forever()

        try:
            asyncio.run(session.with_engine(profile, forever))
        except KeyboardInterrupt:
            return EXIT_OK
        return EXIT_OK
    counts, status = asyncio.run(session.with_engine(profile, _sync_once))
    _print_counts(counts)
    if status.rejected:
        print(
            f"Сервер отклонил изменения ({status.rejected}): они ждут решения оператора.",
            file=sys.stderr,
        )
        return EXIT_NEEDS_ATTENTION
    if status.pending:
        print(f"Не все изменения отправлены (осталось {status.pending}).", file=sys.stderr)
        return EXIT_NOT_CAUGHT_UP
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    profile = Profile.at(args.profile)
    _print_status(session.read_status(profile))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-desktop``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    # Start-up is done: keep the collector's full passes off the start-up heap (see gc_tuning;
    # without it a big pull stalled the event loop for 75-225 ms per full pass).
    freeze_startup_heap()
    if args.demo:
        from cur_desktop.demo.embedded import run_demo  # noqa: PLC0415 (starts a server: lazy)

        return run_demo(args.demo_dir)
    handlers = {
        "login": _cmd_login,
        "logout": _cmd_logout,
        "sync": _cmd_sync,
        "status": _cmd_status,
    }
    handler = handlers.get(args.command or "")
    if handler is None:
        parser.print_help(sys.stdout)
        return EXIT_OK
    try:
        return handler(args)
    except SyncClientError as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        log.debug("OS error", exc_info=True)
        print(f"Ошибка файловой системы: {exc}", file=sys.stderr)
        return EXIT_ERROR
