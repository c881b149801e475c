"""The team archive's schema migrations on a real PostgreSQL: fresh, re-run, never half applied,
a newer schema refused."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account, Call
from recbrowser.errors import SchemaTooNew
from recbrowser.store.postgres import admin, schema
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import CallFilter


def _tables(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_a_fresh_database_gets_every_table_and_its_version(pg_url):
    assert admin.init_archive(pg_url) == len(schema.MIGRATIONS)
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == len(schema.MIGRATIONS)
        assert {"accounts", "calls", "legs", "recordings", "segments", "media_files", "notes", "tags", "sync_state",
                "audit_log", "grants", "leases", "sealed_secrets", "team_settings"} <= _tables(conn)
        roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE NOT rolcanlogin")}
        assert {"recbrowser_admin", "recbrowser_supervisor", "recbrowser_service"} <= roles


def test_every_primary_key_and_index_starts_with_the_account(pg_url):
    # Citus-ready: each table can be distributed by account_id.
    admin.init_archive(pg_url)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT i.indexrelid::regclass::text, t.relname, "
            "(SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = 'public'"
        ).fetchall()
    global_tables = {"team_settings", "schema_version"}
    exceptions = {"accounts_name_key", "grants_user", "notes_id"}  # small tables / by note id: see schema_v1
    leading = {(index, table): column for index, table, column in rows}
    for (index, table), column in leading.items():
        if table in global_tables or index in exceptions:
            continue
        assert column == ("id" if table == "accounts" else "account_id"), (index, column)


def test_running_init_again_changes_nothing_and_keeps_data(pg_url):
    admin.init_archive(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO accounts (name, provider, created_ms) VALUES ('a', 'yeastar', 0)")
    assert admin.init_archive(pg_url) == len(schema.MIGRATIONS)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT name FROM accounts").fetchall() == [("a",)]
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1


def test_a_failing_migration_leaves_the_archive_at_the_step_before(pg_url):
    def next_breaks_halfway(conn: psycopg.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x int)")
        conn.execute("SELECT no_such_column FROM calls")

    admin.init_archive(pg_url)
    with pytest.raises(psycopg.errors.UndefinedColumn):
        admin.init_archive(pg_url, migrations=[*schema.MIGRATIONS, next_breaks_halfway])
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == len(schema.MIGRATIONS)
        assert "half_done" not in _tables(conn)


def test_an_archive_from_a_newer_recbrowser_is_refused_in_one_sentence(pg_url):
    admin.init_archive(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(SchemaTooNew) as e:
        admin.init_archive(pg_url)
    assert "newer recbrowser (schema 99" in str(e.value) and str(e.value).endswith("on this computer.")
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == 99  # nothing rewritten


def _v1_archive_with_a_call(url: str) -> None:
    """A version 1 archive as a recbrowser of round 1 left it: an account, a call with a leg,
    a sentence, a note and a tag (written with version 1's columns only)."""
    assert admin.init_archive(url, migrations=schema.MIGRATIONS[:1]) == 1
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO accounts (id, name, provider, created_ms) VALUES (1, 'north', 'wildix', 0)")
        conn.execute("INSERT INTO calls (account_id, id, provider_id, start_ms, status, duration_ms, summary, "
                     "transcript_status, first_seen_ms, updated_ms) "
                     "VALUES (1, 7, 'c1', 1000, 'answered', 60000, 'asked for a refund', 'available', 5, 5)")
        conn.execute("INSERT INTO legs (account_id, call_id, seq, idx, from_number, status, talk_ms) "
                     "VALUES (1, 7, 0, 0, '+15550001', 'answered', 50000)")
        conn.execute("INSERT INTO segments (account_id, call_id, seq, text) VALUES (1, 7, 0, 'I would like a refund')")
        conn.execute("INSERT INTO notes (account_id, call_id, text, created_ms) VALUES (1, 7, 'call back', 9)")
        conn.execute("INSERT INTO tags (account_id, call_id, tag) VALUES (1, 7, 'VIP')")


def test_a_version_1_archive_moves_to_the_newest_version_and_keeps_every_call_note_and_tag(pg_url, pg_login):
    _v1_archive_with_a_call(pg_url)
    assert admin.init_archive(pg_url) == len(schema.MIGRATIONS)
    alice, alice_url = pg_login("alice")
    with psycopg.connect(pg_url, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
    with PgStore.open(alice_url) as store:  # a supervisor reads the new columns like the old ones
        call = store.get_call("north", "c1")
        assert call is not None
        assert (call.status, call.duration_ms, call.summary, call.transcript_status) == (
            "answered", 60000, "asked for a refund", "available")
        assert [s.text for s in call.segments or []] == ["I would like a refund"]
        assert (call.sentiment, call.queue, call.department, call.provider_tags, call.language, call.details) == (
            "", "", "", [], "", {})
        assert [(leg.from_party.number, leg.talk_ms, leg.ring_ms, leg.hold_ms, leg.call_type) for leg in call.legs] == [
            ("+15550001", 50000, None, None, "")]
        assert [n.text for n in store.notes("north", "c1")] == ["call back"]
        assert store.tags("north", "c1") == ["VIP"]
        assert [h.call_provider_id for h in store.search("refund")] == ["c1", "c1"]  # sentence and summary
    with PgStore.open(pg_url) as owner:  # the next sync fills them in
        account = owner.account("north")
        assert account is not None and account.id is not None
        with owner.transaction():
            owner.upsert_calls(account.id, [Call(provider_id="c1", start_ms=1000, status="answered", queue="Sales",
                                                 sentiment="positive", provider_tags=["upsell"],
                                                 details={"trunk": "main", "intent": "refund"}, segments=None)])
    with PgStore.open(alice_url) as store:
        assert [r.provider_id for r in store.list_calls(CallFilter(queue="Sales"))[0]] == ["c1"]
        assert store.count_calls(CallFilter(sentiment="positive")) == 1
        call = store.get_call("north", "c1")
        assert call is not None and (call.queue, call.provider_tags, list(call.details.items())) == (
            "Sales", ["upsell"], [("trunk", "main"), ("intent", "refund")])  # the provider's order kept
        assert [n.text for n in store.notes("north", "c1")] == ["call back"]


def test_version_2_is_all_or_nothing(pg_url):
    _v1_archive_with_a_call(pg_url)

    def v2_then_breaks(conn: psycopg.Connection) -> None:
        schema.MIGRATIONS[1](conn)
        conn.execute("SELECT no_such_column FROM calls")

    with pytest.raises(psycopg.errors.UndefinedColumn):
        admin.init_archive(pg_url, migrations=[schema.MIGRATIONS[0], v2_then_breaks])
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == 1
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'calls'")}
        assert "queue" not in columns and "sentiment" not in columns
        assert conn.execute("SELECT provider_id FROM calls").fetchall() == [("c1",)]
    assert admin.init_archive(pg_url) == len(schema.MIGRATIONS)  # and the real steps then go through


@pytest.mark.parametrize("known", [1, 2])
def test_a_recbrowser_that_knows_an_older_version_refuses_the_newest_archive(pg_url, known):
    admin.init_archive(pg_url)
    newest = len(schema.MIGRATIONS)
    with pytest.raises(SchemaTooNew, match=rf"newer recbrowser \(schema {newest}; this version knows {known}\)"):
        admin.init_archive(pg_url, migrations=schema.MIGRATIONS[:known])
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == newest


def test_on_a_fresh_archive_a_sentences_call_check_probes_the_calls_key(pg_url):
    # Every sentence, leg and recording written checks its call (the foreign key's own query,
    # as PostgreSQL plans it once per session: generic). Before statistics exist, any index on
    # (account_id, ..., id) looks as cheap as the key; a sort index would walk the whole account
    # for each check and make a first sync quadratic.
    admin.init_archive(pg_url)
    with PgStore.open(pg_url) as store:
        account = store.add_account(Account(name="a", provider="yeastar"))
        assert account.id is not None
        with store.transaction():
            store.upsert_calls(account.id, [Call(provider_id=f"c{i}", start_ms=i) for i in range(500)])
        conn = store.connection
        conn.execute("PREPARE fk_check(bigint, bigint) AS SELECT 1 FROM ONLY calls x "
                     "WHERE account_id = $1 AND id = $2 FOR KEY SHARE OF x")
        conn.execute("SET plan_cache_mode = force_generic_plan")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN EXECUTE fk_check(1, 2)"))
    assert "Index Scan using calls_key on calls" in plan or "Index Scan using calls_pkey on calls" in plan, plan
