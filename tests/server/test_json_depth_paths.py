"""The JSON-depth guard's fast path (no escapes) finds the same brackets as the pattern.

Issue 11: on a 5,000-item ingestion body the pattern over the whole body took ~30 ms;
:func:`limits._plain_brackets` keeps quotes and brackets first and is exact only for bodies
without backslashes and with every string terminated, and must say so (``None``) otherwise.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cur_desktop.server import limits

PIECES = [b"[", b"]", b"{", b"}", b'"', b'""', b"a", "ж".encode(), b",", b":", b" "]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_plain_brackets_equal_the_pattern_or_decline(pieces: list[bytes]) -> None:
    body = b"".join(pieces)
    plain = limits._plain_brackets(body)
    if plain is not None:
        assert plain == limits._brackets(body), body


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, b"\\", b'\\"']), max_size=40))
def test_a_body_with_a_backslash_takes_the_pattern(pieces: list[bytes]) -> None:
    body = b"".join(pieces)
    if b"\\" in body:
        assert limits._plain_brackets(body) is None


def test_hand_made_bodies() -> None:
    assert limits._plain_brackets(b'[{"a": "[[", "b": "]"}, []]') == b"[{}[]]"
    assert limits._plain_brackets(b'["}""]') is None  # an unterminated string: the pattern
    assert limits._brackets(b'["}""]') == b"[]"  # "}" is a string, the last quote opens none
    assert limits._plain_brackets(b'["a\\"]"]') is None
    assert limits._plain_brackets(b"[[[]]]") == b"[[[]]]"
    assert limits.json_too_deep(b"[" * 33 + b'"x"' + b"]" * 33)
    assert not limits.json_too_deep(b"[" * 32 + b'"]]]]"' + b"]" * 32)
