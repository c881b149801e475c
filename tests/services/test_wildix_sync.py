"""Wildix sync from the real emulator (WDA + PBX + storage on loopback) into a real SQLite file."""

from __future__ import annotations

import pytest
from support.wildix_helpers import DAY, add_account, all_rows, provider, snapshot, sync

from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.errors import AuthError
from recbrowser.providers.wildix import WildixProvider
from recbrowser.store import Store


@pytest.fixture
def wildix():
    emu = WildixEmulator(calls=30, seed=4)
    emu.start()
    yield emu
    emu.stop()


def test_sync_groups_flows_under_calls_and_finds_transcript_text(store, wildix):
    account = add_account(store, wildix)
    result = sync(store, account, wildix)
    assert result.ok, result.error
    rows = all_rows(store)
    assert {r.provider_id for r in rows} == {c.id for c in wildix.calls}  # internal calls listed twice: once here
    transferred = next(c for c in wildix.calls if len(c.flows) == 2)
    call = store.get_call("wx", transferred.id)
    assert [(lg.index, lg.provider_id) for lg in call.legs] == [(0, f"{transferred.id}/0"), (1, f"{transferred.id}/1")]
    assert [r.leg for r in call.recordings] == [f"{transferred.id}/0", f"{transferred.id}/1"]
    assert "[pbx]" in call.recordings[0].raw["url"]
    available = [r for r in rows if r.transcript_status == "available"]
    pending = [r for r in rows if r.transcript_status == "pending"]
    assert available and pending  # POST_TRANSCRIPTION flows are pending, not fetched
    hits = store.search("refund", account="wx")
    assert hits and all(h.account == "wx" for h in hits)
    seg = store.get_call("wx", available[0].provider_id).segments[0]
    assert seg.start_ms is not None and seg.speaker and seg.role in ("agent", "caller")


def test_segment_offsets_match_the_speech_in_the_recording(store, wildix):
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    emu_call = next(c for c in wildix.calls if c.flows[0].transcription == "AVAILABLE" and c.flows[0].rec_file)
    call = store.get_call("wx", emu_call.id)
    flow0 = [s for s in call.segments if s.leg.endswith("/0")]
    assert [(s.start_ms, s.text) for s in flow0] == [(p.offset_ms, p.text) for p in emu_call.flows[0].dialogue.placements]


def test_pauses_are_on_the_call_and_on_the_recording(store, wildix):
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    emu_call = next(c for c in wildix.calls if any(f.pauses for f in c.flows))
    call = store.get_call("wx", emu_call.id)
    pause = emu_call.flows[0].pauses[0]
    assert call.raw["pauses"][0]["reason"] == "hold"
    assert call.raw["pauses"][0]["offset_ms"] == pause["start"] - emu_call.flows[0].rec_start
    assert call.recordings[0].raw["pauses"] == [pause]


def test_second_sync_changes_nothing_and_keeps_notes(store, wildix):
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    before = snapshot(store)
    some = next(iter(before))
    store.add_note("wx", some, 0, "call back")
    again = sync(store, account, wildix)
    assert again.ok and again.new == 0
    assert snapshot(store) == before
    assert [n.text for n in store.notes("wx", some)] == ["call back"]


def test_paging_is_exact_at_page_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr("recbrowser.providers.wildix.PAGE_SIZE", 3)
    with WildixEmulator(calls=25, seed=5) as emu:
        s = Store.open(tmp_path / "p.sqlite3")
        account = add_account(s, emu)
        assert sync(s, account, emu).ok
        assert {r.provider_id for r in all_rows(s)} == {c.id for c in emu.calls}
        s.close()


def test_transcript_that_never_arrives_is_retried_three_times_then_pending(store, wildix):
    emu_call = next(c for c in wildix.calls if len(c.flows) == 1 and c.flows[0].transcription == "AVAILABLE")
    wildix.never.add((emu_call.id, 0))
    account = add_account(store, wildix)
    waits: list[float] = []
    assert sync(store, account, wildix, waits).ok
    path = f"/v2/history/calls/{emu_call.id}/flows/0/transcription"
    assert wildix.counters[f"GET {path}"] == 4  # the first try and 3 retries
    assert waits[:3] == [1.0, 2.0, 4.0]
    assert store.get_call("wx", emu_call.id).transcript_status == "pending"
    wildix.never.clear()  # the pipeline caught up: the next sync of that day brings it
    assert sync(store, account, wildix).ok
    call = store.get_call("wx", emu_call.id)
    assert call.transcript_status == "available" and call.segments


def test_many_missing_transcripts_do_not_stall_the_sync(store, wildix):
    missing = [c for c in wildix.calls if len(c.flows) == 1 and c.flows[0].transcription == "AVAILABLE"][:5]
    wildix.never.update((c.id, 0) for c in missing)
    account = add_account(store, wildix)
    waits: list[float] = []
    assert sync(store, account, wildix, waits).ok
    tries = [wildix.counters[f"GET /v2/history/calls/{c.id}/flows/0/transcription"] for c in missing]
    assert sorted(tries) == [1, 1, 4, 4, 4]  # 3 with the full retries, then one try each
    assert sum(waits) == 3 * 7.0
    assert all(store.get_call("wx", c.id).transcript_status == "pending" for c in missing)


def test_late_transcript_arrives_within_the_retries(store, wildix):
    emu_call = next(c for c in wildix.calls if len(c.flows) == 1 and c.flows[0].transcription == "AVAILABLE")
    wildix.late[(emu_call.id, 0)] = 2
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    assert store.get_call("wx", emu_call.id).transcript_status == "available"


def test_fetch_transcript_of_a_pending_call(store, wildix):
    emu_call = next(c for c in wildix.calls if len(c.flows) == 1 and c.flows[0].transcription == "AVAILABLE")
    wildix.never.add((emu_call.id, 0))
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    wildix.never.clear()
    p = provider(account, wildix)
    call = p.fetch_transcript(store.get_call("wx", emu_call.id))
    p.close()
    assert call.transcript_status == "available" and call.segments


@pytest.mark.parametrize("fault", ["429:times=3,retry_after=1", "429:times=3,retry_after=-1"])
def test_429_with_and_without_retry_after_is_ridden_out(store, wildix, fault):
    wildix.add_fault(fault + ",path=/v2/history/conversations")
    account = add_account(store, wildix)
    waits: list[float] = []
    result = sync(store, account, wildix, waits)
    assert result.ok, result.error
    assert wildix.counters["fault:429"] == 3
    if "retry_after=1" in fault:
        assert waits[:3] == [1.0, 1.0, 1.0]  # Retry-After honoured
    else:
        assert 0 < waits[0] < waits[2]  # exponential backoff


def test_endless_429_is_one_sentence_and_keeps_the_cache(store, wildix):
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    before = snapshot(store)
    wildix.add_fault("429:times=0,retry_after=0,path=/v2/history")
    result = sync(store, account, wildix)
    assert not result.ok and "429" in result.error and "wx" in result.error
    assert snapshot(store) == before


def test_wrong_api_key_says_which_credential(store, wildix):
    account = add_account(store, wildix)
    bad = "wsk-v1-" + "x" * 93
    result = sync(store, account, wildix, secrets={"api_key": bad})
    assert not result.ok and "Company API Key" in result.error and "expired or been revoked" in result.error
    assert bad not in result.error and wildix.api_key not in result.error


def test_expired_api_key_mid_sync_is_a_clear_sentence(store, wildix):
    wildix.add_fault("token-expiry:after=3,path=/v2/history")
    account = add_account(store, wildix)
    result = sync(store, account, wildix)
    assert not result.ok and "rejected the Company API Key (401)" in result.error


def test_simple_token_in_the_api_key_field_is_explained(store, wildix):
    account = add_account(store, wildix)
    other_pbx_token = "0123456789abcdef" * 2  # a Simple Token (of another PBX user) where the key belongs
    result = sync(store, account, wildix, secrets={"api_key": other_pbx_token})
    assert not result.ok
    assert "not a Company API Key" in result.error and "Simple Token does not work" in result.error
    assert other_pbx_token not in result.error


def test_same_value_for_both_credentials_is_refused_before_any_request(store, wildix):
    account = add_account(store, wildix)
    with pytest.raises(AuthError, match="same value"):
        WildixProvider(account, {"simple_token": wildix.api_key, "api_key": wildix.api_key})
    assert wildix.counters["requests"] == 0


def test_unknown_and_missing_fields_do_not_stop_the_sync(store, wildix):
    wildix.extra_fields = {"brandNewField": {"nested": [1, 2]}, "splitReason": None}
    wildix.drop_fields = {"talkTime", "waitTime", "caller", "transcriptionLanguage", "direction"}
    account = add_account(store, wildix)
    result = sync(store, account, wildix)
    assert result.ok, result.error
    rows = all_rows(store)
    assert len(rows) == len(wildix.calls) and all(r.direction == "unknown" for r in rows)
    assert any(r.transcript_status == "available" for r in rows)


def test_calls_are_only_those_of_the_window(store, wildix):
    account = add_account(store, wildix)
    first = wildix.calls[0].start_ms
    until = first + 3 * DAY + 123
    assert sync(store, account, wildix, since_ms=first + 1, until_ms=until).ok
    assert {r.provider_id for r in all_rows(store)} == wildix.call_ids_between(first + 1, until)


def test_test_credentials_checks_both(store, wildix):
    account = add_account(store, wildix)
    p = provider(account, wildix)
    assert "Simple Token" in p.test_credentials()
    p.close()
    p = provider(account, wildix, simple_token="nope")
    with pytest.raises(AuthError, match="rejected the Simple Token"):
        p.test_credentials()
    p.close()
    assert not any(wildix.simple_token in a or "nope" in a for a in wildix.storage_authorization)


def test_dropped_connections_and_5xx_are_retried(store, wildix):
    wildix.add_fault("drop:times=2,path=/v2/history/conversations")  # a read-only POST: sent again
    wildix.add_fault("5xx:times=2,status=503,path=/transcription")
    wildix.add_fault("5xx:times=1,status=503,path=/v2/history/conversations")
    account = add_account(store, wildix)
    result = sync(store, account, wildix)
    assert result.ok, result.error
    assert wildix.counters["fault:drop"] == 2 and wildix.counters["fault:5xx"] == 3
    assert {r.provider_id for r in all_rows(store)} == {c.id for c in wildix.calls}


def test_a_connection_that_keeps_dropping_is_one_sentence(store, wildix):
    wildix.add_fault("drop:times=0,path=/v2/history/conversations")
    account = add_account(store, wildix)
    result = sync(store, account, wildix)
    assert not result.ok and "dropped" in result.error and "wx" in result.error
    assert wildix.counters["fault:drop"] == 3


def test_malformed_history_page_keeps_the_cache(store, wildix):
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    before = snapshot(store)
    wildix.add_fault("malformed-json:times=0,path=/v2/history/conversations")
    result = sync(store, account, wildix)
    assert not result.ok and "not JSON" in result.error and "wx" in result.error
    assert snapshot(store) == before


def test_pbx_address_without_scheme_means_https(store, wildix):
    account = add_account(store, wildix, pbx_url="example.wildixin.com/", wda_url="wda.wildix.com")
    p = provider(account, wildix)
    assert (p.pbx_url, p.wda_url) == ("https://example.wildixin.com", "https://wda.wildix.com")
    p.close()


def test_an_internal_call_listed_from_both_sides_keeps_its_recording_and_transcript(store, wildix):
    account = add_account(store, wildix)
    assert sync(store, account, wildix).ok
    internal = [c for c in wildix.calls if c.direction == "INTERNAL" and c.flows[0].rec_file]
    assert internal
    for emu_call in internal:
        call = store.get_call("wx", emu_call.id)
        assert [r.file_name for r in call.recordings] == [f.rec_file for f in emu_call.flows]
        if emu_call.flows[0].transcription == "AVAILABLE":
            assert call.transcript_status == "available"
