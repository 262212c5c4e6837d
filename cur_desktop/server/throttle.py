"""Throttling of failed logins, per login and per client address (in the server process).

Policy (docs/SERVER.md, "Login throttling"):

* a login may fail :attr:`ThrottlePolicy.free_per_login` times (5) without delay; from then on
  every further failure blocks that login for a delay that doubles (1 s, 2 s, 4 s ...) up to
  :attr:`ThrottlePolicy.max_login_delay` (60 s) -- so a real user who mistyped is never locked
  out for more than a minute, and guessing costs a minute a try;
* an address may fail :attr:`ThrottlePolicy.free_per_address` times (20, over any logins) before
  the same doubling applies to it, up to :attr:`ThrottlePolicy.max_address_delay` (5 min);
* failures are forgotten :attr:`ThrottlePolicy.forget_after` (15 min) after the last one; a
  successful login clears its login's failures (not the address's: one's own account must not
  reset the guessing of others);
* while blocked, a login attempt is answered 429 with ``Retry-After`` and the password is not
  even checked (the right password is refused too until the delay is over).

The state lives in memory (one server process; a restart forgets it) and is bounded:
:attr:`ThrottlePolicy.max_entries` keys per kind, the stalest dropped first.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThrottlePolicy:
    """Numbers of the failed-login throttle (see the module docstring)."""

    free_per_login: int = 5
    free_per_address: int = 20
    first_delay: float = 1.0
    max_login_delay: float = 60.0
    max_address_delay: float = 300.0
    forget_after: float = 15 * 60.0
    max_entries: int = 100_000


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


def login_fingerprint(login: str) -> str:
    """What the log shows of a submitted login: a short hash and the length, never the text.

    A password typed into the login field must not end up in the log; an administrator who
    knows a login can compute its fingerprint to find its failures.
    """
    digest = hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"sha256:{digest}/{len(login)}"


class LoginThrottle:
    """Counts failed logins per login and per address and says how long to wait."""

    def __init__(
        self, policy: ThrottlePolicy | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self._clock = clock
        self._lock = threading.Lock()
        self._logins: OrderedDict[str, _Record] = OrderedDict()
        self._addresses: OrderedDict[str, _Record] = OrderedDict()

    def retry_after(self, login: str, address: str) -> int:
        """Seconds to wait before ``login`` may be tried from ``address`` (0: go ahead)."""
        now = self._clock()
        with self._lock:
            waits = [
                record.blocked_until - now
                for record in (self._get(self._logins, login), self._get(self._addresses, address))
                if record is not None
            ]
        wait = max(waits, default=0.0)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, login: str, address: str) -> None:
        """Record a failed login (wrong login or password)."""
        now = self._clock()
        policy = self.policy
        with self._lock:
            for table, key, free, ceiling in (
                (self._logins, login, policy.free_per_login, policy.max_login_delay),
                (self._addresses, address, policy.free_per_address, policy.max_address_delay),
            ):
                record = self._get(table, key) or _Record()
                record.failures += 1
                record.last_failure = now
                over = record.failures - free
                if over >= 0:
                    delay = min(ceiling, policy.first_delay * 2 ** min(over, 30))
                    record.blocked_until = now + delay
                table[key] = record
                table.move_to_end(key)
                while len(table) > policy.max_entries:
                    table.popitem(last=False)

    def succeeded(self, login: str) -> None:
        """A successful login clears the failures of that login."""
        with self._lock:
            self._logins.pop(login, None)

    def _get(self, table: OrderedDict[str, _Record], key: str) -> _Record | None:
        record = table.get(key)
        if record is None:
            return None
        if self._clock() - record.last_failure > self.policy.forget_after:
            del table[key]
            return None
        return record
