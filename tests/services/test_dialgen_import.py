"""`import dialgen-calls` as a service: ids read over loopback, webhook payloads mapped as they are."""

from __future__ import annotations

import json

import pytest
from support.dialgen_helpers import add_account, all_calls, provider_for, sync

from recbrowser.emulators.dialgen import DialgenEmulator
from recbrowser.errors import UserFacingError
from recbrowser.services.dialgen_import import import_file


@pytest.fixture
def dialgen():
    emu = DialgenEmulator(calls=60, seed=3, batch_size=25)
    emu.start()
    yield emu
    emu.stop()


def _import(store, account, dialgen, path):
    provider = provider_for(account, dialgen)
    try:
        return import_file(store, account, path, provider)
    finally:
        provider.close()


def test_ids_and_payloads_in_json_lines_import_once_and_garbage_is_counted(store, dialgen, tmp_path):
    account = add_account(store, dialgen)
    singles = [c for c in dialgen.single_calls() if c.status == "COMPLETED"]
    assert len(singles) >= 4
    lines = [singles[0].call_id, json.dumps(singles[1].call_id), json.dumps({"callId": singles[2].call_id}),
             json.dumps(dialgen.webhook(singles[3])), "", "this is not a call", "{broken json", "[1, 2]",
             "cm_unknown_call_id_12345"]
    f = tmp_path / "calls.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = _import(store, account, dialgen, f)
    assert (first.ids, first.payloads, first.calls, first.new) == (3, 1, 4, 4)
    assert first.skipped == 3 and first.missing == ["cm_unknown_call_id_12345"]
    assert "4 calls written (4 new)" in first.summary("dg") and "3 unreadable lines skipped" in first.summary("dg")
    before = {r.provider_id: (r.start_ms, r.transcript_status, r.has_audio) for r in all_calls(store)}
    assert set(before) == {c.call_id for c in singles[:4]}
    for emu in singles[:4]:
        call = store.get_call("dg", emu.call_id)
        assert [s.text for s in call.segments] == [p.text for p in emu.dialogue.placements]
        assert call.direction == emu.direction.lower() and call.raw.get("contactId") in (None, emu.contact_id)
    webhook_call = store.get_call("dg", singles[3].call_id)
    assert webhook_call.summary.startswith(singles[3].name) and webhook_call.raw["agentId"] == singles[3].agent_id

    again = _import(store, account, dialgen, f)
    assert again.new == 0 and again.calls == 4
    assert {r.provider_id: (r.start_ms, r.transcript_status, r.has_audio) for r in all_calls(store)} == before
    assert store.search(singles[0].dialogue.placements[0].text.split()[0])


def test_a_json_array_of_payloads_for_synced_calls_changes_nothing(store, dialgen, tmp_path):
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    batched = [c for c in dialgen.calls if c.batch_id and c.status == "COMPLETED"][:5]
    before = [store.get_call("dg", c.call_id) for c in batched]
    f = tmp_path / "hooks.json"
    f.write_text(json.dumps([dialgen.webhook(c) for c in batched]), encoding="utf-8")
    result = _import(store, account, dialgen, f)
    assert result.payloads == 5 and result.new == 0
    after = [store.get_call("dg", c.call_id) for c in batched]
    for b, a in zip(before, after, strict=True):
        assert (a.agent, a.start_ms, a.has_audio, [s.text for s in a.segments]) == (
            b.agent, b.start_ms, b.has_audio, [s.text for s in b.segments])


def test_a_non_dialgen_account_or_missing_file_is_one_sentence(store, dialgen, tmp_path):
    account = add_account(store, dialgen)
    with pytest.raises(UserFacingError, match="Cannot read the call file"):
        import_file(store, account, tmp_path / "nope.json", None)
    account.provider = "wildix"
    with pytest.raises(UserFacingError, match="choose a Dialgen account"):
        import_file(store, account, tmp_path / "nope.json", None)
