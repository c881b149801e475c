"""Very common words on PostgreSQL: newest first instead of ranking every hit, as the SQLite store.

The SQLite store (store/search.py, BROAD) stops ranking past BROAD sentence hits in a search
without an account filter: ranking a word said in one sentence of twenty means reading every
hit (250,000 in a million calls), and says little. It lists summaries, then sentences, the last
synced first. Here the same: summaries by call id descending, then sentences by (call id, seq)
descending. Call ids are one identity across accounts, given in sync order as the SQLite row
ids are, so both stores list the same hits in the same order when filled alike.

Both steps need the GIN indexes, which a supervisor's own query cannot use under row-level
security (`@@` is not LEAKPROOF), so, as recbrowser_search, they are functions that run as the
owner and keep to recbrowser_visible_accounts(). FUNCTIONS is their SQL, for the schema version
that adds them (version 3); search.py uses them when the archive has them and ranks every hit
(as before) when it does not.

- recbrowser_hits_at_least: counts sentence hits up to n (a bitmap off the GIN index, stopping
  at n: a few ms whatever the word).
- recbrowser_search_newest: per visible account, the newest lim + skip sentence hits, merged.
  An account with many hits is walked newest first along its key, each sentence tested, which
  stops after lim + skip hits (`IS TRUE` keeps the test off the GIN index on purpose: GIN only
  gives every hit, unordered); an account with few hits (under WALK) takes them from the GIN
  index and sorts them, so an account where the word is rare is not walked end to end.
"""

from __future__ import annotations

import psycopg

WALK = 5000  # an account with fewer sentence hits than this is read off the GIN index instead

FUNCTIONS = f"""
CREATE FUNCTION recbrowser_hits_at_least(q tsquery, wanted bigint[], n integer) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT count(*) >= n FROM (
        SELECT 1 FROM public.segments s
        WHERE s.account_id = ANY(ARRAY(SELECT unnest(wanted) INTERSECT SELECT unnest(public.recbrowser_visible_accounts())))
        AND s.words @@ q LIMIT n) x $$;

CREATE FUNCTION recbrowser_search_newest(q tsquery, wanted bigint[], lim integer, skip integer)
    RETURNS TABLE (kind integer, account_id bigint, call_id bigint, seq integer, rank real, call_start bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
    WITH allowed AS (
        SELECT unnest(wanted) AS id INTERSECT SELECT unnest(public.recbrowser_visible_accounts())
    ), sums AS (
        SELECT 1 AS kind, c.account_id, c.id AS call_id, 0 AS seq FROM public.calls c
        WHERE c.account_id IN (SELECT id FROM allowed) AND c.summary <> '' AND c.summary_words @@ q
        ORDER BY c.id DESC LIMIT lim + skip
    ), segs AS (
        SELECT 0 AS kind, a.id AS account_id, h.call_id, h.seq FROM allowed a
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM (
            SELECT 1 FROM public.segments s WHERE s.account_id = a.id AND s.words @@ q LIMIT {WALK}) x) many
        CROSS JOIN LATERAL (
            (SELECT s.call_id, s.seq FROM public.segments s
             WHERE many.n >= {WALK} AND s.account_id = a.id AND (s.words @@ q) IS TRUE
             ORDER BY s.call_id DESC, s.seq DESC LIMIT lim + skip)
            UNION ALL
            (SELECT s.call_id, s.seq FROM public.segments s
             WHERE many.n < {WALK} AND s.account_id = a.id AND s.words @@ q
             ORDER BY s.call_id DESC, s.seq DESC LIMIT lim + skip)) h
        ORDER BY h.call_id DESC, h.seq DESC LIMIT lim + skip
    ), page AS (
        SELECT * FROM sums UNION ALL SELECT * FROM segs
        ORDER BY kind DESC, call_id DESC, seq DESC LIMIT lim OFFSET skip
    )
    SELECT p.kind, p.account_id, p.call_id, p.seq, NULL::real, c.start_ms FROM page p
    JOIN public.calls c ON c.account_id = p.account_id AND c.id = p.call_id
    ORDER BY p.kind DESC, p.call_id DESC, p.seq DESC $$;

REVOKE ALL ON FUNCTION recbrowser_hits_at_least(tsquery, bigint[], integer),
    recbrowser_search_newest(tsquery, bigint[], integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recbrowser_hits_at_least(tsquery, bigint[], integer),
    recbrowser_search_newest(tsquery, bigint[], integer, integer)
    TO recbrowser_admin, recbrowser_supervisor, recbrowser_service;
"""

# Whether this archive has the functions: asked in the same round trip as the tsquery.
PRESENT = "to_regprocedure('recbrowser_search_newest(tsquery,bigint[],integer,integer)') IS NOT NULL"


def install(conn: psycopg.Connection) -> None:
    """Create the functions (as the archive's owner). For the benchmarks and tests until a schema
    version adds them; not called by the app."""
    for statement in FUNCTIONS.split(";"):
        if statement.strip():
            conn.execute(statement)


def is_broad(conn: psycopg.Connection, q: str, ids: list[int], broad: int) -> bool:
    row = conn.execute("SELECT recbrowser_hits_at_least(%s::tsquery, %s::bigint[], %s)", (q, ids, broad)).fetchone()
    return bool(row and row[0])
