"""Settings of a running server: token lifetime, limits, heartbeat, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cur_desktop.server.throttle import ThrottlePolicy


def utc_now() -> datetime:
    """The server's clock (UTC, timezone-aware)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServerSettings:
    """What a server instance needs besides its database."""

    token_ttl: timedelta = timedelta(hours=12)
    max_body_bytes: int = 64 * 1024 * 1024
    pull_default_limit: int = 1_000
    pull_max_limit: int = 5_000
    pull_max_page_bytes: int = 4 * 1024 * 1024
    login_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    heartbeat_seconds: float = 15.0
    clock: Callable[[], datetime] = field(default=utc_now)
    data_dir: Path | None = None
    """Where uploaded evidence is kept (``None``: see ``server/evidence_store.py``)."""
