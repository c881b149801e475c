"""The README flow for a Dialgen account, driven as a user would: real keyring, real emulator, real files."""

from __future__ import annotations

import json
import os

import pytest
from support.cli_helpers import run, set_args

from recbrowser.emulators.dialgen import DialgenEmulator


@pytest.fixture
def dialgen():
    emu = DialgenEmulator(calls=40, seed=8, batch_size=20)
    emu.start()
    yield emu
    emu.stop()


def test_add_sync_search_show_download_and_import(capsys, monkeypatch, data_dir, dialgen, account_name, tmp_path):
    sets = set_args(dialgen.account_settings())
    code, out, err = run(capsys, "accounts", "add", "dialgen", "--name", account_name, *sets, "--secrets-stdin",
                         stdin=json.dumps(dialgen.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 0 and f"Connected to Dialgen as user {dialgen.user_id}" in out, err

    code, out, err = run(capsys, "sync", "--since", "2000-01-01")
    assert code == 0 and f"{account_name}:" in out, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    calls = json.loads(out)["calls"]
    assert {c["ref"].split("/", 1)[1] for c in calls} == {c.call_id for c in dialgen.calls if c.batch_id}

    code, out, _ = run(capsys, "search", "refund", "--json")
    hits = json.loads(out)["hits"]
    assert code == 0 and hits
    code, out, _ = run(capsys, "show", hits[0]["ref"], "--json")
    assert any("refund" in s["text"].lower() for s in json.loads(out)["segments"])

    ref = next(c["ref"] for c in calls if c["audio"] == "at provider")
    code, out, err = run(capsys, "download", ref, "--to", str(tmp_path / "out"))
    assert code == 0, err
    assert os.path.getsize(out.split("\t")[1]) > 1000

    singles = [c.call_id for c in dialgen.single_calls()]
    f = tmp_path / "ids.txt"
    f.write_text("\n".join([*singles, "not an id at all"]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "dialgen-calls", str(f))
    assert code == 0, err
    assert f"{len(singles)} calls written ({len(singles)} new)" in out and "1 unreadable lines skipped" in out
    code, out, err = run(capsys, "import", "dialgen-calls", str(f), "--account", account_name)
    assert code == 0 and "(0 new)" in out, err


def test_wrong_user_id_is_one_sentence_on_stderr(capsys, monkeypatch, data_dir, dialgen, account_name):
    settings = {**dialgen.account_settings(), "user_id": "user_not_the_owner"}
    sets = set_args(settings)
    code, _, err = run(capsys, "accounts", "add", "dialgen", "--name", account_name, *sets, "--secrets-stdin",
                       stdin=json.dumps(dialgen.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 1 and "the userId user_not_the_owner does not own the API key" in err
    assert dialgen.api_key not in err + out
