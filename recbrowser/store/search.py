"""Full-text search: a small, safe query language translated to FTS5, and the hit query.

User text never reaches FTS5 syntax as is. Every term becomes a double-quoted FTS5 string
(so NEAR, AND, column filters, ^, parentheses are just words), and only this module adds
operators:

    refund policy      both words (AND)           pric*        a word starting with "pric"
    "next week"        the phrase                 -voicemail   not that word (needs a word to find)
    refund OR return   either word
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass

from recbrowser.domain import SearchHit, call_ref
from recbrowser.store.records import SearchSyntaxError

SNIPPET_TOKENS = 32  # a transcript sentence is usually shorter: the whole of it is shown
EMPTY_QUERY = "Type a word to search for."
ONLY_EXCLUDED = "Type a word to search for; words starting with - only leave things out."


@dataclass
class _Term:
    text: str
    prefix: bool = False
    negated: bool = False

    def fts(self) -> str:
        return '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")


def _clean(query: str) -> str:
    # Control/format characters and lone surrogates: FTS5 stops at NUL, and the sqlite3
    # module cannot encode a surrogate. None of them can be part of a word anyway.
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn") else ch for ch in query)


def _has_token(text: str) -> bool:
    """Whether the unicode61 tokenizer would find a token in `text` (letters, digits, private use)."""
    return any(ch.isalnum() or unicodedata.category(ch) == "Co" for ch in text)


def _lex(query: str) -> list[_Term | str]:
    """Terms, and the string "OR" where the user wrote the OR operator."""
    out: list[_Term | str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and query[i + 1] == '"':
            negated, i = True, i + 1
        if query[i] == '"':
            end = query.find('"', i + 1)
            if end < 0:  # unbalanced quote: read the rest as plain words
                i += 1
                continue
            text, i = query[i + 1 : end], end + 1
            prefix = i < n and query[i] == "*"
            while i < n and query[i] == "*":
                i += 1
            out.append(_Term(text, prefix, negated))
            continue
        j = i
        while j < n and not query[j].isspace() and query[j] != '"':
            j += 1
        word, i = query[i:j], j
        if word == "OR":
            out.append("OR")
            continue
        if word.startswith("-"):
            negated, word = True, word.lstrip("-")
        prefix = word.endswith("*")
        out.append(_Term(word.rstrip("*"), prefix, negated))
    return out


def to_fts(query: str) -> str:
    """Translate a user's search text to an FTS5 MATCH expression (or raise SearchSyntaxError)."""
    groups: list[list[_Term]] = []  # ANDed; the terms inside a group are ORed
    negated: list[_Term] = []
    joining = False  # the last thing read was OR right after a positive term
    after_positive = False
    for item in _lex(_clean(query)):
        if item == "OR":
            joining, after_positive = after_positive, False
            continue
        assert isinstance(item, _Term)
        if not _has_token(item.text):  # punctuation only: nothing the index could match
            continue
        if item.negated:
            negated.append(item)
        elif joining:
            groups[-1].append(item)
        else:
            groups.append([item])
        joining, after_positive = False, not item.negated
    if not groups:
        raise SearchSyntaxError(ONLY_EXCLUDED if negated else EMPTY_QUERY)
    expr = " AND ".join(
        "(" + " OR ".join(t.fts() for t in g) + ")" if len(g) > 1 else g[0].fts() for g in groups
    )
    if negated:
        expr = f"({expr}) NOT ({' OR '.join(t.fts() for t in negated)})"
    return expr


# Ranking: bm25() (cheaper than the `rank` column). Each table's hits are ranked in one pass
# (SQLite sorts them: ~1 µs a hit, most of it bm25 reading each hit's length), and read best
# first only as far as the k-th best of both tables and every hit tied with it. A sentence's
# rank takes few values (it mostly depends on the sentence's length), so ties at the k-th are
# hundreds of hits: only their call's start time is read to break them by recency, and only
# the page's own hits are read in full.
TIE_BATCH = 256  # hits read at a time past the k-th, while they tie with it
_SEGMENT_RANKS = "SELECT segments_fts.rowid AS rid, bm25(segments_fts) AS r FROM segments_fts{join} WHERE segments_fts MATCH ?{where}"
_SUMMARY_RANKS = "SELECT summaries_fts.rowid AS rid, bm25(summaries_fts) AS r FROM summaries_fts{join} WHERE summaries_fts MATCH ?{where}"
# CROSS JOIN keeps the FTS scan outermost: probing FTS5 by rowid for each call of a big
# account would be far slower than filtering its hits.
_SEGMENT_ACCOUNT = (" CROSS JOIN segments s ON s.id = segments_fts.rowid CROSS JOIN calls c ON c.id = s.call_id", " AND c.account_id = ?")
_SUMMARY_ACCOUNT = (" CROSS JOIN calls c ON c.id = summaries_fts.rowid", " AND c.account_id = ?")
_SEGMENT_STARTS = (
    "SELECT s.id, c.start_ms FROM segments s JOIN calls c ON c.id = s.call_id JOIN accounts a ON a.id = c.account_id "
    "WHERE s.id IN (SELECT value FROM json_each(?))"
)
_SUMMARY_STARTS = (
    "SELECT c.id, c.start_ms FROM calls c JOIN accounts a ON a.id = c.account_id WHERE c.id IN (SELECT value FROM json_each(?))"
)
_SEGMENT_DETAILS = (
    "SELECT s.id, c.start_ms, s.speaker, s.start_ms, s.text, c.provider_id, a.name FROM segments s "
    "JOIN calls c ON c.id = s.call_id JOIN accounts a ON a.id = c.account_id WHERE s.id IN (SELECT value FROM json_each(?))"
)
_SUMMARY_DETAILS = (
    "SELECT c.id, c.start_ms, '', NULL, c.summary, c.provider_id, a.name FROM calls c "
    "JOIN accounts a ON a.id = c.account_id WHERE c.id IN (SELECT value FROM json_each(?))"
)
# Snippets: FTS5 finds a row in a long doclist slowly (a rowid seek per hit costs ~0.1 ms
# for a common word), so the page's texts are re-indexed in a tiny per-connection TEMP
# table with the same tokenizer and matched there: same highlighting, a fraction of the cost.
_SNIPPET_TABLE = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.hit_text USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')"
_SNIPPETS = f"SELECT rowid, snippet(hit_text, 0, '[', ']', '…', {SNIPPET_TOKENS}) FROM temp.hit_text WHERE hit_text MATCH ?"


# A word in one sentence of twenty has ~250,000 hits in a million calls: ranking them all with
# bm25 takes ~0.6 s (the p95 of search-as-you-type), and the ranking says little, since every
# hit holds the word about once. Past BROAD sentence hits (counted by FTS5 alone, ~1 ms), a
# search without an account filter lists the newest first instead: summaries, then sentences,
# each by rowid descending (the last synced first), which FTS5 reads straight off its index.
# It is a total order, so pages (an export by search walks them all) never skip or repeat.
BROAD = 20_000
_COUNT = "SELECT count(*) FROM (SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? LIMIT ?)"
_NEWEST = "SELECT rowid FROM {t} WHERE {t} MATCH ? ORDER BY rowid DESC LIMIT ?"


def _newest_page(conn: sqlite3.Connection, expr: str, offset: int, k: int) -> list[tuple[int, int]]:
    """(kind, rowid) of hits offset..k in the broad order: summaries, then sentences, newest first."""
    sums = [r for (r,) in conn.execute(_NEWEST.format(t="summaries_fts"), (expr, k))]
    segs = [r for (r,) in conn.execute(_NEWEST.format(t="segments_fts"), (expr, k - len(sums)))] if len(sums) < k else []
    return ([(1, i) for i in sums] + [(0, i) for i in segs])[offset:k]


def _details(conn: sqlite3.Connection, sql: str, ids: list[int]) -> dict[int, tuple]:
    return {r[0]: r for r in conn.execute(sql, (json.dumps(ids),))} if ids else {}


def _snippets(conn: sqlite3.Connection, expr: str, texts: list[str]) -> list[str]:
    conn.execute(_SNIPPET_TABLE)
    conn.execute("DELETE FROM temp.hit_text")
    conn.executemany("INSERT INTO temp.hit_text (rowid, text) VALUES (?, ?)", enumerate(texts))
    found = dict(conn.execute(_SNIPPETS, (expr,)).fetchall())
    conn.execute("DELETE FROM temp.hit_text")
    return [found.get(i, text) for i, text in enumerate(texts)]


def snippets(query: str, texts: list[str]) -> list[str]:
    """These texts' snippets as this store shows them (hits in [ ], cut to SNIPPET_TOKENS with …),
    for another store's hits: the team archive's search shows the same lines as the cache's."""
    conn = sqlite3.connect(":memory:")  # a private, throw-away index of a page of texts
    try:
        return _snippets(conn, to_fts(query), texts)
    finally:
        conn.close()


def _ranked(conn: sqlite3.Connection, sqls: tuple[str, str], params: tuple, k: int) -> list[list[tuple[int, float]]]:
    """Each table's (rowid, rank) hits ranked at or above the k-th best hit of both, ties included."""
    cursors = [conn.execute(f"{sql} ORDER BY r", params) for sql in sqls]
    parts = [cur.fetchmany(k) for cur in cursors]
    ranks = sorted(r for part in parts for _, r in part)
    cut = ranks[min(k, len(ranks)) - 1] if ranks else 0.0
    for cur, part in zip(cursors, parts, strict=True):
        while len(part) >= k and part[-1][1] <= cut:  # the hits after it may tie with the cut
            more = cur.fetchmany(TIE_BATCH)
            part += more
            if len(more) < TIE_BATCH:
                break
        cur.close()
    return [[(i, r) for i, r in part if r <= cut] for part in parts]


def search(
    conn: sqlite3.Connection, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0
) -> list[SearchHit]:
    """Segment and summary hits, best match first, then the most recent call first (past BROAD
    hits: newest first, see there)."""
    expr = to_fts(query)
    limit, offset = max(0, limit), max(0, offset)
    k = offset + limit
    if k == 0:
        return []
    if account is None and conn.execute(_COUNT, (expr, BROAD)).fetchone()[0] >= BROAD:
        return _newest_hits(conn, expr, offset, k)
    seg_sql, sum_sql = _SEGMENT_RANKS.format(join="", where=""), _SUMMARY_RANKS.format(join="", where="")
    params: tuple = (expr,)
    if account is not None:
        row = conn.execute("SELECT id FROM accounts WHERE name = ?", (account,)).fetchone()
        if row is None:
            return []
        seg_sql = _SEGMENT_RANKS.format(join=_SEGMENT_ACCOUNT[0], where=_SEGMENT_ACCOUNT[1])
        sum_sql = _SUMMARY_RANKS.format(join=_SUMMARY_ACCOUNT[0], where=_SUMMARY_ACCOUNT[1])
        params = (expr, row[0])
    segs, sums = _ranked(conn, (seg_sql, sum_sql), params, k)
    seg_starts = dict(conn.execute(_SEGMENT_STARTS, (json.dumps([i for i, _ in segs]),))) if segs else {}
    sum_starts = dict(conn.execute(_SUMMARY_STARTS, (json.dumps([i for i, _ in sums]),))) if sums else {}
    candidates = [(r, -seg_starts[i], 0, i) for i, r in segs if i in seg_starts]
    candidates += [(r, -sum_starts[i], 1, i) for i, r in sums if i in sum_starts]
    candidates.sort()
    page = candidates[offset:k]
    seg_details = _details(conn, _SEGMENT_DETAILS, [i for _, _, kind, i in page if kind == 0])
    sum_details = _details(conn, _SUMMARY_DETAILS, [i for _, _, kind, i in page if kind == 1])
    return _hits(conn, expr, [(kind, (sum_details if kind else seg_details)[i]) for _, _, kind, i in page])


def newest(conn: sqlite3.Connection, query: str, *, limit: int = 50) -> list[SearchHit]:
    """The first `limit` hits in the broad order (summaries, then sentences, newest first) whatever
    their number: a few milliseconds for any query, for the search box to show while it ranks."""
    return _newest_hits(conn, to_fts(query), 0, max(0, limit))


def _newest_hits(conn: sqlite3.Connection, expr: str, offset: int, k: int) -> list[SearchHit]:
    page_ids = _newest_page(conn, expr, offset, k)
    seg_details = _details(conn, _SEGMENT_DETAILS, [i for kind, i in page_ids if kind == 0])
    sum_details = _details(conn, _SUMMARY_DETAILS, [i for kind, i in page_ids if kind == 1])
    return _hits(conn, expr, [(kind, (sum_details if kind else seg_details)[i]) for kind, i in page_ids
                              if i in (sum_details if kind else seg_details)])


def _hits(conn: sqlite3.Connection, expr: str, rows: list[tuple[int, tuple]]) -> list[SearchHit]:
    snippets = _snippets(conn, expr, [d[4] for _, d in rows])
    return [
        SearchHit(
            call_ref=call_ref(d[6], d[5]), account=d[6], call_provider_id=d[5], call_start_ms=d[1],
            speaker=d[2] or "", start_ms=d[3], text=d[4], snippet=snip, kind="summary" if kind else "segment",
        )
        for (kind, d), snip in zip(rows, snippets, strict=True)
    ]


def warm(conn: sqlite3.Connection) -> None:
    """What the first search on a connection pays before its own hits: the schema, each FTS
    table's structure record, and the snippets' TEMP table."""
    for table in ("segments_fts", "summaries_fts"):
        conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH '\"a\"' LIMIT 1").fetchall()
    conn.execute(_SNIPPET_TABLE)
