"""Command line of the central server (``cur-server``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``cur-server``."""
    return argparse.ArgumentParser(prog="cur-server", description="Центральный сервер ЦУР.")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cur-server``; returns the process exit code."""
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help(sys.stdout)
    return 0
