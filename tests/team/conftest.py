"""Fixtures of the team archive's tests."""

from __future__ import annotations

import pytest
from support.team_archive import Team


@pytest.fixture
def team(capsys, monkeypatch, data_dir, keyring_ready, pg_url, postgres_server, s3_server, pg_login, tmp_path):
    t = Team(capsys, monkeypatch, data_dir, pg_url, postgres_server, s3_server, pg_login, tmp_path)
    code, out, err = t.init()
    assert code == 0, err
    code, _, err = t.connect("admin", t.db, postgres_server.password, s3_server.admin_key)
    assert code == 0, err
    yield t
    t.cleanup()
