"""Very common words on PostgreSQL: newest first instead of ranking every hit, as the SQLite store.

The SQLite store (store/search.py, BROAD) stops ranking past BROAD sentence hits in a search
without an account filter: ranking a word said in one sentence of twenty means reading every
hit (250,000 in a million calls), and says little. It lists summaries, then sentences, the last
synced first. Here the same: summaries by call id descending, then sentences by (call id, seq)
descending. Call ids are one identity across accounts, given in sync order as the SQLite row
ids are, so both stores list the same hits in the same order when filled alike.

Both steps need the GIN indexes, which a supervisor's own query cannot use under row-level
security (`@@` is not LEAKPROOF), so, as recbrowser_search, they are functions that run as the
owner and keep to recbrowser_visible_accounts(). FUNCTIONS is their SQL, which schema version 3
creates (schema_v3.py); search.py asks for them by PRESENT in the round trip that makes the
tsquery (benchmarks/bench_team_pg_scale.py turns it off to measure ranking every hit).

- recbrowser_hits_at_least: whether the visible sentence hits reach n. A word the planner's
  statistics put far from n (ANALYZE keeps the counts of the frequent words, and each account's
  share of the sentences) is answered from the estimate: counting 20,000 hits costs 0.1-0.5 s,
  and a mid-frequency word would pay for its hits twice. Near n (within ESTIMATE_MARGIN times),
  the hits are counted, by a scan that stops at n. The estimate assumes a word is spread over the
  accounts like their sentences: a word common only in accounts the user does not see may be
  taken for a common one (newest first, of the few hits there are).
- recbrowser_search_newest: per visible account, the newest lim + skip sentence hits, merged.
  Each account is walked newest first along its key, each sentence tested, which stops after
  lim + skip hits: a word in one sentence of twenty costs ~20 sentences a hit (`IS TRUE` keeps
  the test off the GIN index on purpose: GIN gives every hit, unordered, and a quarter of a
  million of them cost a second to sort). Known cost: an account where the word is rare, beside
  accounts where it is very common, is walked far (to its end, if it has fewer hits than the page).
"""

from __future__ import annotations

import psycopg

ESTIMATE_MARGIN = 4  # a word estimated at under BROAD / 4 hits is ranked without counting them

_VISIBLE = "ARRAY(SELECT unnest(wanted) INTERSECT SELECT unnest(public.recbrowser_visible_accounts()))"

# Statement by statement (the plpgsql body holds semicolons).
FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION recbrowser_hits_at_least(q tsquery, wanted bigint[], n integer) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER  -- VOLATILE: EXPLAIN is not allowed in a STABLE one
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        plan json;
        estimate float8;
        visible bigint[] := {_VISIBLE};
        share float8;
        found bigint;
    BEGIN
        -- The planner's estimate over every account (ANALYZE keeps the frequent words' counts),
        -- times the visible accounts' share of the sentences (their most common values): far
        -- from n either way, that is the answer; near n, the hits are counted.
        EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM public.segments WHERE words @@ $1' INTO plan USING q;
        estimate := (plan->0->'Plan'->>'Plan Rows')::float8;
        IF estimate < n / {ESTIMATE_MARGIN} THEN
            RETURN false;
        END IF;
        SELECT sum(m.f) INTO share FROM pg_stats st,
            unnest(st.most_common_vals::text::bigint[], st.most_common_freqs) AS m(v, f)
            WHERE st.schemaname = 'public' AND st.tablename = 'segments' AND st.attname = 'account_id'
            AND m.v = ANY(visible);
        IF estimate * coalesce(share, 0) > n * {ESTIMATE_MARGIN} THEN
            RETURN true;
        END IF;
        -- EXECUTE: planned for this q, so a frequent word is counted by a scan that stops at n.
        EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM public.segments s WHERE s.account_id = ANY($2) '
                'AND s.words @@ $1 LIMIT $3) x' INTO found USING q, visible, n;
        RETURN found >= n;
    END $$""",
    """CREATE OR REPLACE FUNCTION recbrowser_search_newest(q tsquery, wanted bigint[], lim integer, skip integer)
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
        CROSS JOIN LATERAL (SELECT s.call_id, s.seq FROM public.segments s
            WHERE s.account_id = a.id AND (s.words @@ q) IS TRUE
            ORDER BY s.call_id DESC, s.seq DESC LIMIT lim + skip) h
        ORDER BY h.call_id DESC, h.seq DESC LIMIT lim + skip
    ), page AS (
        SELECT * FROM sums UNION ALL SELECT * FROM segs
        ORDER BY kind DESC, call_id DESC, seq DESC LIMIT lim OFFSET skip
    )
    SELECT p.kind, p.account_id, p.call_id, p.seq, NULL::real, c.start_ms FROM page p
    JOIN public.calls c ON c.account_id = p.account_id AND c.id = p.call_id
    ORDER BY p.kind DESC, p.call_id DESC, p.seq DESC $$""",
    """REVOKE ALL ON FUNCTION recbrowser_hits_at_least(tsquery, bigint[], integer),
    recbrowser_search_newest(tsquery, bigint[], integer, integer) FROM PUBLIC""",
    """GRANT EXECUTE ON FUNCTION recbrowser_hits_at_least(tsquery, bigint[], integer),
    recbrowser_search_newest(tsquery, bigint[], integer, integer)
    TO recbrowser_admin, recbrowser_supervisor, recbrowser_service""",
)

# Whether this archive has the functions: asked in the same round trip as the tsquery.
PRESENT = "to_regprocedure('recbrowser_search_newest(tsquery,bigint[],integer,integer)') IS NOT NULL"



def is_broad(conn: psycopg.Connection, q: str, ids: list[int], broad: int) -> bool:
    row = conn.execute("SELECT recbrowser_hits_at_least(%s::tsquery, %s::bigint[], %s)", (q, ids, broad)).fetchone()
    return bool(row and row[0])
