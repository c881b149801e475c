"""Full-text search on PostgreSQL: the same query language as the SQLite store, on tsvector + GIN.

    refund policy      both words (AND)           pric*        a word starting with "pric"
    "next week"        the phrase                 -voicemail   not that word (needs a word to find)
    refund OR return   either word

User text never reaches tsquery syntax: the query is read by the SQLite store's own lexer
(store/search.py, so both stores understand a query alike), and each term is handed to
PostgreSQL as a bound parameter of recbrowser_term(term, prefix) (schema_v1), which builds its
tsquery with phraseto_tsquery: words in order, the last a prefix when asked. Only this module
combines terms, with the tsquery operators && || !!.

The tsquery is built in a first round trip and bound as a value in the second, so the planner
sees a constant and uses the GIN indexes (account_id, words).
"""

from __future__ import annotations

import psycopg

from recbrowser.domain import SearchHit, call_ref
from recbrowser.store import search as cache_search
from recbrowser.store.postgres import search_broad
from recbrowser.store.records import SearchSyntaxError
from recbrowser.store.search import EMPTY_QUERY, ONLY_EXCLUDED, _clean, _has_token, _lex, _Term

CONFIG = "recbrowser_text"


def parse(query: str) -> tuple[list[list[_Term]], list[_Term]]:
    """(groups ANDed, each group's terms ORed; terms to leave out), as store/search.to_fts reads them."""
    groups: list[list[_Term]] = []
    negated: list[_Term] = []
    joining = after_positive = False
    for item in _lex(_clean(query)):
        if item == "OR":
            joining, after_positive = after_positive, False
            continue
        assert isinstance(item, _Term)
        if not _has_token(item.text):
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
    return groups, negated


def to_tsquery_sql(query: str) -> tuple[str, list[object]]:
    """SQL text of a tsquery expression and its parameters: only placeholders carry user text."""
    groups, negated = parse(query)
    params: list[object] = []

    def term(t: _Term) -> str:
        params.extend([t.text, t.prefix])
        return "recbrowser_term(%s, %s)"

    def any_of(terms: list[_Term]) -> str:
        return "(" + " || ".join(term(t) for t in terms) + ")"

    expr = " && ".join(any_of(g) for g in groups)
    if negated:
        expr = f"({expr}) && !!{any_of(negated)}"
    return expr, params


def tsquery(conn: psycopg.Connection, query: str) -> str | None:
    """The query as tsquery text (PostgreSQL's own rendering); None when nothing is left to find
    (e.g. every word was punctuation once normalised)."""
    return _tsquery(conn, query)[0]


def _tsquery(conn: psycopg.Connection, query: str) -> tuple[str | None, bool]:
    """(tsquery text or None, whether the archive can list a broad search newest first)."""
    expr, params = to_tsquery_sql(query)
    row = conn.execute(f"SELECT q::text, numnode(q), {search_broad.PRESENT} FROM (SELECT {expr} AS q) x",
                       params).fetchone()
    assert row is not None
    return (row[0] if row[1] else None), bool(row[2])


# Hits ranked by ts_rank (higher first; the SQLite store's bm25 is its equivalent), ties broken
# by the most recent call, then summaries before sentences, then position: ranked and paged by
# recbrowser_search() (schema_v1: why it runs as the owner), then the page's texts and snippets
# are read here under the caller's own row-level security (their snippets are made as the
# cache makes them, below, so a hit reads the same on either store).
_HITS = """
SELECT p.kind, a.name, c.provider_id, p.call_start, coalesce(s.speaker, ''), s.start_ms,
    coalesce(s.text, c.summary)
FROM {function}(%(q)s::tsquery, %(accounts)s::bigint[], %(limit)s, %(offset)s) WITH ORDINALITY p
JOIN accounts a ON a.id = p.account_id
JOIN calls c ON c.account_id = p.account_id AND c.id = p.call_id
LEFT JOIN segments s ON p.kind = 0 AND s.account_id = p.account_id AND s.call_id = p.call_id AND s.seq = p.seq
ORDER BY p.ordinality
"""
_RANKED = _HITS.format(function="recbrowser_search")
# Past BROAD sentence hits, without an account filter: newest first (search_broad.py).
_NEWEST = _HITS.format(function="recbrowser_search_newest")


def search(conn: psycopg.Connection, query: str, *, account: str | None = None, limit: int = 50,
           offset: int = 0) -> list[SearchHit]:
    q, can_cut = _tsquery(conn, query)
    limit, offset = max(0, limit), max(0, offset)
    if q is None or limit == 0:
        return []
    rows = conn.execute("SELECT id, name FROM accounts ORDER BY name").fetchall()  # what the user sees (RLS)
    ids = [i for i, name in rows if account is None or name == account]
    if not ids:
        return []
    broad = (account is None and can_cut
             and search_broad.is_broad(conn, q, ids, cache_search.BROAD))  # BROAD read here: tests lower it
    found = conn.execute(_NEWEST if broad else _RANKED, {"q": q, "accounts": ids, "limit": limit, "offset": offset}).fetchall()
    # The cache's snippets, not ts_headline's (which cuts at other words and drops the "…").
    shown = cache_search.snippets(query, [row[6] for row in found])
    return [
        SearchHit(call_ref=call_ref(name, pid), account=name, call_provider_id=pid, call_start_ms=start,
                  speaker=speaker, start_ms=at, text=text, snippet=snippet, kind="summary" if kind else "segment")
        for (kind, name, pid, start, speaker, at, text), snippet in zip(found, shown, strict=True)
    ]
