"""Unexpected failures of the window's asyncio tasks go to the loop's exception handler.

A task whose done callback reads its exception (to show a refusal in the status line, say) would
otherwise keep an unexpected error to a log line; :func:`report_failure` hands it to
``loop.call_exception_handler``, which in the window is the crash handler's
(:meth:`~cur_desktop.ui.crash_dialog.CrashHandler.on_loop_exception`: report, one dialog).
Tasks nobody reads reach the same handler when asyncio finds their exception unretrieved.
A cancelled task is not a failure and is never reported.
"""

from __future__ import annotations

import asyncio
from typing import Any


def report_failure(task: asyncio.Future[Any], message: str = "window task failed") -> None:
    """Hand the exception of a finished ``task`` to its loop's exception handler; nothing for a
    task that succeeded or was cancelled."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is None:
        return
    task.get_loop().call_exception_handler({"message": message, "exception": exc, "future": task})


__all__ = ["report_failure"]
