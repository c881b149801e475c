"""`team init` without --key-file: the team's private key lands where `team serve` on the same
computer finds it, and init's output says how the other serving hosts get it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
from support.cli_helpers import set_args
from support.paths import REPO
from support.team_archive import Team, no_password

from recbrowser.store import CallFilter
from recbrowser.store.postgres import PgStore, make_service


def test_init_without_key_file_then_team_serve_on_this_host_needs_no_flags(
        capsys, monkeypatch, data_dir, keyring_ready, pg_url, postgres_server, s3_server, pg_login, tmp_path, yeastar):
    t = Team(capsys, monkeypatch, data_dir, pg_url, postgres_server, s3_server, pg_login, tmp_path)
    try:
        code, out, err = t.cli("team", "init", "--db", t.db, "--media", t.media, "--s3-endpoint", s3_server.endpoint,
                               "--secrets-stdin", stdin=t.secrets(s3_server.admin_key, postgres_server.password))
        assert code == 0, err
        # Where the key is, that serve here finds it, and how the other serving hosts get it.
        key_file = Path(re.search(r"private key is in (\S+) \(0600\)", out).group(1))
        assert key_file.stat().st_mode & 0o777 == 0o600 and key_file.is_relative_to(data_dir.root)
        assert "`team serve` on this computer finds it" in out and "team connect NAME ... --key-file PATH" in out

        code, _, err = t.connect("admin", t.db, postgres_server.password, s3_server.admin_key)
        assert code == 0, err
        code, _, err = t.cli("accounts", "add", "yeastar", "--name", "pbx", *set_args(yeastar.account_settings()),
                             "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), team="admin")
        assert code == 0, err
        user, url = pg_login("serve")  # the service login, as the admin's DBA makes it
        with psycopg.connect(pg_url, autocommit=True) as owner:
            make_service(owner, user)
        password = url.split(":")[2].split("@")[0]
        code, _, err = t.connect("srv", no_password(url, password), password, s3_server.write_key)
        assert code == 0, err

        # `team serve` on this host, as its systemd unit runs it: no --key-file.
        env = {**os.environ, "RECBROWSER_TEAM": "srv", "RECBROWSER_DATA_DIR": str(data_dir.root),
               "PYTHONPATH": str(REPO), "RECBROWSER_MAX_RPS": "0"}
        done = subprocess.run([sys.executable, "-m", "recbrowser", "team", "serve", "--once"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        with PgStore.open(pg_url) as owner:
            account = owner.account("pbx")
            assert owner.count_calls(CallFilter()) > 0  # synced with the unsealed provider secret
            assert owner.unarchived_recordings(account.id) == []  # and every recording archived
    finally:
        t.cleanup()


def test_serve_without_any_team_key_says_how_to_give_it_in_one_sentence(
        capsys, monkeypatch, data_dir, keyring_ready, pg_url, postgres_server, s3_server, pg_login, tmp_path):
    t = Team(capsys, monkeypatch, data_dir, pg_url, postgres_server, s3_server, pg_login, tmp_path)
    try:
        code, _, err = t.init()  # the key goes to a file elsewhere (another computer, say)
        assert code == 0, err
        code, _, err = t.connect("admin", t.db, postgres_server.password, s3_server.admin_key)
        assert code == 0, err
        code, out, err = t.cli("team", "serve", "--once", team="admin")
        assert code == 1 and err.count("\n") == 1, err
        assert "no team private key" in err and "--key-file PATH" in err and "Traceback" not in err
    finally:
        t.cleanup()

