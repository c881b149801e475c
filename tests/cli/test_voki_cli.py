"""The Voki command-line flow as a user runs it: accounts add, test, sync, calls, search, show,
download (real keyring via `./run test`)."""

from __future__ import annotations

import io
import json
import sys

import pytest
from support.cli_helpers import run, set_args
from support.voki_helpers import fresh_voki_tokens  # noqa: F401

from recbrowser.emulators.voki import VokiEmulator


@pytest.fixture
def voki():
    emu = VokiEmulator(calls=12, seed=8)
    emu.start()
    yield emu
    emu.stop()


def test_readme_flow_add_test_sync_search_show_download(capsys, monkeypatch, data_dir, voki, account_name, tmp_path):
    sets = set_args(voki.account_settings())
    code, out, err = run(capsys, "accounts", "add", "voki", "--name", account_name, *sets, "--secrets-stdin",
                         stdin=json.dumps(voki.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 0 and "tenant 'avanter'" in out, err
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    calls = json.loads(out)["calls"]
    assert len(calls) == len(voki.calls)
    code, out, _ = run(capsys, "search", "refund", "--json")
    assert code == 0 and json.loads(out)["hits"]
    ref = next(c["ref"] for c in calls if c["audio"] == "at provider")
    code, out, _ = run(capsys, "show", ref, "--json")
    assert code == 0
    code, out, err = run(capsys, "download", ref, "--to", str(tmp_path / "out"))
    assert code == 0, err
    assert list((tmp_path / "out").rglob("*.webm"))
    # The refresh token went to the keyring: a new process renews instead of signing in again.
    from recbrowser.credentials import load_secrets, save_secrets
    from recbrowser.providers.voki import forget_tokens

    cache_id = _cache_id(data_dir)
    assert load_secrets(account_name, cache_id=cache_id).get("refresh_token")
    forget_tokens()
    logins = voki.counters["POST /api/auth/login"]
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 0, err
    assert voki.counters["POST /api/auth/login"] == logins and voki.counters["POST /api/auth/refresh"] >= 1

    # A wrong password is one line on stderr and one sign-in request.

    forget_tokens()
    save_secrets(account_name, {"password": "not-it"}, cache_id=cache_id)
    before = voki.counters["POST /api/auth/login"]
    code, out, err = run(capsys, "sync")
    assert code == 1 and "rejected the sign-in" in err.splitlines()[-1] and "not-it" not in err
    assert voki.counters["POST /api/auth/login"] == before + 1


def _cache_id(data_dir) -> str:
    from recbrowser.store import Store

    with Store.open(data_dir.database) as store:
        return store.cache_id


class _Terminal(io.StringIO):
    """Standard input as a person at a terminal types it."""

    def isatty(self) -> bool:
        return True


def test_sync_asks_for_the_two_factor_code_on_a_terminal(capsys, monkeypatch, data_dir, account_name):
    from recbrowser.providers.voki_map import totp

    with VokiEmulator(calls=6, seed=5, mfa=True) as emu:
        sets = set_args(emu.account_settings())
        code, _, err = run(capsys, "accounts", "add", "voki", "--name", account_name, *sets, "--secrets-stdin",
                           stdin=json.dumps({"password": emu.password}), monkeypatch=monkeypatch)
        assert code == 0, err
        monkeypatch.setattr(sys, "stdin", _Terminal(totp(emu.totp_secret) + "\n"))
        code, out, err = run(capsys, "sync")
        assert code == 0, err
        assert "6-digit code" in out and f"{account_name}: 6 calls synced" in out
        assert emu.counters["POST /api/auth/mfa/verify"] == 1

        # Not at a terminal (a script, cron): one clear line, no prompt, no hang.
        from recbrowser.credentials import save_secrets
        from recbrowser.providers.voki import forget_tokens

        forget_tokens()
        save_secrets(account_name, {"password": emu.password}, cache_id=_cache_id(data_dir))
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code, _, err = run(capsys, "sync")
        assert code == 1 and "6-digit code" in err
