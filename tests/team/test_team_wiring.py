"""`recbrowser --team NAME ...` on the real servers: `team init`, grants, the contract's commands
on the archive as a supervisor, sealed account secrets, media from object storage, and the
sentences for an archive that is newer or cannot be reached."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
from support.team_archive import PROVIDER_SECRET, Team, add_accounts

from recbrowser import store as store_api
from recbrowser.store import CallFilter, open_store
from recbrowser.store.postgres import PgStore
from recbrowser.team.media_store import MediaStore

PG_BIN = Path("/usr/lib/postgresql/15/bin")
def test_team_init_makes_the_schema_roles_archive_id_and_a_0600_key_whose_public_half_is_in_the_archive(team):
    from recbrowser.team import sealing

    assert team.key_file.stat().st_mode & 0o777 == 0o600
    private = sealing.read_key_file(team.key_file)
    with PgStore.open(team.pg_url) as owner:
        assert owner.team_setting("sealing_public_key") == sealing.public_key_of(private)
        archive_id = owner.cache_id
        with psycopg.connect(team.pg_url) as conn:
            roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'recbrowser_%'")}
    assert {"recbrowser_admin", "recbrowser_supervisor", "recbrowser_service"} <= roles
    # Run again: the schema is current, the key pair and the archive's id are kept.
    team.key_file.rename(team.tmp / "moved.key")
    code, out, err = team.init()
    assert code == 0, err
    assert "already has a team key pair" in out and not team.key_file.exists()
    with PgStore.open(team.pg_url) as owner:
        assert owner.team_setting("sealing_public_key") == sealing.public_key_of(private)
        assert owner.cache_id == archive_id


def test_team_init_refuses_a_bucket_it_cannot_write_and_writes_nothing(capsys, monkeypatch, data_dir, keyring_ready,
                                                                          pg_url, postgres_server, s3_server, pg_login,
                                                                          tmp_path):
    t = Team(capsys, monkeypatch, data_dir, pg_url, postgres_server, s3_server, pg_login, tmp_path)
    code, out, err = t.cli("team", "init", "--db", t.db, "--media", t.media, "--s3-endpoint", s3_server.endpoint,
                           "--secrets-stdin", stdin=t.secrets(s3_server.read_key, postgres_server.password))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('public.schema_version')").fetchone()[0] is None


def test_a_supervisor_sees_only_granted_accounts_in_the_cli_and_in_their_own_psycopg_session(team):
    add_accounts(team)
    user, url = team.supervisor()
    code, out, err = team.cli("team", "grant", user, "north", team="admin")
    assert code == 0, err
    code, out, err = team.cli("calls", "--json", "--limit", "1000", team=user)
    assert code == 0, err
    calls = json.loads(out)["calls"]
    assert len(calls) == 40 and {c["ref"].split("/")[0] for c in calls} == {"north"}
    with psycopg.connect(url) as own:  # what PostgreSQL enforces, whatever the client
        assert own.execute("SELECT count(*) FROM calls").fetchone()[0] == 40
        assert [r[0] for r in own.execute("SELECT name FROM accounts")] == ["north"]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            own.execute("SELECT count(*) FROM sealed_secrets")
    # RECBROWSER_TEAM is the same as --team; the admin sees both accounts.
    team.monkeypatch.setenv("RECBROWSER_TEAM", "admin")
    code, out, err = team.cli("accounts", "list", "--json")
    assert code == 0, err
    assert [a["name"] for a in json.loads(out)["accounts"]] == ["north", "south"]
    team.monkeypatch.delenv("RECBROWSER_TEAM")
    code, out, err = team.cli("team", "revoke", user, "north", team="admin")
    assert code == 0, err
    code, out, err = team.cli("calls", "--json", team=user)
    assert code == 0 and json.loads(out)["calls"] == []


def test_search_and_notes_with_their_author_on_the_archive(team):
    add_accounts(team)
    user, _ = team.supervisor()
    assert team.cli("team", "grant", user, "north", "south", team="admin")[0] == 0
    code, out, err = team.cli("search", "hello", "--json", team=user)
    assert code == 0, err
    hits = json.loads(out)["hits"]
    assert hits and all("hello" in h["text"] for h in hits)
    ref = hits[0]["call"] if "call" in hits[0] else hits[0]["ref"]
    account, provider_id = ref.split("/", 1)
    with open_store_as(team, user) as store:
        store.add_note(account, provider_id, None, "called back on Tuesday")
    code, out, err = team.cli("show", ref, "--json", team=user)
    assert code == 0, err
    notes = json.loads(out)["notes"]
    assert [(n["text"], n["author"]) for n in notes] == [("called back on Tuesday", user)]


def open_store_as(team: Team, profile: str):
    from recbrowser.team.opener import use_team

    return open_store(use_team(team.data_dir, profile).database)


def test_the_location_is_team_name_and_a_list_read_interrupted_from_another_thread_raises_the_stores_interrupted(team):
    add_accounts(team)
    with open_store_as(team, "admin") as store:
        assert str(store.location) == "team:admin" and store.cache_id
        with open_store(store.location) as again:  # a worker thread's own store
            assert again.count_calls(CallFilter()) == 70
        reader = store.open_list_reader()
    pid = reader._conn.info.backend_pid
    outcome: list[object] = []
    with psycopg.connect(team.pg_url) as blocker:
        blocker.execute("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE")

        def read() -> None:
            try:
                outcome.append(reader.list_calls(CallFilter(), limit=10))
            except BaseException as e:
                outcome.append(e)

        worker = threading.Thread(target=read)
        worker.start()
        while not _waiting(team.pg_url, pid):
            time.sleep(0.01)
        reader.interrupt()
        worker.join(10)
        blocker.rollback()
    assert len(outcome) == 1 and isinstance(outcome[0], store_api.Interrupted), outcome
    rows, _ = reader.list_calls(CallFilter(), limit=10)  # usable for the next read
    assert len(rows) == 10
    reader.close()


def _waiting(url: str, pid: int) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return bool(row) and row[0] == "Lock"


def test_provider_secrets_are_sealed_not_in_the_keyring_and_not_in_the_database_dump(team):
    import keyring

    from recbrowser.team import sealing

    ids = add_accounts(team)
    with PgStore.open(team.pg_url) as owner:
        blob = owner.sealed_secret(ids["north"])
    assert sealing.unseal(blob, sealing.read_key_file(team.key_file)) == {"client_secret": PROVIDER_SECRET}
    assert keyring.get_password("recbrowser", "north") is None
    dump = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", team.db], capture_output=True, text=True, check=True,
                          env={**os.environ, "PGPASSWORD": team.server.password})
    assert "CREATE TABLE public.sealed_secrets" in dump.stdout
    assert PROVIDER_SECRET not in dump.stdout
    # A supervisor may not even add an account.
    user, _ = team.supervisor()
    code, _, err = team.cli("accounts", "add", "yeastar", "--name", "west", "--set", "base_url=https://pbx.example.com",
                            "--set", "client_id=cid", "--secrets-stdin", stdin=json.dumps({"client_secret": "x"}), team=user)
    assert code == 1 and "ask your admin" in err and "Traceback" not in err


def test_sync_from_a_desktop_on_a_team_archive_says_the_serving_hosts_sync_it(team):
    add_accounts(team)
    code, out, err = team.cli("sync", team="admin")
    assert code == 1 and "serving hosts" in err and err.count("\n") == 1


def test_download_fetches_from_object_storage_and_verifies_sha256_and_an_unarchived_recording_says_so(team):
    ids = add_accounts(team)
    user, _ = team.supervisor()
    team.cli("team", "grant", user, "north", team="admin")
    audio = os.urandom(50_000)
    digest = hashlib.sha256(audio).hexdigest()
    source = team.tmp / "rec.wav"
    source.write_bytes(audio)
    writer = MediaStore.from_url(team.media, access_key=team.s3.write_key.access_key,
                                 secret_key=team.s3.write_key.secret_key, endpoint=team.s3.endpoint)
    key = writer.put(source).key
    with PgStore.open(team.pg_url) as owner:  # what `team serve` records once the recording is stored
        owner.record_media(ids["north"], "rno1", key, len(audio), digest)
    code, out, err = team.cli("download", "north/no000001", team=user)
    assert code == 0, err
    path = Path(out.split("\t")[1])
    assert path.is_relative_to(team.data_dir.media)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert path.stat().st_mode & 0o777 == 0o600
    code, out, err = team.cli("download", "north/no000001", team=user)
    assert code == 0 and "already in the cache" in out
    code, out, err = team.cli("show", "north/no000001", "--json", team=user)
    assert code == 0, err
    assert [(m["path"], m["sha256"], m["state"]) for m in json.loads(out)["media"]] == [(str(path), digest, "ok")]
    code, out, err = team.cli("calls", "--json", "--limit", "1000", team=user)
    assert code == 0, err
    archived = next(c for c in json.loads(out)["calls"] if c["ref"] == "north/no000001")
    assert archived["audio"] not in ("missing", "damaged")  # in object storage: not a local file gone
    code, out, err = team.cli("download", "north/no000002", team=user)
    assert code == 1 and "not in the team archive yet" in err and err.count("\n") == 2  # the line, the cache total


def test_a_corrupt_object_is_refused_and_nothing_is_kept(team):
    ids = add_accounts(team)
    audio = os.urandom(10_000)
    digest = hashlib.sha256(audio).hexdigest()
    writer = MediaStore.from_url(team.media, access_key=team.s3.write_key.access_key,
                                 secret_key=team.s3.write_key.secret_key, endpoint=team.s3.endpoint)
    key = writer.key_for(digest)
    damaged = bytes([audio[0] ^ 1]) + audio[1:]  # storage rotted one bit of the archived recording
    writer.client.put_object(writer.bucket, key, io.BytesIO(damaged), len(damaged))
    with PgStore.open(team.pg_url) as owner:
        owner.record_media(ids["north"], "rno1", key, len(audio), digest)
    code, out, err = team.cli("download", "north/no000001", team="admin")
    assert code == 1 and "SHA-256" in err and "Traceback" not in err
    assert not [p for p in team.data_dir.media.rglob("*") if p.is_file()]


def test_an_archive_written_by_a_newer_recbrowser_is_refused_in_one_sentence(team):
    with psycopg.connect(team.pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    team.key_file.unlink()
    code, out, err = team.cli("calls", team="admin")
    assert code == 1 and "newer recbrowser" in err and err.count("\n") == 1
    code, out, err = team.init()
    assert code == 1 and "newer recbrowser" in err and err.count("\n") == 1


def test_an_unreachable_archive_names_the_host_and_what_to_check_and_keeps_local_files(team):
    from recbrowser.team.s3_server import free_ports

    port = free_ports(1)[0]
    (team.data_dir.media / "kept.wav").write_bytes(b"local")
    code, _, err = team.connect("gone", f"postgresql://postgres@127.0.0.1:{port}/archive", "pw", team.s3.read_key)
    assert code == 0, err
    code, out, err = team.cli("calls", "--json", team="gone")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert f"127.0.0.1:{port}/archive" in err and "PostgreSQL is running" in err
    assert (team.data_dir.media / "kept.wav").read_bytes() == b"local"
    # Object storage down: the download says which host and what to check.
    ids = add_accounts(team)
    with PgStore.open(team.pg_url) as owner:
        owner.record_media(ids["north"], "rno1", "media/sha256/ab/" + "ab" * 32, 10, "ab" * 32)
    code, _, err = team.connect("nos3", team.db, team.server.password, team.s3.read_key,
                                endpoint=f"http://127.0.0.1:{free_ports(1)[0]}")
    assert code == 0, err
    code, out, err = team.cli("download", "north/no000001", team="nos3")
    assert code == 1 and "127.0.0.1" in err and "Traceback" not in err


def test_no_such_profile_is_one_sentence():
    from recbrowser.cli import main

    assert main(["--team", "nobody-here", "calls"]) == 1


def test_pg_dump_is_where_the_tests_expect_it():
    assert shutil.which("pg_dump", path=str(PG_BIN)), "postgresql 15's pg_dump is missing: the suite needs it"


def test_the_window_says_the_archive_is_unreachable_and_opens_it_on_retry(team):
    from recbrowser.team.opener import use_team
    from recbrowser.team.s3_server import free_ports
    from recbrowser.ui.window.app import open_until_reachable

    port = free_ports(1)[0]
    assert team.connect("flaky", f"postgresql://postgres@127.0.0.1:{port}/archive", "pw", team.s3.read_key)[0] == 0
    dd = use_team(team.data_dir, "flaky")
    asked: list[str] = []

    def retry(message: str) -> bool:  # the admin fixes the address, then the user presses Retry
        asked.append(message)
        assert team.connect("flaky", team.db, team.server.password, team.s3.read_key)[0] == 0
        return True

    with open_until_reachable(dd, retry) as store:
        assert str(store.location) == "team:flaky"
    assert len(asked) == 1 and f"127.0.0.1:{port}/archive" in asked[0] and "PostgreSQL is running" in asked[0]
    # Quit instead: the sentence is raised for the window to show.
    assert team.connect("flaky", f"postgresql://postgres@127.0.0.1:{port}/archive", "pw", team.s3.read_key)[0] == 0
    with pytest.raises(Exception, match="cannot be reached"):
        open_until_reachable(dd, lambda message: False)
