"""Provider credentials `team serve` rotates (schema v3's recbrowser_reseal): sealed back to the
archive while the worker holds the account's lease, so the next worker, in another process,
signs in with them. Real `team serve` processes over a real archive and emulators on loopback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from support.serve_helpers import serve_once

from recbrowser.emulators.voki import VokiEmulator
from recbrowser.emulators.yeastar import YeastarEmulator
from recbrowser.errors import UserFacingError
from recbrowser.store.postgres import PUBLIC_KEY, PgStore, with_password
from recbrowser.team import profiles, sealing

PG_BIN = Path("/usr/lib/postgresql/15/bin")  # as test_team_wiring.py


def _pg_dump(server, url: str) -> str:
    return subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", url.replace(":" + server.password + "@", "@", 1)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PGPASSWORD": server.password}).stdout


def test_credentials_a_provider_rotates_are_sealed_back_so_the_next_worker_signs_in_with_them(
        archive_over, data_dir, pg_url, postgres_server, tmp_path):
    # Voki with two-factor sign-in and no stored code: only its single-use refresh token lets a
    # worker in. Yeastar: the PBX allows 8 tokens, so a new worker reuses the last one's token.
    voki, yeastar = VokiEmulator(calls=10, mfa=True), YeastarEmulator(calls=10)
    for s in (voki, yeastar):
        s.start()
    archive = archive_over([voki, yeastar])
    voki_name = next(n for n, s in archive.accounts.items() if s is voki)
    first = voki.tokens.issue()
    assert first is not None
    with PgStore.open(pg_url) as owner:  # as the admin added it after signing in with the code once
        account = owner.account(voki_name)
        assert account is not None and account.id is not None
        owner.set_sealed_secret(account.id, sealing.seal({"password": voki.password, "refresh_token": first[1]},
                                                         owner.team_setting(PUBLIC_KEY)))
    for n in (1, 2):  # two workers, one after the other, each its own process
        log = serve_once(data_dir, archive, tmp_path / f"serve-{n}.log")
        assert f"serve {voki_name}: " in log and "retrying" not in log and "two-factor" not in log, log
        with psycopg.connect(pg_url, autocommit=True) as owner:  # due again at once
            owner.execute("UPDATE leases SET expires_ms = 0")
    assert voki.counters["POST /api/auth/login"] == 0  # never fell back to the password (and its code)
    assert voki.counters["POST /api/auth/refresh"] == 2  # each worker traded the last one's token
    assert yeastar.tokens_issued == 1  # the second worker used the first one's token
    # Sealed, never plaintext: not a token, nor the password, in a dump of the database.
    dump = _pg_dump(postgres_server, pg_url)
    assert "CREATE TABLE public.sealed_secrets" in dump
    for secret in (*voki.tokens.issued, *yeastar.issued_tokens, voki.password):
        assert secret not in dump


def test_only_the_lease_holder_may_seal_back_and_only_over_an_account_s_own_secrets(archive_over, pg_url, data_dir):
    pbx = YeastarEmulator(calls=1)
    pbx.start()
    archive = archive_over([pbx])
    serve = profiles.load_profile(data_dir, archive.serve_profile)
    with PgStore.open(pg_url) as owner:
        account = owner.accounts()[0]
        public = owner.team_setting(PUBLIC_KEY)
    assert account.id is not None and public is not None
    blob = sealing.seal({"client_secret": "rotated"}, public)
    with PgStore.open(with_password(serve.db_url, profiles.load_secrets(serve)["password"])) as service:
        assert not service.reseal_secret(account.id, "worker-a", blob)  # no lease held
        assert service.acquire_lease("worker-a", 60_000) == account.id
        assert not service.reseal_secret(account.id, "worker-b", blob)  # another worker's lease
        assert service.reseal_secret(account.id, "worker-a", blob)
        assert sealing.unseal(service.sealed_secret(account.id), sealing.read_key_file(archive.key_file)) == {
            "client_secret": "rotated"}
        with pytest.raises(UserFacingError, match="may not do this"):  # the table itself stays read-only to it
            service.set_sealed_secret(account.id, blob)


def test_a_worker_that_served_an_account_before_signs_in_with_what_another_worker_sealed_back_since(
        archive_over, data_dir, pg_url, tmp_path):
    # Worker A (this test's process, so its connectors' token cache outlives the pass) and worker
    # B (a process) take turns, as two long-running workers do: each time, A must start from what
    # B sealed back, not from the token its own process cached, which B has spent meanwhile.
    from recbrowser.providers import voki as voki_connector
    from recbrowser.providers import yeastar as yeastar_connector
    from recbrowser.team.serve import ServeOptions, open_worker

    voki, yeastar = VokiEmulator(calls=5, mfa=True), YeastarEmulator(calls=5)
    for s in (voki, yeastar):
        s.start()
    archive = archive_over([voki, yeastar])
    first = voki.tokens.issue()
    assert first is not None
    with PgStore.open(pg_url) as owner:
        account = next(a for a in owner.accounts() if archive.accounts[a.name] is voki)
        assert account.id is not None
        owner.set_sealed_secret(account.id, sealing.seal({"password": voki.password, "refresh_token": first[1]},
                                                         owner.team_setting(PUBLIC_KEY)))
    worker_a = open_worker(data_dir, archive.serve_profile, key_file=archive.key_file,
                           options=ServeOptions(interval_s=600, lease_s=30, once=True, holder="worker-a"))

    def pass_of_a() -> list[str]:
        with worker_a.open_store() as store:
            result = worker_a.run_pass(store)
        assert not result.failed, result
        return sorted(result.synced)

    def due_again() -> None:
        with psycopg.connect(pg_url, autocommit=True) as owner:
            owner.execute("UPDATE leases SET expires_ms = 0")

    try:
        assert pass_of_a() == sorted(archive.accounts)
        due_again()
        yeastar.expire_tokens()  # B finds the token lapsed and refreshes it (single use: A's is spent)
        serve_once(data_dir, archive, tmp_path / "worker-b.log")
        due_again()
        assert pass_of_a() == sorted(archive.accounts)  # no two-factor prompt, no sign-in refused
    finally:
        voki_connector.forget_tokens()
        yeastar_connector.forget_tokens()
    assert voki.counters["POST /api/auth/login"] == 0
    assert voki.counters["POST /api/auth/refresh"] == 3
    assert yeastar.tokens_issued == 2  # A's first, B's refresh of it: A took no third of the 8
