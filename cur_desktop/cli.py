"""Command line of the workstation (``cur-desktop``): argument parsing only.

``cur-desktop login --profile DIR --server URL --login L --password-stdin`` binds a profile to a
server; ``cur-desktop sync --profile DIR --once`` pushes and pulls once (exit 0 only when caught
up); ``cur-desktop status --profile DIR`` shows the queue and the cursor; ``cur-desktop restore
--profile DIR [--backup FILE]`` lists the store's backups or restores one (refused while the
program runs with that profile); ``--version`` prints the version. Without a command the
window opens (sign-in first); ``--demo`` opens it on the embedded demo (``--role supervisor``
signs in the supervisor), ``--demo --headless`` prints the demo queue instead. What runs is put
together in :mod:`cur_desktop.app` (the composition root).
Exit codes: 0 ok, 1 error, 2 usage, 3 changes the server rejected wait for the operator, 4
changes are still waiting to be sent.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from cur_desktop import __version__, app
from cur_desktop.app import (
    EXIT_ERROR,
    EXIT_NEEDS_ATTENTION,
    EXIT_NOT_CAUGHT_UP,
    EXIT_OK,
    Request,
)

log = logging.getLogger(__name__)

__all__ = [
    "EXIT_ERROR",
    "EXIT_NEEDS_ATTENTION",
    "EXIT_NOT_CAUGHT_UP",
    "EXIT_OK",
    "build_parser",
    "main",
]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``cur-desktop``."""
    parser = argparse.ArgumentParser(
        prog="cur-desktop",
        description="Рабочее место оператора ЦУР (центра управления регионом).",
    )
    parser.add_argument(
        "--version", action="version", version=f"cur-desktop {__version__}", help="версия программы"
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
        choices=("operator", "supervisor", "admin"),
        default="operator",
        help="с --demo: войти оператором (по умолчанию), руководителем или администратором",
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
    report = with_profile(
        commands.add_parser("report", help="выгрузить статистику региона за период в файл")
    )
    report.add_argument(
        "--period",
        required=True,
        metavar="ПЕРИОД",
        help="2026-03 (месяц), 2026-Q1, 2026, 2026-W11 (неделя) или 2026-03-10 (день); "
        "местный календарь региона",
    )
    report.add_argument(
        "--format", dest="report_format", required=True, choices=("pdf", "xlsx", "csv")
    )
    report.add_argument("--out", required=True, type=Path, metavar="ФАЙЛ", help="куда записать")
    restore = with_profile(
        commands.add_parser(
            "restore",
            help="восстановить базу профиля из резервной копии (без --backup — список копий)",
        )
    )
    restore.add_argument(
        "--backup",
        type=Path,
        default=None,
        metavar="ФАЙЛ",
        help="копия из папки backups профиля (имя файла или путь)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-desktop``: parse the arguments and hand them to :func:`app.run`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    request = Request(
        command=args.command,
        profile=getattr(args, "profile", None),
        server=getattr(args, "server", None),
        login=getattr(args, "login", None),
        once=bool(getattr(args, "once", False)),
        demo=args.demo,
        demo_dir=args.demo_dir,
        verbosity=args.verbose,
        window=not args.command and not args.headless,
        role=args.role,
        period=getattr(args, "period", None),
        report_format=getattr(args, "report_format", None),
        out=getattr(args, "out", None),
        backup=getattr(args, "backup", None),
    )
    return app.run(request, show_help=lambda: parser.print_help(sys.stdout))
