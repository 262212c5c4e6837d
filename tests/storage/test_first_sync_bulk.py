"""A first sync through the bulk path equals the general path: rows, search hits, flags.

The bulk path (prepared tuples, remembered stems, derived flags written with the new rows,
indexes built at the end of the snapshot) is compared with the same pages applied through
the general upsert (changes without prepared rows: ``localstate.write_view_incidents`` and
``refresh_derived``, the path every page took before). A garbage NDJSON page in the middle
of a snapshot is refused before anything is written; a snapshot cut after its first page
continues from the cursor and ends with the same store.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import Stemmer
from sqlalchemy import Connection, Engine, select, text

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.storage import search as search_module
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.pull_pages import DecodedChange, apply_page
from cur_desktop.storage.search import search, stem_text, stem_texts
from cur_desktop.storage.tables import FTS_TABLE, incident_table
from cur_desktop.sync.errors import ServerProtocolError
from cur_desktop.sync.page_codec import parse_ndjson_page
from cur_desktop.sync.syncer import decode_ndjson, decode_page
from tests.helpers.wire_factories import T0, incident, page


def _answer(inc: wire.IncidentWire, kind: AnswerKind) -> wire.AnswerWire:
    return wire.AnswerWire(
        id=uuid.uuid4(),
        incident_id=inc.id,
        kind=kind,
        state=AnswerState.PUBLISHED,
        text="Работы выполнены, фото приложено.",
        author="ivanova",
        created_at=T0,
        published_at=T0,
        version=1,
    )


def _snapshot() -> list[list[wire.IncidentWire | wire.AnswerWire]]:
    """Three pages of a snapshot: answers before and after their incidents, sticky statuses."""
    early = incident(seq_minutes=1, text="Яма на дороге у школы", status=Status.SENT_TO_EXECUTOR)
    reworked = incident(seq_minutes=2, text="Не вывозят мусор, ёлки во дворе", status=Status.REWORK)
    reopened = incident(
        seq_minutes=3, author="Пётр", text="Снова нет воды!", status=Status.REOPENED
    )
    late = incident(seq_minutes=4, text="Сломан светофор на перекрёстке")
    closed = incident(seq_minutes=5, text="Дорогу отремонтировали", status=Status.CLOSED)
    plain = [incident(seq_minutes=10 + i, text=f"Обращение номер {i}: дороги") for i in range(4)]
    return [
        # an interim answer of ``early`` comes before ``early`` itself (its seq is older)
        [_answer(early, AnswerKind.INTERIM), reworked, early, plain[0]],
        [reopened, late, _answer(late, AnswerKind.FINAL), plain[1], plain[2]],
        [closed, plain[3], _answer(reworked, AnswerKind.INTERIM)],
    ]


def _pages() -> list[wire.PullResponse]:
    pages: list[wire.PullResponse] = []
    seq = 1
    chunks = _snapshot()
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        pages.append(page(chunk, start_seq=seq, reset=number == 0, has_more=not last))
        seq += len(chunk)
    return pages


def _general(pulled: wire.PullResponse) -> list[DecodedChange]:
    """The page's changes without prepared rows: every incident through the general upsert."""
    return [DecodedChange(c.entity, c.id, c.data) for c in decode_page(pulled)]


def _store(path: Path) -> Engine:
    engine = open_engine(path)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
    return engine


def _contents(conn: Connection) -> dict[str, Any]:
    rows = conn.execute(select(incident_table)).mappings()
    view = {str(r["id"]): {k: v for k, v in r.items() if k != "rowid_"} for r in rows}
    hits = {
        q: sorted(h.id for h in search(conn, q))
        for q in ("дорога", "ямы", "елки", "мусор", "воды", "петр", "светофор", "номер 2")
    }
    indexes = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'incident' ORDER BY name")
    ).all()
    fts_rows = conn.execute(text(f"SELECT count(*) FROM {FTS_TABLE}")).scalar_one()
    return {"view": view, "hits": hits, "indexes": indexes, "fts_rows": fts_rows}


def test_bulk_snapshot_equals_the_general_path(tmp_path: Path) -> None:
    bulk, general = _store(tmp_path / "bulk.sqlite3"), _store(tmp_path / "general.sqlite3")
    try:
        for pulled in _pages():
            with bulk.begin() as conn:
                apply_page(conn, pulled, decode_page(pulled))
            with general.begin() as conn:
                apply_page(conn, pulled, _general(pulled))
        with bulk.connect() as a, general.connect() as b:
            got, expected = _contents(a), _contents(b)
        assert got == expected
        by_text = {row["text"]: row for row in got["view"].values()}
        # flags by hand: interim of ``early`` arrived before it; final of ``late`` after it
        early = by_text["Яма на дороге у школы"]
        assert (early["has_interim"], early["has_final"]) == (True, False)
        late = by_text["Сломан светофор на перекрёстке"]
        assert (late["has_interim"], late["has_final"]) == (False, True)
        reworked = by_text["Не вывозят мусор, ёлки во дворе"]
        assert (reworked["was_reworked"], reworked["has_interim"]) == (True, True)
        assert by_text["Снова нет воды!"]["was_reopened"] is True
        assert by_text["Дорогу отремонтировали"]["current_due"] is None
        assert len(got["view"]) == 9
        assert got["fts_rows"] == 9
        assert len(got["hits"]["дорога"]) == 6  # школы' дороге, отремонтировали, 4 x дороги
    finally:
        bulk.dispose()
        general.dispose()


def test_snapshot_cut_after_its_first_page_resumes_to_the_same_store(tmp_path: Path) -> None:
    pages = _pages()
    cut, whole = _store(tmp_path / "cut.sqlite3"), _store(tmp_path / "whole.sqlite3")
    try:
        with cut.begin() as conn:
            apply_page(conn, pages[0], decode_page(pages[0]))
        cut.dispose()  # the program stops mid-snapshot; a new one opens the same file
        cut = open_engine(tmp_path / "cut.sqlite3")
        with cut.connect() as conn:
            cursor = int(sync_state.get_state(conn, sync_state.KEY_CURSOR) or 0)
        assert cursor == pages[0].next_cursor
        for pulled in pages[1:]:
            with cut.begin() as conn:
                apply_page(conn, pulled, decode_page(pulled))
        for pulled in pages:
            with whole.begin() as conn:
                apply_page(conn, pulled, decode_page(pulled))
        with cut.connect() as a, whole.connect() as b:
            assert _contents(a) == _contents(b)
    finally:
        cut.dispose()
        whole.dispose()


def _ndjson(pulled: wire.PullResponse) -> bytes:
    head = {
        "count": len(pulled.changes),
        "next_cursor": pulled.next_cursor,
        "has_more": pulled.has_more,
        "last_mutation_id": pulled.last_mutation_id,
        "reset": pulled.reset,
    }
    lines = [json.dumps(head)] + [c.model_dump_json() for c in pulled.changes]
    return "\n".join(lines).encode()


def test_a_garbage_line_refuses_the_page_before_anything_is_written(tmp_path: Path) -> None:
    pages = _pages()
    engine = _store(tmp_path / "store.sqlite3")
    try:
        with engine.begin() as conn:
            apply_page(conn, pages[0], decode_page(pages[0]))
        with engine.connect() as conn:
            before = _contents(conn), sync_state.get_state(conn, sync_state.KEY_CURSOR)
        body = _ndjson(pages[1])
        assert parse_ndjson_page(body, pages[0].next_cursor)[1]  # the page as sent is fine
        good = body.split(b"\n")
        bad_time = good[2].replace(b'"received_at":"', b'"received_at":"yesterday ', 1)
        for garbage in (
            b"\n".join([*good[:2], bad_time, *good[3:]]),  # one bad instant in the middle
            b"\n".join([*good[:2], b'{"seq": 9, "entity": "incident"', *good[3:]]),
            b"\n".join(good[:-1]),  # a line short of the announced count
        ):
            with pytest.raises(ServerProtocolError):
                decode_ndjson(garbage, pages[0].next_cursor)
        with engine.connect() as conn:
            assert (_contents(conn), sync_state.get_state(conn, sync_state.KEY_CURSOR)) == before
    finally:
        engine.dispose()


_REFERENCE_WORD = re.compile(r"[^\W_]+")


def _reference_stem_text(source: str) -> str:
    """The indexing rule as it was written before the stems were remembered per piece."""
    words = _REFERENCE_WORD.findall(source.lower().replace("ё", "е"))
    return " ".join(Stemmer.Stemmer("russian").stemWords(words))


@pytest.mark.parametrize(
    "source",
    [
        "Помогите, пожалуйста! Просим продлить маршрут автобуса до нового микрорайона.",
        "ЁЛКИ-палки,ёжик\tи\nЕЛЬ; snake_case и CamelCase 42км 3-й дом",
        "нераз\u00a0рывный пробел, «кавычки», (скобки) и тире — вот…",
        "ΟΔΟΣ ΣΟΦΟΣ Σ ΑΣ: греческая сигма в конце слова",
        "İstanbul İİ ǅemal ß straße",  # lower() changes the length of these
        "",
        "   \n\t  ",
        "!!! ??? ...",
        "@user_name #хэштег https://vk.com/wall-1_2?w=3",
    ],
)
def test_remembered_stems_equal_the_reference_rule(source: str) -> None:
    expected = _reference_stem_text(source)
    assert stem_text(source) == expected
    assert stem_text(source) == expected  # second time from the remembered pieces
    assert stem_texts([source, source]) == [expected, expected]


def test_remembered_stems_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "CHUNK_STEMS_MAX", 3)
    search_module._CHUNK_STEMS.clear()
    assert stem_text("дороги ямы люки дома") == "дорог ям люк дом"
    assert len(search_module._CHUNK_STEMS) <= 3
    assert stem_text("дороги ямы люки дома") == "дорог ям люк дом"
