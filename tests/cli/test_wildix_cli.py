"""The Wildix command-line flow as a user runs it: accounts add, test, sync, calls, search, show,
download (real keyring via `./run test`), and `import wildix-webhooks`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli_helpers import run, set_args
from support.paths import FIXTURES

from recbrowser.cli import build_parser
from recbrowser.domain import Account
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.store import Store

FIX = FIXTURES / "wildix"



@pytest.fixture
def wildix():
    emu = WildixEmulator(calls=20, seed=4)
    emu.start()
    yield emu
    emu.stop()


def test_readme_flow_add_test_sync_search_show_download(capsys, monkeypatch, data_dir, wildix, account_name, tmp_path):
    sets = set_args(wildix.account_settings())
    code, out, err = run(capsys, "accounts", "add", "wildix", "--name", account_name, *sets, "--secrets-stdin",
                         stdin=json.dumps(wildix.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 0 and "Simple Token" in out, err
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    calls = json.loads(out)["calls"]
    assert len(calls) == len(wildix.calls)
    code, out, _ = run(capsys, "search", "refund", "--json")
    assert code == 0 and json.loads(out)["hits"]
    ref = [c["ref"] for c in calls if c["audio"] == "at provider"][-1]  # the oldest: served via storage
    code, out, _ = run(capsys, "show", ref, "--json")
    assert code == 0 and "pauses" in json.dumps(json.loads(out))
    code, out, err = run(capsys, "download", ref, "--to", str(tmp_path / "out"))
    assert code == 0, err
    assert wildix.storage.counters["requests"] > 0 and wildix.storage_authorization == []
    outputs = [out, err]
    wildix.key_expired = True  # a failing run must not leak either
    code, out, err = run(capsys, "-v", "sync")
    assert code == 1 and "rejected the Company API Key (401)" in err.splitlines()[-1]
    outputs += [out, err]
    files = [p for p in data_dir.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files)
    for secret in wildix.secrets().values():
        assert not any(secret in text for text in outputs)
        assert not any(secret.encode() in p.read_bytes() for p in files)


def test_import_wildix_webhooks_twice(capsys, data_dir, tmp_path):
    with Store.open(data_dir.database) as s:
        s.add_account(Account(name="wx", provider="wildix", settings={"pbx_url": "https://example.wildixin.com"}))
    path = tmp_path / "relay.jsonl"
    path.write_text((FIX / "call_completed.json").read_text().replace("\n", "") + "\ngarbage\n"
                    + (FIX / "call_transcription.json").read_text().replace("\n", "") + "\n")
    code, out, err = run(capsys, "import", "wildix-webhooks", str(path))
    assert code == 0, err
    assert out.strip() == "wx: 2 webhook events imported, 1 calls written (1 new), 1 unreadable lines skipped."
    code, out, _ = run(capsys, "import", "wildix-webhooks", str(path), "--account", "wx")
    assert code == 0 and "(0 new)" in out
    code, out, _ = run(capsys, "search", "invoice", "--json")
    assert json.loads(out)["hits"][0]["call_provider_id"] == "it_w000001_1721833634.195"


def test_import_needs_a_wildix_account(capsys, data_dir, tmp_path):
    code, _, err = run(capsys, "import", "wildix-webhooks", str(FIX / "call_completed.json"))
    assert code == 1 and "accounts add wildix" in err and err.count("\n") == 1


def test_the_import_group_holds_each_kind_of_import():
    """Declared once (recbrowser/cli/imports.py): both kinds parse, whichever registers first."""
    parser = build_parser()
    assert parser.parse_args(["import", "wildix-webhooks", "f.json"]).file == Path("f.json")
    args = parser.parse_args(["import", "dialgen-calls", "ids.txt"])
    assert (args.import_kind, args.file) == ("dialgen-calls", Path("ids.txt"))
