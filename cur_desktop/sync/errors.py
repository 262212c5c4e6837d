"""Exceptions of the sync client: network trouble, server trouble, protocol garbage.

Every exception carries a Russian ``message`` an operator may see; ``str(exc)`` is that message.
"""

from __future__ import annotations

from cur_desktop.contract.wire import PushGap


class SyncClientError(Exception):
    """Base of every error the sync client raises; ``message`` is user-facing (Russian)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NetworkError(SyncClientError):
    """The server could not be reached, or the link broke before an answer came (retryable)."""


class ServerUnavailableError(SyncClientError):
    """The server answered with a 5xx status (retryable)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class AuthenticationError(SyncClientError):
    """Wrong credentials, or the token expired or was revoked (needs a new login)."""


class ServerProtocolError(SyncClientError):
    """The server sent something that is not the contract: bad JSON, wrong schema, cut body.

    Nothing from such an answer is ever applied.
    """


class RequestRefusedError(SyncClientError):
    """The server refused the request itself (a 4xx other than 401/403/409)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class MutationGapError(SyncClientError):
    """The push batch did not start where the server expected (HTTP 409 ``mutation_gap``)."""

    def __init__(self, gap: PushGap) -> None:
        super().__init__(
            f"Сервер ожидает изменение № {gap.expected_id}: очередь изменений рассинхронизирована."
        )
        self.gap = gap
