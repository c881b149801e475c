"""Roles and row-level security of the team archive, each checked from the user's own
PostgreSQL login (what a supervisor gets with psql), not through our code."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.errors import UserFacingError
from recbrowser.store.postgres import admin


def _seed(url: str) -> None:
    admin.init_archive(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for name in ("north", "south"):
            (aid,) = conn.execute(
                "INSERT INTO accounts (name, provider, created_ms) VALUES (%s, 'yeastar', 0) RETURNING id", (name,)
            ).fetchone()
            for n in range(2):
                (cid,) = conn.execute(
                    "INSERT INTO calls (account_id, provider_id, start_ms, first_seen_ms, updated_ms) "
                    "VALUES (%s, %s, %s, 0, 0) RETURNING id", (aid, f"{name}-{n}", n)).fetchone()
                conn.execute("INSERT INTO segments (account_id, call_id, seq, text) VALUES (%s, %s, 0, %s)",
                             (aid, cid, f"hello from {name}"))
            conn.execute("INSERT INTO sealed_secrets (account_id, sealed, sealed_ms) VALUES (%s, %s, 0)",
                         (aid, b"\x01" * 80))
            conn.execute("INSERT INTO audit_log (account_id, at_ms, action, account, call_id) "
                         "VALUES (%s, 1, 'played', %s, %s)", (aid, name, f"{name}-0"))


@pytest.fixture
def archive(pg_url):
    _seed(pg_url)
    return pg_url


def _ids(conn: psycopg.Connection, name: str) -> tuple[int, int]:
    return conn.execute("SELECT c.account_id, c.id FROM calls c JOIN accounts a ON a.id = c.account_id "
                        "WHERE a.name = %s ORDER BY c.id LIMIT 1", (name,)).fetchone()


def test_a_supervisor_sees_only_the_accounts_granted_to_them(archive, pg_login):
    alice, alice_url = pg_login("alice")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
    with psycopg.connect(alice_url) as conn:
        assert conn.execute("SELECT name FROM accounts").fetchall() == [("north",)]
        assert sorted(r[0] for r in conn.execute("SELECT provider_id FROM calls")) == ["north-0", "north-1"]
        assert conn.execute("SELECT DISTINCT text FROM segments").fetchall() == [("hello from north",)]
        assert conn.execute("SELECT account FROM audit_log").fetchall() == [("north",)]


def test_grant_gives_the_supervisor_role_and_revoke_takes_the_accounts_away(archive, pg_login):
    bob, bob_url = pg_login("bob")
    # no role yet: no privilege on the archive at all
    with psycopg.connect(bob_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT count(*) FROM calls")
    with psycopg.connect(archive, autocommit=True) as su:
        assert admin.grant(su, bob, ["north", "south"]) == ["north", "south"]
        assert su.execute("SELECT pg_has_role(%s, 'recbrowser_supervisor', 'MEMBER')", (bob,)).fetchone()[0]
    with psycopg.connect(bob_url) as conn:
        assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 4
    with psycopg.connect(archive, autocommit=True) as su:
        assert admin.revoke(su, bob, ["south"]) == 1
    with psycopg.connect(bob_url) as conn:
        assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    with psycopg.connect(archive, autocommit=True) as su:
        admin.revoke(su, bob)
    with psycopg.connect(bob_url) as conn:
        assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 0


def test_a_supervisor_sees_only_their_own_grants(archive, pg_login):
    alice, alice_url = pg_login("alice")
    bob, _ = pg_login("bob")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
        admin.grant(su, bob, ["south"])
    with psycopg.connect(alice_url) as conn:
        assert [r[0] for r in conn.execute("SELECT db_user FROM grants")] == [alice]


def test_a_supervisor_cannot_read_the_sealed_secrets_at_all(archive, pg_login):
    alice, alice_url = pg_login("alice")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
    with psycopg.connect(alice_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT sealed FROM sealed_secrets")


def test_the_audit_log_is_append_only_and_records_the_database_user(archive, pg_login):
    alice, alice_url = pg_login("alice")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
        aid, _ = _ids(su, "north")
    with psycopg.connect(alice_url, autocommit=True) as conn:
        conn.execute("INSERT INTO audit_log (account_id, at_ms, action, account, call_id) "
                     "VALUES (%s, 2, 'downloaded', 'north', 'north-1')", (aid,))
        assert conn.execute("SELECT db_user FROM audit_log WHERE at_ms = 2").fetchone()[0] == alice
        for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # cannot write under another name
            conn.execute("INSERT INTO audit_log (account_id, at_ms, db_user, action, account, call_id) "
                         "VALUES (%s, 3, 'carol', 'played', 'north', 'north-1')", (aid,))
    with psycopg.connect(archive) as su:
        assert su.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 3


def test_the_service_role_cannot_change_the_audit_log_either(archive, pg_login):
    worker, worker_url = pg_login("serve")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.make_service(su, worker)
    with psycopg.connect(worker_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 4  # all accounts: it syncs them
        assert len(conn.execute("SELECT sealed FROM sealed_secrets").fetchall()) == 2
        for statement in ("DELETE FROM audit_log", "SELECT * FROM grants"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_notes_and_tags_are_written_under_the_writers_own_name(archive, pg_login):
    alice, alice_url = pg_login("alice")
    bob, bob_url = pg_login("bob")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
        admin.grant(su, bob, ["north"])
        aid, cid = _ids(su, "north")
    with psycopg.connect(alice_url, autocommit=True) as conn:
        conn.execute("INSERT INTO notes (account_id, call_id, text, created_ms) VALUES (%s, %s, 'callback', 0)",
                     (aid, cid))
        conn.execute("INSERT INTO tags (account_id, call_id, tag) VALUES (%s, %s, 'vip')", (aid, cid))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO notes (account_id, call_id, author, text, created_ms) "
                         "VALUES (%s, %s, %s, 'forged', 0)", (aid, cid, bob))
    with psycopg.connect(bob_url, autocommit=True) as conn:
        assert conn.execute("SELECT author, text FROM notes").fetchall() == [(alice, "callback")]  # shared
        assert conn.execute("SELECT author FROM tags").fetchall() == [(alice,)]
        assert conn.execute("UPDATE notes SET text = 'changed'").rowcount == 0  # not his note
        assert conn.execute("DELETE FROM tags").rowcount == 0
    with psycopg.connect(archive) as su:
        assert su.execute("SELECT text FROM notes").fetchall() == [("callback",)]


def test_a_supervisor_cannot_write_notes_on_a_call_they_do_not_see(archive, pg_login):
    alice, alice_url = pg_login("alice")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
        aid, cid = _ids(su, "south")
    with psycopg.connect(alice_url, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("INSERT INTO notes (account_id, call_id, text, created_ms) VALUES (%s, %s, 'x', 0)", (aid, cid))


def test_grant_names_what_is_missing_in_one_sentence(archive, pg_login):
    alice, _ = pg_login("alice")
    with psycopg.connect(archive, autocommit=True) as su:
        with pytest.raises(UserFacingError, match="no account 'west'"):
            admin.grant(su, alice, ["north", "west"])
        with pytest.raises(UserFacingError, match="no database user 'nobody_here'"):
            admin.grant(su, "nobody_here", ["north"])
        # nothing half granted
        assert su.execute("SELECT count(*) FROM grants").fetchone()[0] == 0


def test_a_user_name_is_never_pasted_into_sql(archive, pg_login):
    with psycopg.connect(archive, autocommit=True) as su:
        with pytest.raises(UserFacingError, match="no database user"):
            admin.grant(su, 'x"; DROP TABLE calls; --', ["north"])
        assert su.execute("SELECT count(*) FROM calls").fetchone()[0] == 4


def test_search_through_the_owners_function_still_keeps_to_the_grants(archive, pg_login):
    # recbrowser_search runs as the owner (so the GIN index can be used); it must apply the
    # grants itself, whatever accounts the caller asks for.
    alice, alice_url = pg_login("alice")
    _, eve_url = pg_login("eve")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
        everything = [r[0] for r in su.execute("SELECT id FROM accounts")]
        north = su.execute("SELECT id FROM accounts WHERE name = 'north'").fetchone()[0]
        assert len(su.execute("SELECT * FROM recbrowser_search(to_tsquery('simple', 'hello'), %s, 100, 0)",
                              (everything,)).fetchall()) == 4
    with psycopg.connect(alice_url) as conn:
        found = conn.execute("SELECT account_id FROM recbrowser_search(to_tsquery('simple', 'hello'), %s, 100, 0)",
                             (everything,)).fetchall()
        assert found == [(north,), (north,)]
    with psycopg.connect(eve_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT recbrowser_visible_accounts()")  # a login without a team role: nothing


def test_an_admin_login_grants_and_revokes_without_being_a_superuser(archive, pg_login):
    boss, boss_url = pg_login("boss")
    alice, alice_url = pg_login("alice")
    with psycopg.connect(archive, autocommit=True) as su:
        admin.make_admin(su, boss)
        assert not su.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = %s", (boss,)).fetchone()[0]
    with psycopg.connect(boss_url, autocommit=True) as conn:
        assert admin.grant(conn, alice, ["south"]) == ["south"]
    with psycopg.connect(alice_url) as conn:
        assert conn.execute("SELECT name FROM accounts").fetchall() == [("south",)]
    with psycopg.connect(boss_url, autocommit=True) as conn:
        assert admin.revoke(conn, alice) == 1
    with psycopg.connect(alice_url) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
