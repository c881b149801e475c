"""What `recbrowser --team NAME` says where the team archive differs from one desktop's cache:
where a recording is, a call this login cannot see, testing an account, and exporting a call
whose recording the serving hosts have not archived yet."""

from __future__ import annotations

import hashlib
import os

from support.team_archive import add_accounts

from recbrowser.store.postgres import PgStore
from recbrowser.team.media_store import MediaStore


def _archive_one(team, account_id: int) -> None:
    """north/no000001's recording rno1 in object storage, as `team serve` leaves it."""
    audio = os.urandom(20_000)
    source = team.tmp / "rec.wav"
    source.write_bytes(audio)
    writer = MediaStore.from_url(team.media, access_key=team.s3.write_key.access_key,
                                 secret_key=team.s3.write_key.secret_key, endpoint=team.s3.endpoint)
    with PgStore.open(team.pg_url) as owner:
        owner.record_media(account_id, "rno1", writer.put(source).key, len(audio), hashlib.sha256(audio).hexdigest())


def test_show_says_whether_a_recording_is_in_the_team_archive_not_at_the_provider(team):
    ids = add_accounts(team)
    _archive_one(team, ids["north"])
    code, out, err = team.cli("show", "north/no000001", team="admin")
    assert code == 0, err
    assert "in the team archive" in out and "at provider" not in out
    code, out, err = team.cli("show", "north/no000002", team="admin")
    assert code == 0, err
    assert "not in the team archive yet" in out and "at provider" not in out


def test_a_call_of_an_account_not_granted_is_one_sentence_about_the_archive_not_the_cache(team):
    add_accounts(team)
    user, _ = team.supervisor()
    assert team.cli("team", "grant", user, "north", team="admin")[0] == 0
    for command in (["show", "south/so000001"], ["export", "south/so000001", "--to", str(team.tmp / "out")]):
        code, out, err = team.cli(*command, team=user)
        assert code == 1 and err.count("\n") == 1, (command, err)
        assert "south/so000001 in the team archive that your login can see" in err and "cache" not in err, err


def test_accounts_test_on_a_team_archive_says_the_serving_hosts_reach_the_provider(team):
    add_accounts(team)
    code, out, err = team.cli("accounts", "test", "north", team="admin")
    assert code == 1 and err.count("\n") == 1, err
    assert "serving hosts" in err and "keyring" not in err, err


def test_exporting_a_call_not_archived_yet_says_so_not_that_the_provider_lost_it(team):
    add_accounts(team)
    code, out, err = team.cli("export", "north/no000002", "--to", str(team.tmp / "out"), team="admin")
    assert code == 0, err
    assert "not archived the recording" in out and "no longer has" not in out, out
