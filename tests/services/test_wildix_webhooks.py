"""Importing exported Wildix webhooks: JSON, JSON array, JSON lines; garbage counted; idempotent."""

from __future__ import annotations

import json
import shutil

import pytest
from support.paths import FIXTURES
from support.wildix_helpers import add_account, snapshot, sync

from recbrowser.domain import Account
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.errors import UserFacingError
from recbrowser.services.wildix_webhooks import import_file

FIX = FIXTURES / "wildix"


@pytest.fixture
def wildix():
    return WildixEmulator(calls=12, seed=4)  # only its events are used: no server needed


def events(emu: WildixEmulator) -> list[dict]:
    return [ev for c in emu.calls for ev in emu.webhook_events(c)]


def account(store) -> Account:
    return store.add_account(Account(name="wx", provider="wildix", settings={"pbx_url": "https://example.wildixin.com"}))


def test_json_lines_with_garbage_are_imported_and_the_garbage_counted(store, wildix, tmp_path):
    evs = events(wildix)
    lines = [json.dumps(e) for e in evs]
    lines[1:1] = ["not json at all", '{"half": ', "[1, 2]", '{"type": "call:completed"}', ""]
    lines.append(json.dumps({"type": "call:live:progress", "data": {"id": "x"}}))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    acc = account(store)
    result = import_file(store, acc, path)
    assert result.skipped == 4 and result.ignored == {"call:live:progress": 1}
    assert result.events == len(evs) and result.calls == result.new == len(wildix.calls)
    assert "4 unreadable lines skipped" in result.summary("wx")
    transcribed = [c for c in wildix.calls if c.flows[0].transcription == "AVAILABLE"]
    call = store.get_call("wx", transcribed[0].id)
    assert call.transcript_status == "available"
    assert [(s.start_ms, s.text) for s in call.segments if s.leg.endswith("/0")] == [
        (p.offset_ms, p.text) for p in transcribed[0].flows[0].dialogue.placements]
    assert store.search("refund", account="wx")
    # Twice: nothing changes, nothing new.
    before = snapshot(store)
    again = import_file(store, acc, path)
    assert again.new == 0 and snapshot(store) == before


@pytest.mark.parametrize("shape", ["array", "single"])
def test_json_document_and_array(store, tmp_path, shape):
    completed = json.loads((FIX / "call_completed.json").read_text())
    transcription = json.loads((FIX / "call_transcription.json").read_text())
    acc = account(store)
    if shape == "array":
        (tmp_path / "e.json").write_text(json.dumps([completed, transcription, 42]))
        result = import_file(store, acc, tmp_path / "e.json")
        assert result.skipped == 1 and result.events == 2
    else:
        shutil.copy(FIX / "call_completed.json", tmp_path / "a.json")
        shutil.copy(FIX / "call_transcription.json", tmp_path / "b.json")
        assert import_file(store, acc, tmp_path / "a.json").events == 1
        assert store.get_call("wx", completed["data"]["id"]).segments == []
        assert import_file(store, acc, tmp_path / "b.json").events == 1
    call = store.get_call("wx", completed["data"]["id"])
    assert call.transcript_status == "available"
    assert [s.text for s in call.segments][0] == "Hello, how are you?"
    assert call.raw["pauses"][0]["reason"] == "hold"
    assert call.recordings[0].raw["url"].endswith("230[pbx]-ef607-0.wav")


def test_transcription_before_the_call_and_text_only_events(store, tmp_path):
    acc = account(store)
    transcription = json.loads((FIX / "call_transcription.json").read_text())
    text_only = {"type": "call:transcription:text:completed", "id": "it_w000001_9.1",
                 "data": {"call": {"id": "it_w000001_9.1", "flowIndex": 0, "startTime": 1721836000000},
                          "text": "Vadim: Good morning\nJohn: Morning"}}
    (tmp_path / "t.jsonl").write_text(json.dumps(transcription) + "\n" + json.dumps(text_only) + "\n")
    result = import_file(store, acc, tmp_path / "t.jsonl")
    assert result.calls == 2
    assert [s.speaker for s in store.get_call("wx", "it_w000001_9.1").segments] == ["Vadim", "John"]
    # The call:completed that arrives later keeps the transcript.
    import_file(store, acc, FIX / "call_completed.json")
    call = store.get_call("wx", "it_w000001_1721833634.195")
    assert call.transcript_status == "available" and len(call.segments) == 3 and call.has_audio


def test_import_after_sync_changes_no_transcript(store, wildix, tmp_path):
    with wildix:
        acc = add_account(store, wildix)
        assert sync(store, acc, wildix).ok
    before = {k: v[4] for k, v in snapshot(store).items()}
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events(wildix) if e["type"] != "call:completed"))
    result = import_file(store, acc, path)
    assert result.new == 0
    after = {k: v[4] for k, v in snapshot(store).items()}
    assert after == before


def test_wrong_account_kind_and_unreadable_file(store, tmp_path):
    other = store.add_account(Account(name="ys", provider="yeastar", settings={}))
    with pytest.raises(UserFacingError, match="yeastar account"):
        import_file(store, other, FIX / "call_completed.json")
    with pytest.raises(UserFacingError, match="Cannot read the webhook file"):
        import_file(store, account(store), tmp_path / "missing.json")
