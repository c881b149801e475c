"""Secrets are keyed by the cache (data folder) and the account, against the real keyring:
two data folders with an account of the same name keep their own secrets, entries of older
versions move on first use, and removing an account is all or nothing."""

from __future__ import annotations

import uuid

import keyring
import pytest
from support.keyring_helpers import KEYRING_PASSWORD, unlock_default_collection

from recbrowser import credentials
from recbrowser.credentials import SERVICE
from recbrowser.domain import Account, Call
from recbrowser.errors import KeyringLocked, SecretMissing
from recbrowser.services import accounts as account_service
from recbrowser.store import CallFilter, Store

SETTINGS = {"base_url": "https://pbx.example:8088", "client_id": "id"}


@pytest.fixture
def name(keyring_ready):
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def two_folders(tmp_path, name):
    stores = [Store.open(tmp_path / folder / "recbrowser.sqlite3") for folder in ("work", "demo")]
    yield stores
    for s in stores:
        credentials.delete_secrets(name, cache_id=s.cache_id)
        s.close()
    credentials.delete_secrets(name)


def test_two_data_folders_with_the_same_account_name_keep_their_own_secrets(two_folders, name):
    work, demo = two_folders
    assert work.cache_id and demo.cache_id and work.cache_id != demo.cache_id
    long_secret = "L" * 6000  # chunked: more than one 2,560-byte entry
    account_service.add_account(work, "yeastar", name, SETTINGS, {"client_secret": long_secret})
    account_service.add_account(demo, "yeastar", name, SETTINGS, {"client_secret": "demo-secret"})
    assert account_service.load_secrets(work.account(name)) == {"client_secret": long_secret}
    assert account_service.load_secrets(demo.account(name)) == {"client_secret": "demo-secret"}
    account_service.remove_account(demo, name)
    assert account_service.load_secrets(work.account(name)) == {"client_secret": long_secret}
    with pytest.raises(SecretMissing):
        credentials.load_secrets(name, cache_id=demo.cache_id)


def test_the_cache_id_survives_reopening(tmp_path):
    path = tmp_path / "data" / "recbrowser.sqlite3"
    with Store.open(path) as s:
        first = s.cache_id
    with Store.open(path) as s:
        assert s.cache_id == first and len(first) == 32


def test_an_entry_of_an_older_version_moves_to_the_cache_key_on_first_use(two_folders, name):
    work, _ = two_folders
    long_secret = "M" * 6000
    credentials.save_secrets(name, {"client_secret": long_secret})  # as an older version wrote it: by name alone
    assert keyring.get_password(SERVICE, name) is not None
    account = work.add_account(Account(name=name, provider="yeastar", settings=SETTINGS))
    assert account_service.load_secrets(account) == {"client_secret": long_secret}
    assert keyring.get_password(SERVICE, name) is None and keyring.get_password(SERVICE, f"{name}#1") is None
    assert credentials.load_secrets(name, cache_id=work.cache_id) == {"client_secret": long_secret}
    # Removing the account then removes the moved entry.
    account_service.remove_account(work, name)
    with pytest.raises(SecretMissing):
        credentials.load_secrets(name, cache_id=work.cache_id)


def test_removing_an_account_not_yet_moved_removes_its_old_entry(two_folders, name):
    work, _ = two_folders
    credentials.save_secrets(name, {"client_secret": "old"})
    work.add_account(Account(name=name, provider="yeastar", settings=SETTINGS))
    account_service.remove_account(work, name)
    assert keyring.get_password(SERVICE, name) is None


@pytest.mark.timeout(120)
def test_removing_with_the_keyring_locked_removes_nothing_and_a_retry_finishes(two_folders, name):
    import secretstorage

    work, _ = two_folders
    account = account_service.add_account(work, "yeastar", name, SETTINGS, {"client_secret": "s"})
    work.upsert_calls(account.id, [Call(provider_id="c1", start_ms=1_700_000_000_000)])
    bus = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(bus)
    collection.lock()
    try:
        with pytest.raises(KeyringLocked) as err:
            account_service.remove_account(work, name)
    finally:
        unlock_default_collection(KEYRING_PASSWORD)
        bus.close()
    msg = str(err.value)
    assert msg.startswith(f"Account '{name}' was not removed, and nothing of it was deleted: ")
    assert "keyring is locked" in msg and "\n" not in msg
    assert work.account(name) is not None and work.count_calls(CallFilter(account=name)) == 1
    assert credentials.load_secrets(name, cache_id=work.cache_id) == {"client_secret": "s"}
    account_service.remove_account(work, name)  # the retry, with the keyring unlocked
    assert work.account(name) is None and work.count_calls(CallFilter(account=name)) == 0
    with pytest.raises(SecretMissing):
        credentials.load_secrets(name, cache_id=work.cache_id)


@pytest.mark.timeout(120)
def test_accounts_remove_with_the_keyring_locked_says_one_sentence_and_a_retry_finishes(capsys, monkeypatch, data_dir,
                                                                                       name):
    import json

    import secretstorage
    from support.cli_helpers import run, set_args

    code, _, err = run(capsys, "accounts", "add", "yeastar", "--name", name, *set_args(SETTINGS), "--secrets-stdin",
                       stdin=json.dumps({"client_secret": "s"}), monkeypatch=monkeypatch)
    assert code == 0, err
    bus = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(bus)
    collection.lock()
    try:
        code, out, err = run(capsys, "accounts", "remove", name)
    finally:
        unlock_default_collection(KEYRING_PASSWORD)
        bus.close()
    assert code == 1 and len(err.strip().splitlines()) == 1 and "was not removed" in err and "locked" in err, err
    code, out, _ = run(capsys, "accounts", "list")
    assert name in out
    code, out, err = run(capsys, "accounts", "remove", name)
    assert code == 0, err
    with Store.open(data_dir.database) as s:
        assert s.account(name) is None
        with pytest.raises(SecretMissing):
            credentials.load_secrets(name, cache_id=s.cache_id)
