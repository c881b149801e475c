"""Plain http only to this computer: account secrets never travel in clear to another one."""

from __future__ import annotations

import json

import pytest
from support.cli_helpers import run, set_args
from support.loopback import LoopbackServer

from recbrowser import credentials
from recbrowser.domain import Account
from recbrowser.errors import ProtocolError, SecretMissing
from recbrowser.providers import plain_http
from recbrowser.providers.http import HttpClient
from recbrowser.store import Store

IN_CLEAR = "http://pbx.example.com:8088"


def _add(capsys, monkeypatch, emu, name, **overrides):
    settings = {**emu.account_settings(), **overrides}
    return run(capsys, "accounts", "add", "yeastar", "--name", name, *set_args(settings), "--secrets-stdin",
               stdin=json.dumps(emu.secrets()), monkeypatch=monkeypatch)


def test_accounts_add_refuses_an_http_address_of_another_computer_and_stores_nothing(
        capsys, monkeypatch, data_dir, yeastar, account_name):
    code, out, err = _add(capsys, monkeypatch, yeastar, account_name, base_url=IN_CLEAR)

    assert code == 1 and out == ""
    assert err.splitlines() == ["recbrowser: The setting base_url: http://pbx.example.com:8088 is not encrypted, and "
                                "recbrowser sends account secrets and recordings only over https (plain http only to "
                                "this computer: localhost, 127.0.0.1 or ::1), so use its https:// address."]
    assert yeastar.secrets()["client_secret"] not in err
    code, out, _ = run(capsys, "accounts", "list")
    assert account_name not in out
    with pytest.raises(SecretMissing):
        credentials.load_secrets(account_name)


def test_http_to_localhost_is_allowed_for_the_emulators(capsys, monkeypatch, data_dir, yeastar, account_name):
    port = yeastar.base_url.rsplit(":", 1)[1]
    code, _, err = _add(capsys, monkeypatch, yeastar, account_name, base_url=f"http://localhost:{port}")
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 0 and "Connected to the Yeastar PBX" in out, err


def test_an_account_stored_with_an_http_address_is_refused_when_it_syncs(capsys, data_dir, yeastar, account_name):
    # As an older version (or an edit in the settings) left it: the rule holds at request time too.
    secrets = yeastar.secrets()
    with Store.open(data_dir.database) as store:
        store.add_account(Account(name=account_name, provider="yeastar",
                                  settings={**yeastar.account_settings(), "base_url": IN_CLEAR}))
        credentials.save_secrets(account_name, secrets, cache_id=store.cache_id)

    code, _, err = run(capsys, "sync")

    assert code == 1
    assert err.splitlines() == [f"recbrowser: Yeastar P-Series account '{account_name}': http://pbx.example.com:8088 "
                                "is not encrypted, and recbrowser sends account secrets and recordings only over https "
                                "(plain http only to this computer: localhost, 127.0.0.1 or ::1), so use its https:// "
                                "address."]
    assert secrets["client_secret"] not in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_http_layer_sends_to_loopback_over_http(host):
    def ok(h, _n):
        body = b'{"ok": true}'
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    with LoopbackServer(ok) as srv:
        client = HttpClient(provider="Test", account="a", per_host_rate=0)
        assert client.get_json(srv.url("/x", host=host)) == {"ok": True}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST."])
def test_every_loopback_address_counts_as_this_computer(host):
    assert plain_http.is_loopback(host)


@pytest.mark.parametrize("url", ["http://192.0.2.2/x", "http://pbx.example.com/x", "http://[fd00::2]:80/x",
                                 "http://127.0.0.1.example.com/x", "http://localhost.evil.com/x"])
def test_the_http_layer_never_sends_http_to_another_computer(url):
    sent = []
    client = HttpClient(provider="Test", account="a", per_host_rate=0, sleep=sent.append)
    with pytest.raises(ProtocolError) as err:
        client.get_json(url, headers={"Authorization": "Bearer s3cr3t-token"})
    assert "is not encrypted" in str(err.value) and "s3cr3t-token" not in str(err.value)
    assert sent == []  # refused before any attempt, not after retries
