"""Test-only fault hooks of the server process; inert unless their environment variable is set.

``CUR_SERVER_TEST_EXIT_AFTER_COMMITS=k`` (a positive integer, read once when this module is
imported, i.e. at server start-up): the process calls ``os._exit(1)`` right after the commit
that brings its count of committed push mutations (applied or rejected) to ``k`` or more,
before the HTTP answer is sent. The push commits mutations in groups
(:data:`cur_desktop.server.push.GROUP_SIZE`), so with groups of one this is exactly after the
``k``-th; it lets the reliability tests kill a real server between two groups of one batch.
Unset, empty or invalid: nothing happens and the per-commit cost is one comparison.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

EXIT_AFTER_COMMITS_ENV = "CUR_SERVER_TEST_EXIT_AFTER_COMMITS"


def _read_limit(raw: str | None) -> int | None:
    """The commit count after which to exit, or ``None`` (hook off)."""
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw)
    except ValueError:
        log.warning("%s=%r is not an integer; fault hook off", EXIT_AFTER_COMMITS_ENV, raw)
        return None
    if value < 1:
        log.warning("%s=%r is not positive; fault hook off", EXIT_AFTER_COMMITS_ENV, raw)
        return None
    return value


class CommitFault:
    """Counts committed push mutations and ends the process after the ``limit``-th one."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._count = 0
        self._lock = threading.Lock()
        if limit is not None:
            log.warning("TEST FAULT HOOK ON: the server exits after %d push commits", limit)

    def after_push_commit(self, mutations: int = 1) -> None:
        """Call right after a push transaction committed ``mutations`` mutations."""
        if self.limit is None:
            return
        with self._lock:
            self._count += mutations
            reached = self._count >= self.limit
        if reached:
            log.warning("test fault hook: exiting after %d push commits", self._count)
            logging.shutdown()
            os._exit(1)


PUSH_COMMITS = CommitFault(_read_limit(os.environ.get(EXIT_AFTER_COMMITS_ENV)))
"""The process-wide hook, configured from the environment at import (server start-up)."""


FAIL_ON_TEXT_ENV = "CUR_SERVER_TEST_FAIL_ON_TEXT"


class PoisonFault:
    """Fails a push with HTTP 500 on every mutation whose args contain ``marker``.

    ``CUR_SERVER_TEST_FAIL_ON_TEXT=<marker>`` (read at start-up) stands for a server bug that
    the server's own guard does not catch, so the client's last line of defence (setting such a
    mutation aside after repeated server errors) can be tested against a real server.
    """

    def __init__(self, marker: str | None) -> None:
        self.marker = marker or None
        if self.marker is not None:
            log.warning("TEST FAULT HOOK ON: pushes fail on mutations containing a marker")

    def check(self, mutation: object) -> None:
        """Raise when the hook is on and ``mutation`` carries the marker."""
        if self.marker is None:
            return
        args = getattr(mutation, "args", {})
        if any(isinstance(v, str) and self.marker in v for v in args.values()):
            raise RuntimeError("test fault hook: poisoned mutation")


POISON = PoisonFault(os.environ.get(FAIL_ON_TEXT_ENV))
"""The process-wide poison hook, configured from the environment at import."""
