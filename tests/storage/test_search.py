"""Full-text search: Russian stemming, ranking, snippets and hostile query syntax."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cur_desktop.domain.enums import Status
from cur_desktop.storage.inbox import InboxFilter
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.search import make_snippet, query_stems, search, stem_query, stem_text
from tests.helpers.row_factories import make_row


@pytest.fixture
def filled(engine: Engine) -> dict[str, str]:
    texts = {
        "roads": "Жалуемся по дорогам: на дорогах города нет разметки",
        "pit": "Во дворе огромная яма, машины не проедут",
        "once": "Просим починить дорогу у школы и убрать мусор",
        "other": "Не работает освещение в подъезде",
    }
    rows = {k: make_row(text=t, author="Житель", status=Status.NEW) for k, t in texts.items()}
    rows["other"]["status"] = Status.CLOSED
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows.values())
    return {k: r["id"] for k, r in rows.items()}


def test_stemming_maps_word_forms_together() -> None:
    assert stem_text("дорога") == stem_text("дорогам") == stem_text("Дорогах")
    assert stem_text("ямы") == stem_text("яма")
    assert stem_text("Ёлка") == stem_text("елка")


def test_forms_find_each_other(engine: Engine, filled: dict[str, str]) -> None:
    with engine.connect() as conn:
        assert {h.id for h in search(conn, "дорога")} == {filled["roads"], filled["once"]}
        assert [h.id for h in search(conn, "ямы")] == [filled["pit"]]
        assert [h.id for h in search(conn, "ЖИТЕЛЬ освещение")] == [filled["other"]]


def test_better_match_ranks_first(engine: Engine, filled: dict[str, str]) -> None:
    with engine.connect() as conn:
        hits = search(conn, "дорога")
    assert [h.id for h in hits] == [filled["roads"], filled["once"]]
    assert hits[0].rank > hits[1].rank


def test_snippet_marks_the_match(engine: Engine, filled: dict[str, str]) -> None:
    with engine.connect() as conn:
        (hit,) = search(conn, "яма")
    assert hit.snippet == "Во дворе огромная [яма], машины не проедут"
    long = "Слово " * 30 + "на дорогах города" + " конец" * 30
    snippet = make_snippet(long, query_stems("дорога"), radius=20)
    assert "на [дорогах] города" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")


def test_filter_narrows_search(engine: Engine, filled: dict[str, str]) -> None:
    with engine.connect() as conn:
        open_only = InboxFilter(statuses=frozenset({Status.NEW}))
        assert search(conn, "освещение", flt=open_only) == []
        assert len(search(conn, "освещение")) == 1


@pytest.mark.parametrize(
    "query",
    [
        '"дорога',
        "дорога*",
        "дорога AND",
        "(яма",
        "яма)",
        "-яма",
        "NOT",
        "яма OR",
        "^яма",
        "col:яма",
        "NEAR(яма дорога)",
        '""',
        "",
        "   ",
        "+",
        "дорога - яма",
        "'; DROP TABLE",
    ],
)
def test_fts_syntax_in_query_does_not_raise(
    engine: Engine, filled: dict[str, str], query: str
) -> None:
    with engine.connect() as conn:
        hits = search(conn, query)
    expr = stem_query(query)
    assert '""' not in expr
    if "дорога" in query and "яма" not in query:
        assert {h.id for h in hits} == {filled["roads"], filled["once"]}
    if not expr:
        assert hits == []


def test_ranking_covers_the_newest_window(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from cur_desktop.storage import search as search_module

    rows = [make_row(text=f"яма номер {i}") for i in range(10)]
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)  # inserted in order: later rows get higher rowids
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    with engine.connect() as conn:
        hits = search(conn, "яма")
    assert {h.id for h in hits} == {r["id"] for r in rows[-3:]}


def test_stop_words_are_left_out_of_a_query_with_other_words() -> None:
    assert query_stems("не вывозят мусор") == query_stems("вывозят мусор") == ["вывоз", "мусор"]
    assert query_stems("Яма НА дороге") == query_stems("яма дороге")
    assert query_stems("нет горячей воды") == query_stems("горячей воды")
    assert query_stems("не на") == ["не", "на"]  # nothing else: the stop words are searched


def test_query_without_stop_words_still_finds_and_marks_content_words(engine: Engine) -> None:
    rows = [
        make_row(text="Мусор не вывозят уже неделю", author="Житель"),
        make_row(text="Мусор вывозят ночью, шумно", author="Житель"),
        make_row(text="Не горит фонарь", author="Житель"),
    ]
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    with engine.connect() as conn:
        hits = search(conn, "не вывозят мусор")
        only_stop = search(conn, "не")
    assert {h.id for h in hits} == {rows[0]["id"], rows[1]["id"]}
    by_id = {h.id: h.snippet for h in hits}
    assert by_id[rows[0]["id"]] == "[Мусор] не [вывозят] уже неделю"
    assert {h.id for h in only_stop} == {rows[0]["id"], rows[2]["id"]}


def test_filtered_search_ranks_only_rows_passing_the_filter(engine: Engine) -> None:
    rows = [make_row(text=f"яма номер {i}", status=Status.NEW) for i in range(6)]
    for row in rows[:4]:
        row["status"] = Status.CLOSED
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    with engine.connect() as conn:
        hits = search(conn, "яма", flt=InboxFilter(statuses=frozenset({Status.NEW})), limit=1)
        all_hits = search(conn, "яма", limit=10)
    assert len(hits) == 1
    assert hits[0].id in {rows[4]["id"], rows[5]["id"]}
    assert {h.id for h in all_hits} == {r["id"] for r in rows}
    assert [h.rank for h in all_hits] == sorted((h.rank for h in all_hits), reverse=True)


def test_the_rank_window_counts_only_rows_passing_the_filter(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two oldest of ten matches pass the filter: with a window of three matches they are
    still found (the window is the newest three *filtered* matches, not the newest three)."""
    from cur_desktop.storage import search as search_module

    rows = [make_row(text=f"яма номер {i}", status=Status.CLOSED) for i in range(10)]
    rows[0]["status"] = rows[1]["status"] = Status.NEW
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    with engine.connect() as conn:
        hits = search(conn, "яма", flt=InboxFilter(statuses=frozenset({Status.NEW})))
    assert {h.id for h in hits} == {rows[0]["id"], rows[1]["id"]}


def test_a_filter_without_conditions_finds_what_no_filter_finds(
    engine: Engine, filled: dict[str, str]
) -> None:
    from datetime import UTC, datetime

    everything = InboxFilter(now=datetime(2026, 12, 1, tzinfo=UTC))  # the «Все» view's filter
    with engine.connect() as conn:
        for query in ("дорога", "яма", "житель", "освещение"):
            plain = search(conn, query, limit=10)
            assert search(conn, query, flt=everything, limit=10) == plain
    assert [h.id for h in plain] == [filled["other"]]
