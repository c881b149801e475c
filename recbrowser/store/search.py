"""Full-text search: a small, safe query language translated to FTS5, and the hit query.

User text never reaches FTS5 syntax as is. Every term becomes a double-quoted FTS5 string
(so NEAR, AND, column filters, ^, parentheses are just words), and only this module adds
operators:

    refund policy      both words (AND)           pric*        a word starting with "pric"
    "next week"        the phrase                 -voicemail   not that word (needs a word to find)
    refund OR return   either word
"""

from __future__ import annotations

import heapq
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


# Ranking: bm25() for every match (cheaper than the `rank` column), then the top of the
# list is picked in Python. SQL's ORDER BY would join every match to its call just to
# break ties; here only the rows that can make the page (rank <= the k-th best) are joined.
_SEGMENT_RANKS = "SELECT rowid, bm25(segments_fts) FROM segments_fts WHERE segments_fts MATCH ?"
_SUMMARY_RANKS = "SELECT rowid, bm25(summaries_fts) FROM summaries_fts WHERE summaries_fts MATCH ?"
_SEGMENT_RANKS_IN_ACCOUNT = (
    "SELECT segments_fts.rowid, bm25(segments_fts) FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid "
    "JOIN calls c ON c.id = s.call_id WHERE segments_fts MATCH ? AND c.account_id = ?"
)
_SUMMARY_RANKS_IN_ACCOUNT = (
    "SELECT summaries_fts.rowid, bm25(summaries_fts) FROM summaries_fts JOIN calls c ON c.id = summaries_fts.rowid "
    "WHERE summaries_fts MATCH ? AND c.account_id = ?"
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


def _details(conn: sqlite3.Connection, sql: str, ids: list[int]) -> dict[int, tuple]:
    return {r[0]: r for r in conn.execute(sql, (json.dumps(ids),))} if ids else {}


def _snippets(conn: sqlite3.Connection, expr: str, texts: list[str]) -> list[str]:
    conn.execute(_SNIPPET_TABLE)
    conn.execute("DELETE FROM temp.hit_text")
    conn.executemany("INSERT INTO temp.hit_text (rowid, text) VALUES (?, ?)", enumerate(texts))
    found = dict(conn.execute(_SNIPPETS, (expr,)).fetchall())
    conn.execute("DELETE FROM temp.hit_text")
    return [found.get(i, text) for i, text in enumerate(texts)]


def search(
    conn: sqlite3.Connection, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0
) -> list[SearchHit]:
    """Segment and summary hits, best match first, then the most recent call first."""
    expr = to_fts(query)
    limit, offset = max(0, limit), max(0, offset)
    if account is None:
        segs = conn.execute(_SEGMENT_RANKS, (expr,)).fetchall()
        sums = conn.execute(_SUMMARY_RANKS, (expr,)).fetchall()
    else:
        row = conn.execute("SELECT id FROM accounts WHERE name = ?", (account,)).fetchone()
        if row is None:
            return []
        segs = conn.execute(_SEGMENT_RANKS_IN_ACCOUNT, (expr, row[0])).fetchall()
        sums = conn.execute(_SUMMARY_RANKS_IN_ACCOUNT, (expr, row[0])).fetchall()
    k = offset + limit
    ranks = [r for _, r in segs] + [r for _, r in sums]
    if k == 0 or not ranks:
        return []
    # Everything ranked at or above the k-th best can be on the page (ties included).
    cut = max(ranks) if len(ranks) <= k else heapq.nsmallest(k, ranks)[-1]
    seg_details = _details(conn, _SEGMENT_DETAILS, [i for i, r in segs if r <= cut])
    sum_details = _details(conn, _SUMMARY_DETAILS, [i for i, r in sums if r <= cut])
    candidates = [(r, -seg_details[i][1], 0, i) for i, r in segs if i in seg_details]
    candidates += [(r, -sum_details[i][1], 1, i) for i, r in sums if i in sum_details]
    candidates.sort()
    page = candidates[offset:k]
    rows = [(kind, (sum_details if kind else seg_details)[i]) for _, _, kind, i in page]
    snippets = _snippets(conn, expr, [d[4] for _, d in rows])
    return [
        SearchHit(
            call_ref=call_ref(d[6], d[5]), account=d[6], call_provider_id=d[5], call_start_ms=d[1],
            speaker=d[2] or "", start_ms=d[3], text=d[4], snippet=snip, kind="summary" if kind else "segment",
        )
        for (kind, d), snip in zip(rows, snippets, strict=True)
    ]
