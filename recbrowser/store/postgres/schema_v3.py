"""Version 3 of the team archive's schema: conversation figures per call, and the rotated
provider credentials `team serve` seals back.

- call_figures mirrors the SQLite cache's v8 (recbrowser/store/migrations.py v8_call_figures):
  one row a call, computed from the transcript by `team serve` as sync does on one desktop
  (services/conversation.save_for_calls), gone with the call (ON DELETE CASCADE). Keyed
  (account_id, call_id), the account first like every other key (Citus: co-located with calls).
  The two shares the filter bar filters on are kept as percent, each with an index (account_id,
  share, call_id); `>` on double precision is LEAKPROOF, so under a supervisor's row-level
  security it stays an index condition.
- calls.silence_pct: the silence share the report averages per agent, on the call's row as in
  the SQLite cache (save_figures writes it, sync's upsert leaves it alone), next to v2's provider
  sentiment: the report's GROUP BYs read calls only. ADD COLUMN without a default does not
  rewrite calls. No new index on calls, so calls_key stays the newest one (see schema_v2).
- Privileges and policies as for the other sync data: the service writes, admin reads all,
  a supervisor reads the rows of the accounts granted to them. The UPDATE grant the service
  holds on calls already covers silence_pct.
- recbrowser_reseal(): the service may read the sealed secrets but not write them (only admin
  may). A provider that rotates a credential while `team serve` works (Voki's single-use
  refresh token, Yeastar's tokens) needs the new value sealed back, or the next worker starts
  from the spent one. This SECURITY DEFINER function lets a service login replace the sealed
  blob of an account whose lease it holds (the lease's holder, as acquire_lease wrote it), and
  nothing else: no INSERT, no other account, nothing read back. The blob is still sealed by the
  worker (sealing.seal, to the team's public key) before it reaches PostgreSQL; the table's CHECK
  still refuses anything shorter than a sealed box. Supervisors get no EXECUTE (nor any
  privilege on sealed_secrets).
- recbrowser_hits_at_least() and recbrowser_search_newest() (store/postgres/search_broad.py):
  a very common word listed newest first instead of ranking every hit, as the SQLite store
  does. Owner functions (SECURITY DEFINER) like v1's recbrowser_search, since a supervisor's
  own query cannot use the GIN indexes under row-level security; they keep to
  recbrowser_visible_accounts().
"""

from __future__ import annotations

from recbrowser.store.postgres import search_broad
from recbrowser.store.postgres.schema_v1 import ADMIN, GRANTED, SERVICE, SUPERVISOR

TABLES = """
CREATE TABLE call_figures (
    account_id bigint NOT NULL,
    call_id bigint NOT NULL,
    span_ms bigint NOT NULL,
    agent_talk_ms bigint NOT NULL,
    caller_talk_ms bigint NOT NULL,
    other_talk_ms bigint NOT NULL,
    agent_talk_pct double precision,
    silence_pct double precision,
    longest_monologue_ms bigint NOT NULL,
    longest_monologue_by text NOT NULL,
    silence_ms bigint NOT NULL,
    overtalk_count integer NOT NULL,
    overtalk_ms bigint NOT NULL,
    hold_ms bigint,
    words integer NOT NULL,
    from_audio boolean NOT NULL DEFAULT false,
    computed_ms bigint NOT NULL,
    PRIMARY KEY (account_id, call_id),
    FOREIGN KEY (account_id, call_id) REFERENCES calls (account_id, id) ON DELETE CASCADE
);
CREATE INDEX call_figures_silence ON call_figures (account_id, silence_pct, call_id);
CREATE INDEX call_figures_agent_talk ON call_figures (account_id, agent_talk_pct, call_id);
ALTER TABLE calls ADD COLUMN silence_pct double precision;
"""

PRIVILEGES = f"""
GRANT SELECT ON call_figures TO {ADMIN}, {SUPERVISOR};
GRANT SELECT, INSERT, UPDATE, DELETE ON call_figures TO {SERVICE};
ALTER TABLE call_figures ENABLE ROW LEVEL SECURITY;
CREATE POLICY call_figures_admin ON call_figures TO {ADMIN} USING (true) WITH CHECK (true);
CREATE POLICY call_figures_service ON call_figures TO {SERVICE} USING (true) WITH CHECK (true);
CREATE POLICY call_figures_supervisor ON call_figures FOR SELECT TO {SUPERVISOR} USING (account_id = ANY {GRANTED});
"""

# The lease is checked by its holder only (not by time): the worker's clock wrote expires_ms,
# and a lease that ran out but was not taken by another worker is still this worker's account.
RESEAL = f"""
CREATE FUNCTION recbrowser_reseal(account bigint, lease_holder text, blob bytea) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
    WITH written AS (
        UPDATE public.sealed_secrets s
        SET sealed = blob, sealed_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
        WHERE s.account_id = account
          AND EXISTS (SELECT 1 FROM public.leases l
                      WHERE l.account_id = account AND l.holder = lease_holder AND l.holder <> '')
        RETURNING 1)
    SELECT count(*) = 1 FROM written $$;
REVOKE ALL ON FUNCTION recbrowser_reseal(bigint, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recbrowser_reseal(bigint, text, bytea) TO {SERVICE};
"""


def statements() -> list[str]:
    """The whole of version 3, statement by statement (psycopg sends one at a time). Our own SQL:
    no semicolon inside a literal or the function's body; the broad search's plpgsql bodies come
    statement by statement from search_broad."""
    ours = [s.strip() for s in "\n".join([TABLES, PRIVILEGES, RESEAL]).split(";") if s.strip()]
    return ours + list(search_broad.FUNCTIONS)
