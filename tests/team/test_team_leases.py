"""Sync leases and sealed secrets in the team archive, between real service logins."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore

TTL = 60_000
NOW = 1_800_000_000_000


@pytest.fixture
def archive(pg_url, pg_login):
    """(owner url, service url, account ids): three accounts, one service login."""
    admin.init_archive(pg_url)
    worker, worker_url = pg_login("serve")
    with PgStore.open(pg_url) as owner:
        ids = [owner.add_account(Account(name=n, provider="yeastar")).id for n in ("a", "b", "c")]
        admin.make_service(owner.connection, worker)
    return pg_url, worker_url, ids


def test_workers_share_the_accounts_and_never_get_the_same_one(archive):
    _, worker_url, ids = archive
    with PgStore.open(worker_url) as one, PgStore.open(worker_url) as two:
        got = [one.acquire_lease("host-1", TTL, NOW), two.acquire_lease("host-2", TTL, NOW),
               two.acquire_lease("host-3", TTL, NOW)]
        assert sorted(got) == sorted(ids)
        assert one.acquire_lease("host-4", TTL, NOW + 1) is None  # all leased


def test_a_lease_locked_by_another_worker_is_skipped_not_waited_for(archive):
    _, worker_url, ids = archive
    with psycopg.connect(worker_url) as blocker, PgStore.open(worker_url) as store:
        store.acquire_lease("warm-up", 0, NOW)  # creates the lease rows
        # Another worker is in the middle of taking the first account (its row is locked).
        blocker.execute("SELECT 1 FROM leases WHERE account_id = %s FOR UPDATE", (min(ids),))
        got = store.acquire_lease("host-2", TTL, NOW + 1)
        assert got is not None and got != min(ids)
        blocker.rollback()


def test_a_killed_workers_lease_runs_out_and_another_takes_the_account(archive):
    _, worker_url, _ = archive
    with PgStore.open(worker_url) as store:
        taken = [store.acquire_lease("dead-host", TTL, NOW) for _ in range(3)]
        assert store.acquire_lease("live-host", TTL, NOW + TTL - 1) is None
        resumed = store.acquire_lease("live-host", TTL, NOW + TTL)
        assert resumed == taken[0]
        assert not store.renew_lease(resumed, "dead-host", TTL, NOW + TTL + 1)  # it lost the lease
        assert store.renew_lease(resumed, "live-host", TTL, NOW + TTL + 1)


def test_a_released_account_waits_until_it_is_due(archive):
    _, worker_url, ids = archive
    with PgStore.open(worker_url) as store:
        first = store.acquire_lease("host", TTL, NOW)
        store.release_lease(first, "host", due_ms=NOW + 10 * TTL)
        others = {store.acquire_lease("host-2", TTL, NOW), store.acquire_lease("host-3", TTL, NOW)}
        assert first not in others and store.acquire_lease("host-4", TTL, NOW) is None
        later = NOW + 10 * TTL
        assert {store.acquire_lease("host-4", TTL, later - 1) for _ in range(3)} == others | {None}  # not due yet
        assert store.acquire_lease("host-4", TTL, later) == first


def test_sealed_secrets_reach_the_service_and_never_a_supervisor(archive, pg_login):
    url, worker_url, ids = archive
    alice, alice_url = pg_login("alice")
    sealed = bytes(range(256))[:120]  # what sealing.seal() returns: opaque bytes
    with PgStore.open(url) as owner:
        admin.grant(owner.connection, alice, ["a"])
        owner.set_sealed_secret(ids[0], sealed)
    with PgStore.open(worker_url) as service:
        assert service.sealed_secret(ids[0]) == sealed
    with PgStore.open(alice_url) as store, pytest.raises(UserFacingError, match="may not do this"):
        store.sealed_secret(ids[0])


def test_the_public_sealing_key_is_readable_by_every_role(archive, pg_login):
    url, worker_url, _ = archive
    alice, alice_url = pg_login("alice")
    admin.init_archive(url, public_key=b"\x07" * 32)
    with PgStore.open(url) as owner:
        admin.grant(owner.connection, alice, ["a"])
    for login in (worker_url, alice_url):
        with PgStore.open(login) as store:
            assert store.team_setting(admin.PUBLIC_KEY) == b"\x07" * 32
