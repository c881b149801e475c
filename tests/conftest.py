"""Shared fixtures: a real data folder, a real Yeastar emulator on loopback, the real keyring."""

from __future__ import annotations

import os
import uuid

import pytest
from needs import missing

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The emulators run on loopback: the app's 10 requests/s per host would only make tests slow.
# The rate limiter itself is tested in test_http_policy.py. Subprocesses inherit this.
os.environ["RECBROWSER_MAX_RPS"] = "0"


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
