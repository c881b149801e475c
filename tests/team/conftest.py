"""Fixtures of the team archive's tests."""

from __future__ import annotations

import uuid

import pytest
from support.serve_helpers import drop_logins
from support.team_archive import Team

from recbrowser.team import profiles


@pytest.fixture
def team(capsys, monkeypatch, data_dir, keyring_ready, pg_url, postgres_server, s3_server, pg_login, tmp_path):
    t = Team(capsys, monkeypatch, data_dir, pg_url, postgres_server, s3_server, pg_login, tmp_path)
    code, out, err = t.init()
    assert code == 0, err
    code, _, err = t.connect("admin", t.db, postgres_server.password, s3_server.admin_key)
    assert code == 0, err
    yield t
    t.cleanup()


@pytest.fixture
def archive_over(data_dir, keyring_ready, postgres_server, pg_url, s3_server, tmp_path):
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
