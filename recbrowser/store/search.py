"""Full-text search: a small, safe query language translated to FTS5, and the hit query.

User text never reaches FTS5 syntax as is. Every term becomes a double-quoted FTS5 string
(so NEAR, AND, column filters, ^, parentheses are just words), and only this module adds
operators:

    refund policy      both words (AND)           pric*        a word starting with "pric"
    "next week"        the phrase                 -voicemail   not that word (needs a word to find)
    refund OR return   either word
"""

from __future__ import annotations

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


# Phase 1 ranks every match but carries only ids; the costly snippet() runs for the page only.
_RANKED = """
SELECT h.kind, h.rid FROM (
    SELECT 0 AS kind, segments_fts.rowid AS rid, s.call_id AS call_id, segments_fts.rank AS rank
    FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid WHERE segments_fts MATCH :q
    UNION ALL
    SELECT 1, summaries_fts.rowid, summaries_fts.rowid, summaries_fts.rank
    FROM summaries_fts WHERE summaries_fts MATCH :q
) h JOIN calls c ON c.id = h.call_id {account}
ORDER BY h.rank, c.start_ms DESC, h.kind, h.rid LIMIT :limit OFFSET :offset
"""
_SEGMENT_HITS = f"""
SELECT segments_fts.rowid, snippet(segments_fts, 0, '[', ']', '…', {SNIPPET_TOKENS}),
       s.speaker, s.start_ms, s.text, c.provider_id, c.start_ms, a.name
FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid
JOIN calls c ON c.id = s.call_id JOIN accounts a ON a.id = c.account_id
WHERE segments_fts MATCH ? AND segments_fts.rowid = ?
"""
_SUMMARY_HITS = f"""
SELECT summaries_fts.rowid, snippet(summaries_fts, 0, '[', ']', '…', {SNIPPET_TOKENS}),
       '', NULL, c.summary, c.provider_id, c.start_ms, a.name
FROM summaries_fts JOIN calls c ON c.id = summaries_fts.rowid JOIN accounts a ON a.id = c.account_id
WHERE summaries_fts MATCH ? AND summaries_fts.rowid = ?
"""


def search(
    conn: sqlite3.Connection, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0
) -> list[SearchHit]:
    """Segment and summary hits, best match first, then the most recent call first."""
    expr = to_fts(query)
    params: dict[str, object] = {"q": expr, "limit": max(0, limit), "offset": max(0, offset)}
    where = ""
    if account is not None:
        row = conn.execute("SELECT id FROM accounts WHERE name = ?", (account,)).fetchone()
        if row is None:
            return []
        where, params["account"] = "WHERE c.account_id = :account", row[0]
    ranked = conn.execute(_RANKED.format(account=where), params).fetchall()
    hits = []
    for kind, rid in ranked:
        # rowid = ? makes FTS5 seek straight to the row; each lookup is a few pages.
        r = conn.execute(_SUMMARY_HITS if kind else _SEGMENT_HITS, (expr, rid)).fetchone()
        if r is None:  # pragma: no cover - deleted between the two reads of this transaction-less query
            continue
        hits.append(
            SearchHit(
                call_ref=call_ref(r[7], r[5]), account=r[7], call_provider_id=r[5], call_start_ms=r[6],
                speaker=r[2] or "", start_ms=r[3], text=r[4], snippet=r[1], kind="summary" if kind else "segment",
            )
        )
    return hits
