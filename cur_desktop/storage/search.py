"""Full-text search over incidents: Russian stemming, safe MATCH expressions, bm25, snippets.

Indexed text and queries go through the same pipeline: lower-case, ``ё`` -> ``е``, split into
runs of letters and digits, Snowball "russian" stem (PyStemmer; Latin words pass through the
same stemmer unchanged in practice). So "дорога" finds "дорогам" and "ямы" finds "яма".

A query becomes an AND of quoted single tokens, so FTS5 syntax typed by a user (quotes, ``*``,
parentheses, ``-``, ``:``) is dropped, and upper-case ``AND``/``OR``/``NOT``/``NEAR`` are
dropped as operators (every word must match anyway). Russian stop words ("не", "на", "в",
"нет" ...: ``STOP_WORDS``) are dropped from a query that has other words: they occur in most
posts, and ranking has to read every posting of each query term, so "не вывозят мусор" would
cost a walk over most of the index for no selectivity. The index itself keeps them (a query
made only of stop words still searches them), so its contents did not change.
Snippets are built in Python from the original text, matching words marked ``[...]``.
Ranking (bm25) covers the newest ``RANK_WINDOW`` matches of a query (among the rows passing
the filter), by local rowid: a common word's best matches among its latest posts.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import Stemmer
from sqlalchemy import Connection, Label, bindparam, column, literal_column, select, table

from cur_desktop.storage.inbox import InboxFilter, filter_clauses
from cur_desktop.storage.tables import FTS_TABLE, incident_table

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+")
_OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
_local = threading.local()
SNIPPET_RADIUS = 60
"""Characters of context kept on each side of the first match in a snippet."""
MAX_QUERY_TOKENS = 16
_STOP_WORDS_TEXT = """
    а без более будет будто бы был была были было быть в вам вас ведь во вот впрочем все всего
    всех всю вы где да даже для до его ее ей ему если есть еще ж же за здесь и из или им их к
    как какая какой когда кто ли между меня мне мой моя мы на над нас не него нее ней нет ни
    нибудь ним них но ну о об он она они оно опять от перед по под после при про раз разве с
    сам себе себя со та так такой там те тем то того тоже той только том тот ту тут ты у уж
    уже хоть чем чего через что чтоб чтобы эта эти этим этих это этого этой этом этот эту я
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())
"""Function words (lower case, ``ё`` as ``е``) left out of a query that has other words: a
subset of the Snowball Russian stop list without its numerals and content adverbs ("можно",
"нельзя", "хорошо" ...), which residents use to say what is wrong."""
RANK_WINDOW = 2_000
"""bm25 is computed for at most this many matches (of the query and the filter), the newest
(highest rowid) ones: ranking every match of a common word in a million incidents takes far
too long (bm25 over the newest 20,000 matches: 45-60 ms at a million incidents, over 2,000:
8-15 ms; reading the newest 2,000 matching rowids: about 1 ms). The window shows the best
500 of them: for a common word, the most
relevant of the latest posts, which is what an operator looks for (they sort by recency
anyway); a rare word has fewer matches than the window and all of them are ranked."""


CHUNK_STEMS_MAX = 100_000
"""At most this many whitespace-separated pieces of text keep their stems in memory (a
first sync of a region meets most words thousands of times; stemming is the costliest part of
indexing a post: ~10 µs a post, ~4 µs with the pieces remembered). Emptied when full."""
_CHUNK_STEMS: dict[str, str] = {}


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe: one per thread
        stemmer = Stemmer.Stemmer("russian")
        _local.stemmer = stemmer
    return stemmer


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def stem_words(words: Iterable[str]) -> list[str]:
    """Stem lower-cased words with the Russian Snowball stemmer."""
    result: list[str] = _stemmer().stemWords(list(words))
    return result


def _chunk_stems(chunk: str) -> str:
    """The stems of one whitespace-free piece of text, space-separated (remembered)."""
    words = _words(chunk)
    stems = " ".join(stem_words(words)) if words else ""
    if len(_CHUNK_STEMS) >= CHUNK_STEMS_MAX:
        _CHUNK_STEMS.clear()
    _CHUNK_STEMS[chunk] = stems
    return stems


def stem_text(text: str) -> str:
    """Return the space-separated stemmed tokens of ``text`` (what the FTS index stores).

    The text is cut at whitespace and each piece is looked up in :data:`_CHUNK_STEMS`, so a
    word is stemmed once, not once per post: the result equals
    ``" ".join(stem_words(_words(text)))`` (a word never spans whitespace, and lower-casing
    and ``ё`` -> ``е`` act on each piece as on the whole text).
    """
    get = _CHUNK_STEMS.get
    out: list[str] = []
    for chunk in text.split():
        stems = get(chunk)
        if stems is None:
            stems = _chunk_stems(chunk)
        if stems:
            out.append(stems)
    return " ".join(out)


def stem_texts(texts: Iterable[str]) -> list[str]:
    """:func:`stem_text` of each text (the bulk-insert path)."""
    return [stem_text(t) for t in texts]


def query_stems(q: str) -> list[str]:
    """Return the distinct stems of a user query, in order, at most ``MAX_QUERY_TOKENS``.

    Stop words are left out unless the query has nothing else.
    """
    words = _words(_OPERATORS.sub(" ", q))
    content = [w for w in words if w not in STOP_WORDS]
    seen: dict[str, None] = {}
    for stem in stem_words(content or words):
        seen.setdefault(stem, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def stem_query(q: str) -> str:
    """Return an FTS5 MATCH expression for ``q``: every stem must occur; ``""`` if none."""
    return " ".join(f'"{stem}"' for stem in query_stems(q))


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result; ``rank`` is the negated bm25 score, so higher is better.

    ``rowid`` is the incident's local row key; ``snippet`` is ``""`` past the first
    ``snippets`` hits when the search was asked for fewer snippets than hits.
    """

    id: str
    rank: float
    snippet: str
    rowid: int = 0


def make_snippet(text: str, stems: Iterable[str], radius: int = SNIPPET_RADIUS) -> str:
    """Cut ``text`` around its first word whose stem is in ``stems``; mark matches ``[...]``.

    The cut is widened to whole words; "…" marks text left out on either side.
    """
    wanted = set(stems)
    found = list(_WORD.finditer(text))
    word_stems = stem_words(m.group().lower().replace("ё", "е") for m in found)
    matches = [m for m, s in zip(found, word_stems, strict=True) if s in wanted]
    if not matches:
        start, end = 0, min(len(text), 2 * radius)
    else:
        start = max(0, matches[0].start() - radius)
        end = min(len(text), matches[0].end() + radius)
    if start > 0:  # move forward to the start of a word
        space = text.find(" ", start, matches[0].start() if matches else end)
        start = space + 1 if space != -1 else start
    if end < len(text):  # move back to the end of a word
        space = text.rfind(" ", matches[0].end() if matches else start, end)
        end = space if space != -1 else end
    parts: list[str] = []
    pos = start
    for m in matches:
        if m.start() >= start and m.end() <= end:
            parts += [text[pos : m.start()], f"[{m.group()}]"]
            pos = m.end()
    parts.append(text[pos:end])
    body = " ".join("".join(parts).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


_fts = table(FTS_TABLE, column("rowid"))


def search(
    conn: Connection,
    query: str,
    *,
    flt: InboxFilter | None = None,
    limit: int = 50,
    snippets: int | None = None,
) -> list[SearchHit]:
    """Find incidents matching ``query`` (and ``flt``), best first by bm25.

    Only the newest :data:`RANK_WINDOW` matches (that pass ``flt``) are ranked: see the
    module docstring. ``snippets``: build snippets for the best ``snippets`` hits only (a
    snippet stems every word of its text); the others get ``""``.

    The ranking query carries only rowids and scores: the incident row is joined only when
    ``flt`` has a condition (a filter of no condition, e.g. the «Все» view's, joins nothing;
    the join alone cost about as much as the ranking at a million incidents); author and
    text are read for the ``limit`` best rows alone.
    """
    stems = query_stems(query)
    if not stems or limit <= 0:
        return []
    match = " ".join(f'"{s}"' for s in stems)
    matches = literal_column(FTS_TABLE).op("MATCH")(bindparam("q", match))
    inc = incident_table
    score: Label[Any] = literal_column(f"bm25({FTS_TABLE})").label("score")
    ranked = select(_fts.c.rowid.label("rid"), score).where(matches)
    newest = select(_fts.c.rowid).where(matches)
    clauses = filter_clauses(flt) if flt is not None else []
    if clauses:
        ranked = ranked.join_from(_fts, inc, inc.c.rowid_ == _fts.c.rowid).where(*clauses)
        newest = newest.join_from(_fts, inc, inc.c.rowid_ == _fts.c.rowid).where(*clauses)
    floor = conn.execute(
        newest.order_by(_fts.c.rowid.desc()).limit(1).offset(RANK_WINDOW - 1)
    ).scalar_one_or_none()
    if floor is not None:  # more matches than the window: rank the newest ones only
        ranked = ranked.where(_fts.c.rowid >= floor)
    best = ranked.order_by(literal_column("score"), _fts.c.rowid).limit(limit).subquery("best")
    stmt = (
        select(inc.c.id, inc.c.author, inc.c.text, best.c.score, best.c.rid)
        .join_from(best, inc, inc.c.rowid_ == best.c.rid)
        .order_by(best.c.score, best.c.rid)
    )
    hits: list[SearchHit] = []
    with_snippet = limit if snippets is None else snippets
    for number, row in enumerate(conn.execute(stmt)):
        snippet = ""
        if number < with_snippet:
            source = row.text if _has_match(row.text, stems) else f"{row.author}: {row.text}"
            snippet = make_snippet(source, stems)
        hits.append(
            SearchHit(id=row.id, rank=-float(row.score), snippet=snippet, rowid=int(row.rid))
        )
    return hits


def _has_match(text: str, stems: list[str]) -> bool:
    wanted = set(stems)
    return any(s in wanted for s in stem_words(_words(text)))
