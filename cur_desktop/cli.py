"""Command line of the workstation (``cur-desktop``).

Until the workstation window lands, the default command runs a small store benchmark so that the
README's run command always does something real. Sub-commands are added by later issues.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``cur-desktop``."""
    parser = argparse.ArgumentParser(
        prog="cur-desktop",
        description="Рабочее место оператора ЦУР (центра управления регионом).",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="запустить на встроенных демонстрационных данных",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-desktop``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo:
        print("Демо-режим появится вместе с окном рабочего места.")
    parser.print_help(sys.stdout)
    return 0
