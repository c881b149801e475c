"""Version 2 of the team archive's schema: what the providers say about a call beyond the basics.

The SQLite cache's v7 (recbrowser/store/migrations.py v7_provider_insights) for the archive:
per call the provider's sentiment, queue, department, its own tags (apart from the users' tags
table), the transcript's language and its other labelled facts (details); per leg the ring and
hold time and the provider's call type.

- ADD COLUMN with a constant default does not rewrite the table (PostgreSQL 11+): quick at any
  size. The two index builds do read every call once, under a lock that holds writes (not
  reads) back: a sync waits for `team init` to finish, the desktops keep reading.
- details is `json`, not `jsonb`: it keeps the provider's order of the facts, which `show` and
  the export print as they are (jsonb would sort the keys). provider_tags is text[].
- Privileges and row-level security need nothing new: the grants on calls and legs are on the
  whole table (no column lists there), so the new columns are read and written by exactly the
  roles that read and write the others, and the policies filter their rows alike.
- The queue and sentiment filters have an index each, the account id first (Citus-ready), then
  the value, then the default sort (start_ms, id): inside an account a filtered page is one
  ordered index walk from the cursor. Plain `=` on text is LEAKPROOF, so under a supervisor's
  row-level security the value stays an index condition (test_team_plans.py checks the plan).
- calls_key repeats the primary key's columns, as the newest index on calls. Every sentence,
  leg and recording written checks its call's foreign key (account_id = $1 AND id = $2). On an
  archive not yet analyzed (a fresh one, during its first sync) the planner sees every index
  that starts with account_id and holds id as equally cheap and takes the newest; the session
  keeps that plan, and with a sort or filter index each check walks the whole account: the
  first sync slowed down quadratically (at 20,000 calls 0.30x a bare COPY, from 0.75x with
  version 1, which had the same flaw with calls_transcript for a while). The newest index being
  the key, the check is one probe at any size: 0.84x (benchmarks/bench_team_pg.py; a test in
  test_team_schema.py checks the check's plan on a fresh archive).
"""

from __future__ import annotations

TABLES = """
ALTER TABLE calls
    ADD COLUMN sentiment text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN queue text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN department text NOT NULL DEFAULT '',
    ADD COLUMN provider_tags text[] NOT NULL DEFAULT '{}',
    ADD COLUMN language text NOT NULL DEFAULT '',
    ADD COLUMN details json NOT NULL DEFAULT '{}';
ALTER TABLE legs
    ADD COLUMN ring_ms bigint,
    ADD COLUMN hold_ms bigint,
    ADD COLUMN call_type text NOT NULL DEFAULT '';
CREATE INDEX calls_queue ON calls (account_id, queue, start_ms, id);
CREATE INDEX calls_sentiment ON calls (account_id, sentiment, start_ms, id);
-- The calls' key once more, created last on purpose: see the module's note. Keep it the newest
-- index on calls (a later migration that adds one drops and re-creates this after it).
CREATE UNIQUE INDEX calls_key ON calls (account_id, id);
"""


def statements() -> list[str]:
    """The whole of version 2, statement by statement (psycopg sends one at a time)."""
    return [s.strip() for s in TABLES.split(";") if s.strip()]
