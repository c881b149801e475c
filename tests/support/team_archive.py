"""A team archive made the way an admin makes one (`team init`, profiles, accounts), for the
tests under tests/team/ that drive `recbrowser --team NAME ...`."""

from __future__ import annotations

import json
import uuid

from recbrowser.store.postgres import PgStore
from support.cli_helpers import run
from support.ui_helpers import bulk_calls

PROVIDER_SECRET = "yeastar-client-SeCrEt-" + uuid.uuid4().hex


def no_password(url: str, password: str) -> str:
    return url.replace(":" + password + "@", "@", 1)


class Team:
    """An archive made with `team init`, an admin profile, two accounts with calls."""

    def __init__(self, capsys, monkeypatch, data_dir, pg_url, postgres_server, s3_server, pg_login, tmp_path):
        self.capsys, self.monkeypatch, self.data_dir = capsys, monkeypatch, data_dir
        self.pg_url, self.server, self.s3, self.pg_login, self.tmp = pg_url, postgres_server, s3_server, pg_login, tmp_path
        self.db = no_password(pg_url, postgres_server.password)
        self.media = f"s3://media/t-{uuid.uuid4().hex[:8]}"
        self.key_file = tmp_path / "team.key"
        self.profiles: list[str] = []

    def cli(self, *args, stdin=None, team=None):
        return run(self.capsys, *(["--team", team] if team else []), *args, stdin=stdin, monkeypatch=self.monkeypatch)

    def secrets(self, key, password):
        return json.dumps({"password": password, "access_key": key.access_key, "secret_key": key.secret_key})

    def init(self):
        return self.cli("team", "init", "--db", self.db, "--media", self.media, "--s3-endpoint", self.s3.endpoint,
                        "--secrets-stdin", "--key-file", str(self.key_file),
                        stdin=self.secrets(self.s3.admin_key, self.server.password))

    def connect(self, name, db, password, key, endpoint=None):
        self.profiles.append(name)
        return self.cli("team", "connect", name, "--db", db, "--media", self.media, "--s3-endpoint",
                        endpoint or self.s3.endpoint, "--secrets-stdin", stdin=self.secrets(key, password))

    def supervisor(self, name="sup"):
        user, url = self.pg_login(name)
        password = url.split(":")[2].split("@")[0]
        code, _, err = self.connect(user, no_password(url, password), password, self.s3.read_key)
        assert code == 0, err
        return user, url

    def cleanup(self):
        for name in self.profiles:
            run(self.capsys, "team", "remove", name)


def add_accounts(team: Team) -> dict[str, int]:
    """north (40 calls) and south (30 calls), added by the admin through the CLI."""
    ids = {}
    for name in ("north", "south"):
        code, out, err = team.cli("accounts", "add", "yeastar", "--name", name, "--set", "base_url=https://pbx.example.com",
                                  "--set", "client_id=cid", "--secrets-stdin",
                                  stdin=json.dumps({"client_secret": PROVIDER_SECRET}), team="admin")
        assert code == 0, err
        assert "sealed to the team's serving hosts" in out
    with PgStore.open(team.pg_url) as owner:
        for name, n in (("north", 40), ("south", 30)):
            account = owner.account(name)
            owner.upsert_calls(account.id, bulk_calls(n, prefix=name[:2]))
            ids[name] = account.id
    return ids
