"""`recbrowser team connect|list|remove`, driven as a user would, on the real keyring."""

from __future__ import annotations

import json
import uuid

import keyring
import pytest
from support.cli_helpers import run

from recbrowser.credentials import TEAM_SERVICE

SECRETS = {"password": "db-Pa55word-xyz", "access_key": "AKIATEAM123", "secret_key": "s3-SeCrEt-abc/def"}
MEDIA = ["--media", "s3://team-media/calls", "--s3-endpoint", "http://127.0.0.1:8333"]


@pytest.fixture
def team(data_dir, keyring_ready):
    """A unique profile name; whatever keyring entries the test's profiles made are removed after."""
    name = f"team-{uuid.uuid4().hex[:6]}"
    yield name
    folder = data_dir.root / "team-profiles"
    for path in folder.glob("*.json") if folder.is_dir() else []:
        entry = json.loads(path.read_text()).get("keyring_entry")
        if entry and keyring.get_password(TEAM_SERVICE, entry) is not None:
            keyring.delete_password(TEAM_SERVICE, entry)


def connect(capsys, monkeypatch, name, *extra, db="postgresql://alice@db.example.com:5432/archive",
            secrets=SECRETS):
    stdin = secrets if isinstance(secrets, str) else json.dumps(secrets)
    return run(capsys, "team", "connect", name, "--db", db, *extra, "--secrets-stdin",
               stdin=stdin, monkeypatch=monkeypatch)


def profile_file(data_dir, name):
    return data_dir.root / "team-profiles" / f"{name}.json"


def test_connect_keeps_secrets_in_the_keyring_and_the_rest_in_a_0600_file(capsys, monkeypatch, data_dir, team):
    code, out, err = connect(capsys, monkeypatch, team, *MEDIA, "--s3-region", "eu-west-1")
    assert code == 0, err
    assert f"Saved team profile '{team}'" in out
    path = profile_file(data_dir, team)
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    for value in SECRETS.values():
        assert value not in text and value not in out
    saved = json.loads(text)
    assert saved["db_url"] == "postgresql://alice@db.example.com:5432/archive"
    assert saved["media_url"] == "s3://team-media/calls"
    assert json.loads(keyring.get_password(TEAM_SERVICE, saved["keyring_entry"])) == SECRETS

    code, out, _ = run(capsys, "team", "list", "--json")
    assert code == 0
    assert json.loads(out) == {"profiles": [{"name": team, "db": "postgresql://alice@db.example.com:5432/archive",
                                             "media": "s3://team-media/calls", "s3_endpoint": "http://127.0.0.1:8333",
                                             "s3_region": "eu-west-1"}]}
    code, out, _ = run(capsys, "team", "list")
    assert out.split("\t")[0] == team and "s3://team-media/calls" in out


def test_remove_deletes_the_keyring_entry_and_the_file(capsys, monkeypatch, data_dir, team):
    assert connect(capsys, monkeypatch, team, *MEDIA)[0] == 0
    entry = json.loads(profile_file(data_dir, team).read_text())["keyring_entry"]
    code, out, err = run(capsys, "team", "remove", team)
    assert code == 0, err
    assert keyring.get_password(TEAM_SERVICE, entry) is None
    assert not profile_file(data_dir, team).exists()
    code, out, _ = run(capsys, "team", "list")
    assert out.startswith("No team profiles yet")


def test_remove_interrupted_after_the_secret_went_finishes_on_retry(capsys, monkeypatch, data_dir, team):
    assert connect(capsys, monkeypatch, team, *MEDIA)[0] == 0
    entry = json.loads(profile_file(data_dir, team).read_text())["keyring_entry"]
    keyring.delete_password(TEAM_SERVICE, entry)  # the first half of a remove that was cut short
    code, _, err = run(capsys, "team", "remove", team)
    assert code == 0, err
    assert not profile_file(data_dir, team).exists()
    code, _, err = run(capsys, "team", "remove", team)
    assert code == 1
    assert err.strip() == (f"recbrowser: There is no team profile '{team}'; see `recbrowser team list`, "
                           "or make it with `recbrowser team connect`.")


def test_connect_again_replaces_the_profile_and_its_secrets(capsys, monkeypatch, data_dir, team):
    assert connect(capsys, monkeypatch, team, *MEDIA)[0] == 0
    new = {**SECRETS, "secret_key": "rotated-key-456"}
    assert connect(capsys, monkeypatch, team, "--media", "s3://other-bucket", secrets=new)[0] == 0
    saved = json.loads(profile_file(data_dir, team).read_text())
    assert saved["media_url"] == "s3://other-bucket" and saved["s3_endpoint"] is None
    assert json.loads(keyring.get_password(TEAM_SERVICE, saved["keyring_entry"]))["secret_key"] == "rotated-key-456"
    assert len(json.loads(run(capsys, "team", "list", "--json")[1])["profiles"]) == 1


@pytest.mark.parametrize("db", ["postgresql://alice:db-Pa55word-xyz@db.example.com/archive",
                                "postgresql://alice@db.example.com/archive?password=db-Pa55word-xyz"])
def test_database_url_with_a_password_is_refused_and_nothing_saved(capsys, monkeypatch, data_dir, team, db):
    code, out, err = connect(capsys, monkeypatch, team, *MEDIA, db=db)
    assert code == 1
    assert err.startswith("recbrowser: The --db address has a password in it;") and err.count("\n") == 1
    assert "db-Pa55word-xyz" not in err + out
    assert not profile_file(data_dir, team).exists()


@pytest.mark.parametrize("media", ["team-media", "https://team-media.s3.amazonaws.com", "s3://Team_Media",
                                   "s3://AKIA:s3-SeCrEt@team-media"])
def test_bad_media_address_is_one_sentence(capsys, monkeypatch, data_dir, team, media):
    code, out, err = connect(capsys, monkeypatch, team, "--media", media)
    assert code == 1
    assert "is not an object storage address; use s3://BUCKET or s3://BUCKET/PREFIX" in err
    assert err.count("\n") == 1 and "s3-SeCrEt" not in err
    assert not profile_file(data_dir, team).exists()


def test_secrets_come_only_from_stdin(capsys, monkeypatch, data_dir, team):
    with pytest.raises(SystemExit) as usage:
        run(capsys, "team", "connect", team, "--db", "postgresql://a@h/d", *MEDIA)
    assert usage.value.code == 2
    assert "required: --secrets-stdin" in capsys.readouterr().err
    code, _, err = connect(capsys, monkeypatch, team, *MEDIA, secrets="access_key=x")
    assert code == 2 and "expects one JSON object" in err
    code, _, err = connect(capsys, monkeypatch, team, *MEDIA, secrets={"password": "p", "access_key": "a"})
    assert code == 1 and "lacks secret_key" in err and '"p"' not in err
    assert not profile_file(data_dir, team).exists()


def test_no_keyring_saves_no_profile(capsys, monkeypatch, data_dir, team):
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, _, err = connect(capsys, monkeypatch, team, *MEDIA)
    finally:
        keyring.set_keyring(previous)
    assert code == 1 and "No usable system keyring" in err
    assert not profile_file(data_dir, team).exists()


def test_profile_opens_its_object_storage_with_the_key_from_the_keyring(capsys, monkeypatch, data_dir, team,
                                                                        s3_server):
    from recbrowser.redact import redact_text
    from recbrowser.team import profiles
    from recbrowser.team.media_store import MediaAccessDenied

    read = s3_server.read_key
    code, _, err = connect(capsys, monkeypatch, team, "--media", "s3://media/desk", "--s3-endpoint", s3_server.endpoint,
                           secrets={"access_key": read.access_key, "secret_key": read.secret_key})
    assert code == 0, err
    assert read.secret_key not in redact_text(f"a log line with {read.secret_key}")
    media = profiles.open_media(profiles.load_profile(data_dir, team))
    media.check_bucket()
    with pytest.raises(MediaAccessDenied, match="may not write in bucket 'media'"):
        media.check_bucket(writable=True)
