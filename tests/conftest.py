"""Shared fixtures: a real data folder, a real Yeastar emulator on loopback, the real keyring."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from support.needs import missing

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The emulators run on loopback: the app's 10 requests/s per host would only make tests slow.
# The rate limiter itself is tested in test_http_policy.py. Subprocesses inherit this.
os.environ["RECBROWSER_MAX_RPS"] = "0"

# pytest-qt's Qt message capture runs Python in Qt's FFmpeg threads; a warning raised there
# while the UI thread waits on that thread deadlocks on the GIL. The app installs no handler, so
# the tests that run the window or the bundled app install none either.
NO_QT_LOG = tuple(Path(__file__).parent / name for name in ("ui", "packaging"))


def pytest_itemcollected(item: pytest.Item) -> None:
    if item.path.is_relative_to(NO_QT_LOG[0]) or item.path.is_relative_to(NO_QT_LOG[1]):
        item.add_marker(pytest.mark.no_qt_log)


@pytest.fixture(autouse=True)
def _isolated_process_state():
    # Tokens and the secrets to redact are process-wide, as in the app; each test starts clean,
    # so one test's throwaway secret ("nope") cannot mask another test's file names.
    from recbrowser.providers.yeastar import forget_tokens
    from recbrowser.redact import forget_secrets

    forget_tokens()
    forget_secrets()
    yield
    forget_tokens()
    forget_secrets()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from recbrowser.paths import data_dir as make
    from recbrowser.paths import ensure

    d = ensure(make(tmp_path / "data"))
    monkeypatch.setenv("RECBROWSER_DATA_DIR", str(d.root))
    return d


@pytest.fixture
def store(data_dir):
    from recbrowser.store import Store

    s = Store.open(data_dir.database)
    yield s
    s.close()


@pytest.fixture
def yeastar():
    """A fresh Yeastar emulator with 30 seeded calls."""
    from recbrowser.emulators.yeastar import YeastarEmulator

    emu = YeastarEmulator(calls=30, seed=7)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def keyring_ready():
    """The real Secret Service keyring; `./run test` starts gnome-keyring on a private D-Bus."""
    from recbrowser.credentials import keyring_status

    status = keyring_status()
    if not status.ok:
        missing(f"needs the keyring that `./run test` starts ({status.problem})")
    return status


@pytest.fixture
def account_name(keyring_ready):
    """A unique account name whose keyring entry is removed after the test."""
    from recbrowser.credentials import delete_secrets

    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    delete_secrets(name)


@pytest.fixture(scope="session")
def s3_server():
    """A real SeaweedFS S3 gateway for the whole session (~6 s to start), with bucket `media`.
    Missing `weed` fails the run: the team archive's tests never skip."""
    from recbrowser.team.s3_server import S3Server

    with S3Server(buckets=("media",)) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the session (run as `nobody` when the tests run as root)."""
    from recbrowser.team.postgres_server import PostgresServer

    with PostgresServer() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server):
    """A fresh database on the session's server: the superuser's URL to it, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_server.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_login(postgres_server, pg_url):
    """make(prefix) -> (name, url): a new PostgreSQL login role with a password, on pg_url's
    database; dropped after the test (roles are cluster-wide)."""
    import secrets

    import psycopg
    from psycopg import sql

    made = []

    def make(prefix: str = "user") -> tuple[str, str]:
        name, password = f"{prefix}_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12)
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
        made.append(name)
        return name, pg_url.replace("postgres:" + postgres_server.password, f"{name}:{password}", 1)

    yield make
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in made:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
