"""`recbrowser --team NAME team serve`: headless workers over a real archive (PostgreSQL and
SeaweedFS) and the five provider emulators on loopback, each worker a real process."""

from __future__ import annotations

import hashlib
import signal
import time
import uuid

import psycopg
import pytest
from support.serve_helpers import (
    PROVIDERS,
    all_served,
    archived_calls,
    drop_logins,
    media_rows,
    mid_sync_holder,
    provider_calls,
    start_serve,
    stop,
    wait_for,
)

from recbrowser.domain import Account
from recbrowser.services.accounts import open_provider
from recbrowser.services.downloads import fetch_recording
from recbrowser.services.sync import STATE_RUN
from recbrowser.store.postgres import PgStore
from recbrowser.team import profiles

CALLS = 30
SLOW = "slow:seconds=0.05,times=0"  # every provider answer takes 50 ms: a sync lasts long enough to interrupt


@pytest.fixture
def team(data_dir, keyring_ready, postgres_server, pg_url, s3_server, tmp_path):
    """make(faults) -> (archive, emulators): a team archive over five fresh emulators, as an admin
    sets it up; its logins, profiles and emulators go afterwards."""
    from recbrowser.demo.team_setup import set_up_team_archive
    from recbrowser.emulators import start_emulators

    made = []

    def make(faults: list[str] = ()):
        servers = start_emulators(PROVIDERS, CALLS, list(faults))
        archive = set_up_team_archive(data_dir, postgres_server, s3_server, servers, owner_url=pg_url,
                                      dbname=pg_url.rsplit("/", 1)[1], bucket="media", key_folder=tmp_path,
                                      name=f"t{uuid.uuid4().hex[:6]}")
        made.append((archive, servers))
        return archive, servers

    yield make
    for archive, servers in made:
        for s in servers:
            s.stop()
        drop_logins(pg_url, archive.logins)
        for name in (archive.serve_profile, archive.desk_profile):
            profiles.remove_profile(data_dir, name)


def requests(servers) -> int:
    return sum(s.counters["requests"] for s in servers)


def no_traceback(*logs):
    for log in logs:
        text = log.read_text() if log.exists() else ""
        assert "Traceback" not in text, text


def test_two_workers_one_killed_mid_sync_leave_no_gap_no_duplicate_and_every_recording_stored(
        team, data_dir, pg_url, s3_server, tmp_path):
    archive, servers = team([SLOW])
    logs = [tmp_path / "serve-1.log", tmp_path / "serve-2.log"]
    workers = [start_serve(data_dir.root, archive, log) for log in logs]
    try:
        # SIGKILL the worker holding an account whose sync has saved a page but not finished.
        account, holder = wait_for(lambda: mid_sync_holder(pg_url), what="a sync in progress")
        victim = next(w for w in workers if holder.endswith(f":{w.pid}"))
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        survivor = next(w for w in workers if w is not victim)
        # The survivor takes the dead worker's account once its lease runs out, and resumes it.
        wait_for(lambda: all_served(pg_url), timeout_s=240, what="every account synced and archived", step_s=0.2)
        assert stop(survivor) == 0
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    no_traceback(*logs)

    for s in servers:
        s.clear_faults()
    expected = provider_calls(archive)
    got = archived_calls(pg_url)
    assert set(got) == set(expected)
    for name, ids in expected.items():
        assert ids, f"{name}: the emulator listed no calls"
        assert sorted(got[name]) == sorted(ids), name  # no gap, no duplicate

    # Every recording is in object storage, and its SHA-256 is that of the provider's own bytes.
    rows = media_rows(pg_url)
    with PgStore.open(pg_url) as owner:
        recorded = sum(len(c.recordings) for a in owner.accounts() for pid in got[a.name]
                       if (c := owner.get_call(a.name, pid)) and c.has_audio)
    assert len(rows) == recorded > 0
    media = profiles.open_media(profiles.load_profile(data_dir, archive.desk_profile))  # the read-only key
    for name, server in archive.accounts.items():
        info = server.describe()
        provider = open_provider(Account(name=name, provider=info["provider"], settings=info["settings"], id=1),
                                 info["secrets"])
        try:
            if hasattr(provider, "sign_in"):
                provider.sign_in()
            with PgStore.open(pg_url) as owner:
                for _, call_id, rec_id, sha, size in [r for r in rows if r[0] == name]:
                    stored = media.get(sha, tmp_path / "stored.bin", size)  # raises MediaCorrupt on a mismatch
                    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
                    call = owner.get_call(name, call_id)
                    rec = next(r for r in call.recordings if r.provider_id == rec_id)
                    _, direct = fetch_recording(provider, call, rec, tmp_path / "direct.bin")
                    assert direct == sha, f"{name}/{call_id}"  # the provider's own bytes
        finally:
            provider.close()


def test_provider_requests_per_synced_call_are_the_same_with_one_two_or_three_workers(team, data_dir, pg_url, tmp_path):
    figures = {}
    for n in (1, 2, 3):
        archive, servers = team()
        logs = [tmp_path / f"once-{n}-{i}.log" for i in range(n)]
        workers = [start_serve(data_dir.root, archive, log, "--once") for log in logs]
        assert [w.wait(240) for w in workers] == [0] * n
        no_traceback(*logs)
        assert all_served(pg_url)
        calls = sum(len(ids) for ids in archived_calls(pg_url).values())
        figures[n] = (requests(servers), calls)
        with psycopg.connect(pg_url, autocommit=True) as conn:  # the next run starts on an empty archive
            conn.execute("DELETE FROM accounts")
    baseline = figures[1][0] / figures[1][1]
    for n in (2, 3):
        assert figures[n][1] == figures[1][1]
        assert figures[n][0] / figures[n][1] == pytest.approx(baseline), figures  # 1.0x: nothing fetched twice


def test_sigterm_finishes_the_current_page_releases_the_lease_and_exits_0(team, data_dir, pg_url, tmp_path):
    archive, _ = team([SLOW])
    log = tmp_path / "serve.log"
    worker = start_serve(data_dir.root, archive, log, lease_s=600)
    try:
        account, _ = wait_for(lambda: mid_sync_holder(pg_url), what="a sync in progress")
        assert stop(worker, signal.SIGTERM) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    no_traceback(log)
    with PgStore.open(pg_url) as owner:
        acc = owner.account(account)
        assert owner.get_state(acc.id, STATE_RUN)  # the saved cursor stays for the next worker
    with psycopg.connect(pg_url) as conn:
        holder, expires_ms = conn.execute("SELECT holder, expires_ms FROM leases WHERE account_id = %s",
                                          (acc.id,)).fetchone()
    # Released, not left to run out (600 s): the next worker may take it at once.
    assert holder == "" and expires_ms <= time.time() * 1000


def test_a_provider_that_keeps_failing_is_one_log_line_and_the_other_accounts_are_served(
        team, data_dir, pg_url, tmp_path):
    archive, servers = team()
    broken = next(s for s in servers if s.provider == "wildix")
    broken.add_fault("5xx:times=0,status=503")
    log = tmp_path / "serve.log"
    worker = start_serve(data_dir.root, archive, log, "--once")
    assert worker.wait(240) == 0
    text = log.read_text()
    assert "Traceback" not in text, text
    name = next(n for n, s in archive.accounts.items() if s is broken)
    failures = [line for line in text.splitlines() if f"serve {name}:" in line and "retrying in" in line]
    assert len(failures) == 1, text
    served = archived_calls(pg_url)
    assert name not in served
    assert set(served) == set(archive.accounts) - {name}
    with psycopg.connect(pg_url) as conn:  # it comes back after the backoff, not the full interval
        due = conn.execute("SELECT l.expires_ms FROM leases l JOIN accounts a ON a.id = l.account_id "
                           "WHERE a.name = %s", (name,)).fetchone()[0]
    assert time.time() * 1000 < due <= time.time() * 1000 + 60_000


def test_serve_without_a_team_is_a_usage_error_in_one_sentence(capsys, data_dir, monkeypatch):
    from support.cli_helpers import run

    monkeypatch.delenv("RECBROWSER_TEAM", raising=False)
    code, out, err = run(capsys, "team", "serve", "--once")
    assert code == 2
    assert err.count("\n") == 1 and "--team NAME" in err and "Traceback" not in err


def test_a_key_file_of_another_team_is_refused_in_one_sentence(team, capsys, data_dir, monkeypatch, tmp_path):
    from support.cli_helpers import run

    from recbrowser.team import sealing

    archive, _ = team()
    other = tmp_path / "other.key"
    sealing.write_key_file(other, sealing.new_key_pair()[1])
    monkeypatch.setenv("RECBROWSER_TEAM", archive.serve_profile)
    code, out, err = run(capsys, "team", "serve", "--once", "--key-file", str(other))
    assert code == 1
    assert err.count("\n") == 1 and "private key does not belong" in err


def test_a_long_sync_keeps_renewing_its_lease_so_no_other_worker_takes_the_account(team, data_dir, pg_url, tmp_path):
    archive, _ = team([SLOW])
    log = tmp_path / "serve.log"
    worker = start_serve(data_dir.root, archive, log, lease_s=1)
    try:
        account, holder = wait_for(lambda: mid_sync_holder(pg_url), what="a sync in progress")

        def lease():
            with psycopg.connect(pg_url) as conn:
                return conn.execute("SELECT l.holder, l.expires_ms FROM leases l JOIN accounts a ON a.id = l.account_id "
                                    "WHERE a.name = %s", (account,)).fetchone()

        first = lease()[1]
        # Renewed while the sync goes on: past its first 1 s, still this worker's.
        wait_for(lambda: (row := lease())[0] == holder and row[1] > first + 500, what="a renewed lease")
        assert stop(worker) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    no_traceback(log)
