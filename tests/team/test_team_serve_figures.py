"""What `team serve` writes besides calls (schema v3): the conversation figures, the same as one
desktop's sync makes of the same calls, and the provider credentials it rotates, sealed back.
Real `team serve` processes over a real archive (PostgreSQL + SeaweedFS) and emulators on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from support.cli_helpers import run, set_args
from support.serve_helpers import PROVIDERS, all_served, drop_logins, start_serve

from recbrowser.emulators.voki import VokiEmulator
from recbrowser.emulators.yeastar import YeastarEmulator
from recbrowser.errors import UserFacingError
from recbrowser.store.postgres import PUBLIC_KEY, PgStore, with_password
from recbrowser.team import profiles, sealing

PG_BIN = Path("/usr/lib/postgresql/15/bin")  # as test_team_wiring.py


@pytest.fixture
def team(data_dir, keyring_ready, postgres_server, pg_url, s3_server, tmp_path):
    """make(servers) -> archive: a team archive over these running emulators, as an admin sets
    it up; its logins, profiles and emulators go afterwards."""
    from recbrowser.demo.team_setup import set_up_team_archive

    made = []

    def make(servers):
        archive = set_up_team_archive(data_dir, postgres_server, s3_server, servers, owner_url=pg_url,
                                      dbname=pg_url.rsplit("/", 1)[1], bucket="media", key_folder=tmp_path,
                                      name=f"t{uuid.uuid4().hex[:6]}")
        made.append((archive, servers))
        return archive

    yield make
    for archive, servers in made:
        for s in servers:
            s.stop()
        drop_logins(pg_url, archive.logins)
        for name in (archive.serve_profile, archive.desk_profile):
            profiles.remove_profile(data_dir, name)


def _serve_once(data_dir, archive, log) -> str:
    worker = start_serve(data_dir.root, archive, log, "--once")
    assert worker.wait(240) == 0
    text = log.read_text()
    assert "Traceback" not in text, text
    return text


def _json(capsys, monkeypatch, *args):
    code, out, err = run(capsys, *args, monkeypatch=monkeypatch)
    assert code == 0, err
    return json.loads(out)


def test_served_figures_filters_and_report_are_those_of_a_desktop_sync_of_the_same_calls(
        team, data_dir, pg_url, tmp_path, capsys, monkeypatch):
    from recbrowser.emulators import start_emulators

    archive = team(start_emulators(PROVIDERS, 20, []))
    _serve_once(data_dir, archive, tmp_path / "serve.log")
    assert all_served(pg_url)
    # The same accounts on this desktop's own cache, synced from the same emulators.
    for name, server in archive.accounts.items():
        info = server.describe()
        code, _, err = run(capsys, "accounts", "add", info["provider"], "--name", name, *set_args(info["settings"]),
                           "--secrets-stdin", stdin=json.dumps(info["secrets"]), monkeypatch=monkeypatch)
        assert code == 0, err
    code, _, err = run(capsys, "sync", monkeypatch=monkeypatch)
    assert code == 0, err
    desk = ["--team", archive.desk_profile]  # the supervisor's login, under row-level security

    def figures(where: list[str], *args: str) -> dict:
        listed = _json(capsys, monkeypatch, *where, "calls", "--json", "--limit", "1000", *args)["calls"]
        return {c["ref"]: c["conversation"] for c in listed}

    local, shared = figures([]), figures(desk)
    assert len(local) == len(shared) >= 80
    computed = [ref for ref, f in local.items() if f is not None]
    assert len(computed) >= 20, "the emulators' transcripts give figures"
    assert shared == local
    for flag, value in (("--silence-over", "20"), ("--agent-talk-over", "60")):
        here, there = figures([], flag, value), figures(desk, flag, value)
        assert 0 < len(here) < len(computed), flag  # the filter picks some, not all
        assert there == here, flag
    for ref in computed[:3]:  # show (and the export manifest: the same read) on one call
        assert (_json(capsys, monkeypatch, *desk, "show", ref, "--json")["conversation"]
                == _json(capsys, monkeypatch, "show", ref, "--json")["conversation"] == local[ref])

    reports = {}
    for where, args in (("local", []), ("team", desk)):
        reports[where] = tmp_path / f"{where}.csv"
        code, out, err = run(capsys, *args, "report", "--to", str(reports[where]), monkeypatch=monkeypatch)
        assert code == 0, err
    assert reports["team"].read_bytes() == reports["local"].read_bytes()
    agents = [line for line in reports["local"].read_text(encoding="utf-8-sig").splitlines() if line.startswith("agent,")]
    assert any(line.split(",")[10] not in ("", "0.0") for line in agents), "some agent has a silence share"


def _pg_dump(server, url: str) -> str:
    return subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", url.replace(":" + server.password + "@", "@", 1)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PGPASSWORD": server.password}).stdout


def test_credentials_a_provider_rotates_are_sealed_back_so_the_next_worker_signs_in_with_them(
        team, data_dir, pg_url, postgres_server, tmp_path):
    # Voki with two-factor sign-in and no stored code: only its single-use refresh token lets a
    # worker in. Yeastar: the PBX allows 8 tokens, so a new worker reuses the last one's token.
    voki, yeastar = VokiEmulator(calls=10, mfa=True), YeastarEmulator(calls=10)
    for s in (voki, yeastar):
        s.start()
    archive = team([voki, yeastar])
    voki_name = next(n for n, s in archive.accounts.items() if s is voki)
    first = voki.tokens.issue()
    assert first is not None
    with PgStore.open(pg_url) as owner:  # as the admin added it after signing in with the code once
        account = owner.account(voki_name)
        assert account is not None and account.id is not None
        owner.set_sealed_secret(account.id, sealing.seal({"password": voki.password, "refresh_token": first[1]},
                                                         owner.team_setting(PUBLIC_KEY)))
    for n in (1, 2):  # two workers, one after the other, each its own process
        log = _serve_once(data_dir, archive, tmp_path / f"serve-{n}.log")
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


def test_only_the_lease_holder_may_seal_back_and_only_over_an_account_s_own_secrets(team, pg_url, data_dir):
    pbx = YeastarEmulator(calls=1)
    pbx.start()
    archive = team([pbx])
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
