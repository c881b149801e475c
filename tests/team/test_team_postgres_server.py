"""The throw-away PostgreSQL server the team archive's tests and demo run on."""

from __future__ import annotations

import os
import pwd
import socket

import psycopg
import pytest

from recbrowser.team.postgres_server import PG_BIN_ENV, PostgresServer, PostgresUnavailable


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_real_server_starts_answers_and_stop_removes_everything():
    server = PostgresServer().start()
    folder, port = server.folder, server.port
    try:
        with psycopg.connect(server.url) as conn:
            user, version = conn.execute("SELECT current_user, current_setting('server_version_num')::int").fetchone()
        assert user == "postgres" and version >= 150000
        assert folder is not None and (folder / "data" / "PG_VERSION").is_file()
    finally:
        server.stop()
    assert not folder.exists()
    assert not _accepts(port)
    server.stop()  # a second stop is harmless (fixtures' finalizers may both call it)


def test_the_server_runs_as_an_unprivileged_user_when_we_are_root(postgres_server):
    # PostgreSQL refuses to run as root; CI runs as root: the backend must belong to `nobody`.
    with psycopg.connect(postgres_server.url) as conn:  # looked at while the backend still runs
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        uid = os.stat(f"/proc/{pid}").st_uid
    expected = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert uid == expected


def test_a_wrong_password_is_refused(postgres_server):
    # Host logins use scram-sha-256, so the RLS tests' password logins are real ones.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_server.url_for("postgres", "not-the-password")).close()


def test_missing_binaries_are_one_sentence_naming_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv(PG_BIN_ENV, str(tmp_path))  # a folder without initdb
    server = PostgresServer()
    with pytest.raises(PostgresUnavailable) as e:
        server.start()
    message = str(e.value)
    assert "postgresql package" in message and PG_BIN_ENV in message and message.count(". ") == 0
    assert server.folder is None
