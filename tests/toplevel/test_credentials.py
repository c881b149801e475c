"""credentials.py against the real Secret Service (gnome-keyring on a private D-Bus).

The project's test command runs pytest under `dbus-run-session` with gnome-keyring unlocked
with the password "pw" (override with RECBROWSER_TEST_KEYRING_PASSWORD). Outside it, the
tests that need the keyring fail (or skip, if asked: see needs.py); the "no keyring" tests run everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import keyring
import pytest
from support.keyring_helpers import KEYRING_PASSWORD, unlock_default_collection
from support.needs import missing

from recbrowser import credentials
from recbrowser.credentials import CHUNK, SERVICE, delete_secrets, keyring_status, load_secrets, save_secrets
from recbrowser.errors import CredentialError, KeyringLocked, KeyringUnavailable, SecretMissing


@pytest.fixture
def real_keyring():
    status = keyring_status()
    if not status.ok or "SecretService" not in status.backend:
        missing(
            "needs the Secret Service keyring that the test command starts "
            f"(dbus-run-session + gnome-keyring-daemon --unlock); here: {status.problem or status.backend}"
        )
    return status


@pytest.fixture
def account(real_keyring):
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    delete_secrets(name)


def entries(name: str) -> list[str]:
    """Every keyring entry stored for `name`: the head and its chunks, as keyring returns them."""
    found, i = [], 0
    while (value := keyring.get_password(SERVICE, name if i == 0 else f"{name}#{i}")) is not None:
        found.append(value)
        i += 1
    return found


def test_round_trip(account, real_keyring):
    assert real_keyring.where == "the system keyring (Secret Service)" and real_keyring.problem == ""
    secrets = {"client_secret": "s3cr3t-é-ü-日本-🙂", "api_key": "k" * 40}
    save_secrets(account, secrets)
    assert load_secrets(account) == secrets
    assert len(entries(account)) == 1


def test_ten_kilobyte_secret_is_chunked_and_reassembled(account):
    big = {"token": ("0123456789abcdef" * 640), "other": "ünïcödé 🙂" * 50}  # > 10 KB of JSON
    save_secrets(account, big)
    stored = entries(account)
    assert len(stored) > 4
    for value in stored:  # Windows Credential Manager's limit, whether counted as UTF-8 or UTF-16
        assert len(value.encode("utf-8")) <= CHUNK and len(value.encode("utf-16-le")) <= CHUNK
    assert load_secrets(account) == big


def test_rewrite_removes_stale_chunks(account):
    save_secrets(account, {"token": "x" * 10_000})
    many = len(entries(account))
    save_secrets(account, {"token": "y" * 4_000})
    fewer = entries(account)
    assert 1 < len(fewer) < many
    assert keyring.get_password(SERVICE, f"{account}#{len(fewer)}") is None
    save_secrets(account, {"token": "short"})
    assert entries(account) == ['{"token":"short"}']
    for i in range(1, many + 1):
        assert keyring.get_password(SERVICE, f"{account}#{i}") is None
    assert load_secrets(account) == {"token": "short"}


def test_delete_removes_every_chunk_and_tolerates_absence(account):
    save_secrets(account, {"token": "z" * 9_000})
    delete_secrets(account)
    assert entries(account) == [] and keyring.get_password(SERVICE, f"{account}#1") is None
    delete_secrets(account)  # absent: no error
    with pytest.raises(SecretMissing) as err:
        load_secrets(account)
    assert str(err.value) == (
        f"Account '{account}' has no secret in the system keyring; enter it again in the account settings."
    )


def test_damaged_entries_are_reported_without_their_content(account):
    canary = "CANARY" + uuid.uuid4().hex
    save_secrets(account, {"token": canary * 300})
    keyring.delete_password(SERVICE, f"{account}#2")  # a chunk lost
    with pytest.raises(CredentialError) as err:
        load_secrets(account)
    assert "incomplete or damaged" in str(err.value) and canary not in str(err.value)
    keyring.set_password(SERVICE, account, f"not json {canary}")
    with pytest.raises(CredentialError) as err:
        load_secrets(account)
    assert "damaged" in str(err.value) and canary not in str(err.value) and err.value.__context__ is None


# -- a locked keyring -------------------------------------------------------------------------------
@pytest.mark.timeout(120)  # a desktop session would show an unlock prompt; headless it fails at once
def test_locked_keyring_is_reported_as_locked(account):
    import secretstorage

    save_secrets(account, {"token": "before-lock"})
    bus = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(bus)
    collection.lock()
    try:
        assert collection.is_locked()
        status = keyring_status()
        assert not status.ok and status.problem.startswith("keyring locked")
        for action in (lambda: load_secrets(account), lambda: save_secrets(account, {"token": "x"})):
            with pytest.raises(KeyringLocked) as err:
                action()
            msg = str(err.value)
            assert "the system keyring is locked: unlock it" in msg
            assert "wrong" not in msg and "password" not in msg.lower().replace("passwords and keys", "")
    finally:
        unlock_default_collection(KEYRING_PASSWORD)
        bus.close()
    assert keyring_status().ok
    assert load_secrets(account) == {"token": "before-lock"}


# -- no keyring at all ---------------------------------------------------------------------------------
PROBE = textwrap.dedent("""
    import json
    from recbrowser import credentials
    out = {"status": credentials.keyring_status().__dict__}
    for name, call in (("load", lambda: credentials.load_secrets("x")),
                       ("save", lambda: credentials.save_secrets("x", {"k": "CANARY-nokeyring"}))):
        try:
            call()
            out[name] = ["ok", ""]
        except Exception as e:
            out[name] = [type(e).__name__, str(e)]
    print(json.dumps(out))
""")


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
        {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/recbrowser-test-bus"},
    ],
    ids=["fail-backend", "no-dbus"],
)
def test_no_backend_is_unavailable_with_install_advice(env, tmp_path):
    full = {**os.environ, **env, "HOME": str(tmp_path)}
    if "DBUS_SESSION_BUS_ADDRESS" in env:
        full.pop("PYTHON_KEYRING_BACKEND", None)
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=full, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"]["ok"] is False and out["status"]["problem"].startswith("no keyring: install")
    for name in ("load", "save"):
        kind, msg = out[name]
        assert kind == KeyringUnavailable.__name__
        assert "apt install gnome-keyring" in msg and "KeePassXC" in msg and "CANARY" not in msg
        assert "locked" not in msg
    assert not any(tmp_path.rglob("*")), "nothing may be written as a fallback"


# -- nowhere else ---------------------------------------------------------------------------------------
WRITER = textwrap.dedent("""
    import logging, sys
    from pathlib import Path
    from recbrowser import credentials
    from recbrowser.logs import setup_logging
    setup_logging(Path(sys.argv[2]), verbose=True)
    logging.getLogger("recbrowser").setLevel(logging.DEBUG)
    secret, name = sys.argv[1], sys.argv[3]
    credentials.save_secrets(name, {"client_secret": secret})
    credentials.save_secrets(name, {"client_secret": secret * 200})  # chunked
    assert credentials.load_secrets(name)["client_secret"] == secret * 200
    credentials.save_secrets(name, {"client_secret": secret})
    assert credentials.load_secrets(name) == {"client_secret": secret}
    print(credentials.keyring_status())
""")


def test_secret_is_written_nowhere_but_the_keyring(account, tmp_path):
    canary = "CANARY-kr-" + uuid.uuid4().hex
    home = tmp_path / "home"
    dirs = {n: home / d for n, d in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                                     ("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state"),
                                     ("TMPDIR", "tmp"))}
    for d in dirs.values():
        d.mkdir(parents=True)
    env = {**os.environ, "HOME": str(home), "RECBROWSER_DEBUG": "1", **{k: str(v) for k, v in dirs.items()}}
    r = subprocess.run([sys.executable, "-c", WRITER, canary, str(home / "logs"), account],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert canary not in r.stdout + r.stderr
    assert load_secrets(account) == {"client_secret": canary}
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files), "the log file should exist and be checked"
    for path in files:
        assert canary.encode() not in path.read_bytes(), f"secret found in {path.relative_to(home)}"
    # The keyring's own store (gnome-keyring's files under the daemon's XDG_DATA_HOME) is encrypted.
    store = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "keyrings"
    for path in (p for p in store.rglob("*") if p.is_file()) if store.is_dir() else ():
        assert canary.encode() not in path.read_bytes(), f"secret in plaintext in {path.name}"


def test_messages_are_distinct_from_a_provider_rejecting_the_secret():
    assert "system keyring" in credentials.LOCKED_ADVICE and "gnome-keyring" in credentials.INSTALL_ADVICE
    for text in (credentials.LOCKED_ADVICE, credentials.INSTALL_ADVICE):
        assert "wrong" not in text and "rejected" not in text and "invalid" not in text
