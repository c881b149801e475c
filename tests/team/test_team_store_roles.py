"""PgStore under each role: `team serve` syncs as the service login, a supervisor's desktop reads
as their own login; PostgreSQL, not our code, decides what each sees and may write."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.services.accounts import open_provider
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter
from recbrowser.store.audit import AuditEntry
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.connection import ArchiveUnreachable
from recbrowser.store.postgres.store import PgStore


@pytest.fixture
def synced(pg_url, pg_login, yeastar):
    """An archive with two accounts on the Yeastar emulator, synced by a service login."""
    admin.init_archive(pg_url)
    worker, worker_url = pg_login("serve")
    with PgStore.open(pg_url) as owner:
        for name in ("north", "south"):
            owner.add_account(Account(name=name, provider="yeastar", settings=yeastar.account_settings()))
        admin.make_service(owner.connection, worker)
    with PgStore.open(worker_url) as service:
        for account in service.accounts():
            provider = open_provider(account, yeastar.secrets())
            try:
                result = sync_account(service, account, provider)
            finally:
                provider.close()
            assert result.ok and result.new > 0, result.error
    return pg_url


def test_the_service_login_syncs_every_account(synced):
    with PgStore.open(synced) as owner:
        north, south = owner.count_calls(CallFilter(account="north")), owner.count_calls(CallFilter(account="south"))
        assert north == south > 0
        assert owner.get_state(owner.account("north").id, "synced_until") is not None


def test_a_supervisors_store_lists_and_finds_only_granted_calls(synced, pg_login):
    alice, alice_url = pg_login("alice")
    with psycopg.connect(synced, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
    with PgStore.open(synced) as owner:
        everything = owner.count_calls(CallFilter())
        spoken = owner.list_calls(CallFilter(account="south", has_transcript=True), limit=1)[0][0]
        word = max(owner.get_call("south", spoken.provider_id).segments[0].text.split(), key=len).strip(".,?!")
        assert {h.account for h in owner.search(word, limit=1000)} == {"north", "south"}
    with PgStore.open(alice_url) as store:
        assert [a.name for a in store.accounts()] == ["north"]
        rows, _ = store.list_calls(CallFilter(), limit=1000)
        assert {r.account for r in rows} == {"north"} and 0 < len(rows) == store.count_calls(CallFilter()) < everything
        assert store.list_calls(CallFilter(account="south"))[0] == []
        assert store.get_call("south", rows[0].provider_id) is None
        assert {h.account for h in store.search(word, limit=1000)} == {"north"}
        assert store.search(word, account="south") == []


def test_a_supervisor_writes_notes_as_themselves_and_cannot_touch_others(synced, pg_login):
    alice, alice_url = pg_login("alice")
    bob, bob_url = pg_login("bob")
    with psycopg.connect(synced, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
        admin.grant(su, bob, ["north"])
    with PgStore.open(alice_url) as store:
        row = store.list_calls(CallFilter(), limit=1)[0][0]
        note = store.add_note("north", row.provider_id, 0, "call back tomorrow")
        assert note.author == alice
        store.add_tag("north", row.provider_id, "urgent")
        store.log_access([AuditEntry(at_ms=1, user="whoever-the-client-says", action="played", account="north",
                                     call_id=row.provider_id)])
    with PgStore.open(bob_url) as store:
        assert [(n.author, n.text) for n in store.notes("north", row.provider_id)] == [(alice, "call back tomorrow")]
        with pytest.raises(UserFacingError, match=f"written by {alice}"):
            store.update_note(note.id, "changed")
        with pytest.raises(UserFacingError, match=f"added by {alice}"):
            store.remove_tag("north", row.provider_id, "urgent")
        assert store.audit_log()[0].user == alice  # the database user, not what the client said
        north = store.account("north").id
        with pytest.raises(UserFacingError, match="may not do this"):
            store.set_state(north, "cursor", "forged")
        with pytest.raises(UserFacingError, match="may not do this"):
            store.upsert_calls(north, [store.get_call("north", row.provider_id)])
    with PgStore.open(alice_url) as store:
        store.update_note(note.id, "called back")
        assert store.notes("north", row.provider_id)[0].text == "called back"


def test_an_empty_database_and_an_unreachable_server_are_one_sentence(pg_url, postgres_server):
    with pytest.raises(UserFacingError, match="no team archive yet.*team init"):
        PgStore.open(pg_url)
    wrong = postgres_server.url_for("postgres", "s3cret-not-shown")
    with pytest.raises(ArchiveUnreachable) as e:
        PgStore.open(wrong)
    assert "refused the login" in str(e.value) and "s3cret" not in str(e.value)
    with pytest.raises(ArchiveUnreachable) as e:
        PgStore.open("postgresql://u:s3cret@127.0.0.1:1/archive")
    assert "127.0.0.1:1/archive cannot be reached" in str(e.value) and "s3cret" not in str(e.value)


def test_a_login_without_a_team_role_is_told_whom_to_ask(synced, pg_login):
    eve, eve_url = pg_login("eve")
    with pytest.raises(UserFacingError, match=f"'{eve}' has no access to the team archive.*team grant"):
        PgStore.open(eve_url)
