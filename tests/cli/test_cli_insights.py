"""The providers' extra facts on the command line: `calls --json` and `show` (text and JSON)
carry queue, department, sentiment, the provider's tags, language, summary and the other
facts, and `calls` filters need none of the window. Wildix emulator, real keyring."""

from __future__ import annotations

import json

import pytest
from support.cli_helpers import run, set_args

from recbrowser.emulators.wildix import WildixEmulator


@pytest.fixture
def wildix():
    with WildixEmulator(calls=20, seed=4) as emu:
        yield emu


def test_calls_json_and_show_carry_what_the_provider_says_about_a_call(capsys, monkeypatch, data_dir, wildix,
                                                                       account_name):
    code, _, err = run(capsys, "accounts", "add", "wildix", "--name", account_name,
                       *set_args(wildix.account_settings()), "--secrets-stdin",
                       stdin=json.dumps(wildix.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    calls = json.loads(out)["calls"]
    rich = [c for c in calls if c["queue"] and c["sentiment"] and c["summary"]]
    assert rich, "the emulator gives inbound calls with a queue, a sentiment and a summary"
    row = rich[0]
    assert row["queue"] == "Support" and row["department"] == "Support" and row["language"] == "en-US"
    assert {"provider_tags", "ring_ms", "hold_ms"} <= set(row)
    code, out, _ = run(capsys, "show", row["ref"])
    assert code == 0
    assert "  queue     Support" in out and f"  sentiment {row['sentiment']}" in out and "  trunk: SIPTRUNK" in out
    assert "Summary" in out and row["summary"].splitlines()[0] in out
    code, out, _ = run(capsys, "show", row["ref"], "--json")
    shown = json.loads(out)
    assert shown["sentiment"] == row["sentiment"] and shown["details"]["trunk"] == "SIPTRUNK"
    tagged = next(c for c in calls if c["provider_tags"])
    code, out, _ = run(capsys, "show", tagged["ref"])
    assert f"  tags      {', '.join(tagged['provider_tags'])}" in out
