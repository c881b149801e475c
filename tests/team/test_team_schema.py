"""The team archive's schema migrations on a real PostgreSQL: fresh, re-run, never half applied,
a newer schema refused."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.errors import SchemaTooNew
from recbrowser.store.postgres import admin, schema


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
    def v2_breaks_halfway(conn: psycopg.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x int)")
        conn.execute("SELECT no_such_column FROM calls")

    admin.init_archive(pg_url)
    with pytest.raises(psycopg.errors.UndefinedColumn):
        admin.init_archive(pg_url, migrations=[*schema.MIGRATIONS, v2_breaks_halfway])
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == 1
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
