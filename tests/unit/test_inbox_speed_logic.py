"""The inbox's large-list logic (issue 9, a million incidents): head-then-rest snapshots and
key lookups without a per-key dict."""

from __future__ import annotations

from array import array

import pytest

from cur_desktop.services import inbox_pager
from cur_desktop.services.inbox_pager import InboxPager


def test_the_rest_of_a_view_continues_its_head_and_keeps_the_cache() -> None:
    pager = InboxPager(page_size=3, max_pages=4)
    pager.reset(array("q", [7, 3, 9, 4]))
    generation = pager.generation
    pager.store_page(generation, 0, {7: {"k": 7}, 3: {"k": 3}, 9: {"k": 9}})
    pager.store_page(generation, 1, {4: {"k": 4}})
    full = array("q", [7, 3, 9, 4, 1, 8])
    assert pager.continues(full)
    pager.extend_keys(full)
    assert pager.row_count == 6
    assert pager.generation == generation  # nothing was in flight: pages stay good
    assert pager.row(1) == {"k": 3}  # a full page of the head stays cached
    assert pager.row(3) == {"k": 4}  # the partial last page keeps showing what it has …
    assert pager.take_wanted() == []
    assert pager.row(4) is None  # … and is read again when one of its new rows is asked for
    assert pager.take_wanted() == [1]
    assert pager.row_of_key(8) == 5
    # a page asked under the head's keys would come back short: a new generation
    pager.reset(array("q", [7, 3]))
    assert pager.row(0) is None
    assert pager.take_wanted() == [0]
    asked = pager.generation
    pager.extend_keys(array("q", [7, 3, 9]))
    assert pager.generation == asked + 1
    assert pager.store_page(asked, 0, {7: {"k": 7}, 3: {"k": 3}}) is None
    assert pager.row(0) is None
    assert pager.take_wanted() == [0]
    # a view that changed meanwhile does not continue the head
    assert not pager.continues(array("q", [3, 7, 9, 1]))
    assert not pager.continues(array("q", [7, 3]))
    with pytest.raises(ValueError, match="continue"):
        pager.extend_keys(array("q", [1, 2, 3, 4]))


def test_a_key_is_found_only_at_a_whole_key_position() -> None:
    # little-endian bytes: 256 = 00 01 00 00 00 00 00 00, then 0 = eight 00: the bytes of 1
    # (01 00 … 00) occur at offset 1 and those of 0 at offset 2, neither a whole key
    pager = InboxPager()
    pager.reset(array("q", [256, 0, 1]))
    assert pager.row_of_key(1) == 2
    assert pager.row_of_key(0) == 1
    assert pager.row_of_key(256) == 0
    assert pager.row_of_key(2) is None


def test_many_keys_are_looked_up_through_an_index() -> None:
    keys = array("q", range(1000, 0, -1))  # 1000 … 1: key k sits at row 1000 - k
    pager = InboxPager()
    pager.reset(keys)
    few = pager.rows_of_keys([1000, 1, 5000])
    assert few == {1000: 0, 1: 999}
    many = pager.rows_of_keys(range(990, 990 + inbox_pager.FEW_KEYS + 20))
    assert many == {k: 1000 - k for k in range(990, 1001)}
    assert pager.row_of_key(500) == 500
    assert pager.row_of_key(0) is None
    assert pager.row_of_key(10_000) is None
    pager.reset(array("q", [42]))  # a new snapshot drops the index
    assert pager.row_of_key(500) is None
    assert pager.rows_of_keys(range(40, 40 + inbox_pager.FEW_KEYS + 5)) == {42: 0}


def test_changed_incidents_are_found_among_the_cached_rows_only() -> None:
    pager = InboxPager(page_size=2, max_pages=4)
    pager.reset(array("q", [10, 11, 12, 13, 14]))
    generation = pager.generation
    pager.store_page(generation, 0, {10: {"id": "a"}, 11: {"id": "b"}})
    pager.store_page(generation, 2, {14: {"id": "e"}})
    # "c" (key 12) is in the view but not cached: nothing to repaint; "x" is not in the view
    assert sorted(pager.cached_keys_of_ids(["b", "c", "e", "x"])) == [11, 14]
    assert pager.forget_keys([11, 14]) == [1, 4]
    assert pager.cached_keys_of_ids(["a", "b", "e"]) == []  # page 0 was dropped whole


def _shown(pager: InboxPager) -> list[object]:
    """What each row shows: its cached row, else its stale row (as the inbox model does)."""
    return [pager.row(r) or pager.stale_row(r) for r in range(pager.row_count)]


def test_a_refreshed_snapshot_shows_the_old_rows_until_they_are_read_again() -> None:
    pager = InboxPager(page_size=2, max_pages=2)
    pager.reset(array("q", [10, 11, 12, 13]))
    pager.store_page(pager.generation, 0, {10: {"v": "a"}, 11: {"v": "b"}})
    pager.store_page(pager.generation, 1, {12: {"v": "c"}, 13: {"v": "d"}})
    old = pager.generation
    # a change moved key 13 to the top and key 99 is new
    pager.refresh(array("q", [13, 10, 99, 11, 12]))
    assert pager.generation == old + 1
    assert pager.cached_rows() == 0
    assert _shown(pager) == [{"v": "d"}, {"v": "a"}, None, {"v": "b"}, {"v": "c"}]
    assert pager.take_wanted() == [0, 1, 2]  # all read again, the new row's page too
    assert pager.store_page(old, 0, {13: {"v": "x"}}) is None  # a read of the old snapshot
    pager.store_page(pager.generation, 0, {13: {"v": "D"}, 10: {"v": "A"}})
    assert _shown(pager)[:4] == [{"v": "D"}, {"v": "A"}, None, {"v": "b"}]
    # a refresh before the other pages arrived keeps showing their old rows
    pager.refresh(array("q", [11, 12, 10, 13]))
    assert _shown(pager) == [{"v": "b"}, {"v": "c"}, {"v": "A"}, {"v": "D"}]
    pager.store_page(pager.generation, 0, {11: {"v": "B"}, 12: {"v": "C"}})
    pager.store_page(pager.generation, 1, {10: {"v": "A2"}, 13: {"v": "D2"}})
    # no more old rows are kept than the cache holds (2 pages of 2): the oldest go first
    pager.refresh(array("q", [20, 21, 11, 12]))  # old rows: keys 11, 12, 10, 13
    assert _shown(pager) == [None, None, {"v": "B"}, {"v": "C"}]
    pager.store_page(pager.generation, 0, {20: {"v": "e"}, 21: {"v": "f"}})
    pager.refresh(array("q", [11, 12, 10, 13, 20, 21]))  # six old rows: keys 11 and 12 go
    assert _shown(pager) == [None, None, {"v": "A2"}, {"v": "D2"}, {"v": "e"}, {"v": "f"}]
    # a changed row stays shown until its page is read again
    pager.store_page(pager.generation, 2, {20: {"v": "e"}, 21: {"v": "f"}})
    assert pager.forget_keys([21]) == [5]
    assert pager.row(5) is None
    assert pager.stale_row(5) == {"v": "f"}
    # a new view (reset) shows no old rows
    pager.reset(array("q", [20, 21]))
    assert _shown(pager) == [None, None]
