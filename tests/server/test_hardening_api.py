"""Issue 6 in process: the server's guard against a change it cannot apply, the login throttle's
numbers on a hand-moved clock, and the JSON depth scan."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from cur_desktop.server import deadline_policy
from cur_desktop.server.limits import MAX_JSON_DEPTH, json_too_deep
from cur_desktop.server.throttle import LoginThrottle, ThrottlePolicy
from tests.server.conftest import Api


@pytest.mark.allow_error_log  # the guard logs the failure it turns into a rejection
def test_a_change_the_server_cannot_apply_is_rejected_and_the_next_applied(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure the validation did not foresee (here: the calendar overflows) is a rejection."""

    def overflow(*_args: object, **_kwargs: object) -> object:
        raise OverflowError("date value out of range")

    def create(text: str) -> tuple[str, dict[str, Any]]:
        incident_id = str(uuid4())
        return "incident.create", {
            "id": incident_id,
            "source": "other",
            "external_id": f"call-{incident_id}",
            "text": text,
            "received_at": "2026-03-10T08:30:00+03:00",
        }

    with monkeypatch.context() as patch:
        patch.setattr(deadline_policy, "first_answer", overflow)  # the deadline cannot be computed
        broken = api.push("tul.op", create("Первый звонок"))["results"]
    applied = api.push("tul.op", create("Второй звонок"))["results"]
    assert [(r["outcome"], r["code"]) for r in broken + applied] == [
        ("rejected", "invalid"),
        ("applied", None),
    ]
    assert "Сервер не смог применить" in broken[0]["message"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_login_throttle_doubles_the_delay_and_never_blocks_a_login_over_a_minute() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(ThrottlePolicy(), clock=clock)
    waits = []
    for _ in range(12):
        assert throttle.retry_after("ivanova", "10.0.0.1") == 0 or waits
        clock.now += throttle.retry_after("ivanova", "10.0.0.1")
        throttle.failed("ivanova", "10.0.0.1")
        waits.append(throttle.retry_after("ivanova", "10.0.0.1"))
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    # Another login from another address is not affected.
    assert throttle.retry_after("petrov", "10.0.0.2") == 0
    # Failures are forgotten 15 minutes after the last one.
    clock.now += 15 * 60 + 61
    assert throttle.retry_after("ivanova", "10.0.0.1") == 0
    throttle.failed("ivanova", "10.0.0.1")
    assert throttle.retry_after("ivanova", "10.0.0.1") == 0


def test_login_throttle_counts_an_address_over_all_logins_up_to_five_minutes() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(ThrottlePolicy(), clock=clock)
    for i in range(20):
        throttle.failed(f"guess-{i}", "10.0.0.9")
    assert throttle.retry_after("someone-new", "10.0.0.9") == 1
    for i in range(20):
        clock.now += throttle.retry_after(f"other-{i}", "10.0.0.9")
        throttle.failed(f"other-{i}", "10.0.0.9")
    assert throttle.retry_after("someone-new", "10.0.0.9") == 300
    assert throttle.retry_after("someone-new", "10.0.0.10") == 0
    # A success clears the login, not the address.
    throttle.succeeded("other-19")
    assert throttle.retry_after("other-19", "10.0.0.9") == 300


@pytest.mark.parametrize(
    ("body", "deep"),
    [
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, False),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), True),
        (b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        (b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        (b'[{"a": [1, 2, {"b": []}]}, []]', False),
        (b"[" * 100_000 + b"]" * 100_000, True),
        (b"[[]", True),  # unbalanced: not JSON either
    ],
)
def test_json_depth_scan(body: bytes, deep: bool) -> None:
    assert json_too_deep(body) is deep
