"""Sync from the real Yeastar emulator over loopback into a real SQLite file."""

from __future__ import annotations

import time

import pytest
from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

from recbrowser.services.sync import CancelToken, sync_account, sync_accounts
from recbrowser.store import Store


def forty_days_ago() -> int:
    return int(time.time() * 1000) - 40 * 86_400_000


def snapshot(store: Store):
    """Every cached call with its transcript, keyed by ref: what a user can see."""
    out = {}
    for row in all_calls(store):
        account, _, pid = row.ref.partition("/")
        call = store.get_call(account, pid)
        out[pid] = (row.start_ms, row.status, row.has_audio, [(s.start_ms, s.text) for s in call.segments or []])
    return out


def test_first_sync_fills_the_cache_with_calls_recordings_and_transcripts(store, yeastar):
    account = add_emulated_account(store, yeastar)
    result = sync(store, account, yeastar)
    assert result.ok, result.error
    rows = all_calls(store)
    assert len(rows) == result.calls == result.new > 0
    assert len({r.provider_id for r in rows}) == len(rows)  # v1 + v2 overlap de-duplicated by uid
    assert any(r.has_audio for r in rows) and any(not r.has_audio for r in rows)
    assert all(r.audio_reason for r in rows if not r.has_audio)
    with_text = [r for r in rows if r.transcript_status == "available"]
    assert with_text
    call = store.get_call("hq", with_text[0].provider_id)
    assert call.segments and all(s.text for s in call.segments)
    assert all(s.start_ms is not None and s.start_ms >= 0 for s in call.segments)


def test_second_sync_is_idempotent_and_keeps_notes(store, yeastar):
    account = add_emulated_account(store, yeastar)
    sync(store, account, yeastar)
    before = snapshot(store)
    some = next(iter(before))
    store.add_note("hq", some, 1500, "escalate to billing")
    again = sync(store, account, yeastar, since_ms=forty_days_ago())
    assert again.ok and again.new == 0 and again.calls == len(before)
    assert snapshot(store) == before
    assert [n.text for n in store.notes("hq", some)] == ["escalate to billing"]


def test_token_is_reused_and_renewed_once_when_it_expires_mid_sync(store, yeastar):
    yeastar.add_fault("token-expiry:after=4")
    account = add_emulated_account(store, yeastar)
    result = sync(store, account, yeastar)
    assert result.ok, result.error
    # One login at the start and one after the PBX declared the token expired: never per request.
    assert yeastar.tokens_issued <= 2
    assert len(all_calls(store)) == result.calls > 0


def test_429_storm_is_ridden_out(store, yeastar):
    yeastar.add_fault("429:times=3,retry_after=0")
    account = add_emulated_account(store, yeastar)
    result = sync(store, account, yeastar)
    assert result.ok, result.error


def test_provider_down_keeps_cache_and_says_so(store, yeastar):
    account = add_emulated_account(store, yeastar)
    sync(store, account, yeastar)
    before = snapshot(store)
    yeastar.stop()
    result = sync(store, account, yeastar)
    assert not result.ok
    assert "hq" in result.error and "127.0.0.1" in result.error
    assert snapshot(store) == before


def test_wrong_client_secret_is_reported_as_rejected_credentials(store, yeastar):
    account = add_emulated_account(store, yeastar)
    provider = provider_for(account, yeastar, client_secret="not-the-secret")
    result = sync_account(store, account, provider)
    provider.close()
    assert "refused the Client ID or Client Secret" in result.error
    assert "not-the-secret" not in result.error


def test_malformed_json_gives_a_sentence_and_keeps_the_cache(store, yeastar):
    account = add_emulated_account(store, yeastar)
    sync(store, account, yeastar)
    before = snapshot(store)
    yeastar.add_fault("malformed-json:times=0,path=cdr/search")
    result = sync(store, account, yeastar, since_ms=forty_days_ago())
    assert not result.ok and "hq" in result.error
    assert "Traceback" not in result.error
    assert snapshot(store) == before


def test_wrong_time_format_names_the_setting_to_fix(store, yeastar):
    account = add_emulated_account(store, yeastar, time_format="DD.MM.YYYY HH:mm:ss")
    result = sync(store, account, yeastar)
    assert not result.ok
    assert "time_format" in result.error


def test_cancel_stops_after_the_page_and_the_next_sync_resumes_without_gap_or_duplicate(tmp_path, store, yeastar):
    reference = Store.open(tmp_path / "reference.sqlite3")
    ref_account = add_emulated_account(reference, yeastar)
    sync(reference, ref_account, yeastar)
    expected = snapshot(reference)
    reference.close()

    account = add_emulated_account(store, yeastar)
    cancel = CancelToken()
    pages = []

    def progress(p):
        pages.append(p)
        if p.calls and len({q.calls for q in pages if q.calls}) == 3:  # the third page that brought calls
            cancel.cancel()

    first = sync(store, account, yeastar, progress=progress, cancel=cancel)
    assert first.cancelled and 0 < len(all_calls(store)) < len(expected)
    second = sync(store, account, yeastar)
    assert second.ok
    assert snapshot(store) == expected


def test_one_failing_account_does_not_stop_the_others(store, yeastar):
    good = add_emulated_account(store, yeastar, name="good")
    bad = add_emulated_account(store, yeastar, name="bad", base_url="http://127.0.0.1:9")
    results = sync_accounts(store, [bad, good], lambda a: provider_for(a, yeastar))
    by_name = {r.account: r for r in results}
    assert not by_name["bad"].ok and "bad" in by_name["bad"].error
    assert by_name["good"].ok and by_name["good"].calls > 0


@pytest.mark.parametrize("fmt", ["MM/DD/YYYY hh:mm:ss AM|PM", "DD/MM/YYYY HH:mm:ss"])
def test_pbx_display_formats_sync_the_same_calls(tmp_path, fmt):
    from recbrowser.emulators.yeastar import YeastarEmulator

    with YeastarEmulator(calls=12, seed=3, time_format=fmt) as emu:
        s = Store.open(tmp_path / f"{fmt[:2]}.sqlite3")
        account = add_emulated_account(s, emu)
        result = sync(s, account, emu)
        assert result.ok, result.error
        starts = sorted(r.start_ms for r in all_calls(s))
        s.close()
    with YeastarEmulator(calls=12, seed=3) as emu:
        s = Store.open(tmp_path / "default.sqlite3")
        account = add_emulated_account(s, emu)
        sync(s, account, emu)
        assert sorted(r.start_ms for r in all_calls(s)) == starts
        s.close()


def test_a_window_edge_that_is_not_on_a_whole_second_loses_no_call(store, yeastar):
    # The PBX compares whole seconds; a sync window starting at .789 s must not drop the call
    # that starts in that second.
    account = add_emulated_account(store, yeastar)
    first = min(c.start_s for c in yeastar.cdrs) * 1000
    result = sync(store, account, yeastar, since_ms=first - 86_400_000 + 789, until_ms=first + 86_400_000)
    assert result.ok, result.error
    ids = {r.provider_id for r in all_calls(store)}
    assert yeastar.call_ids_between(first, first + 86_400_000) <= ids


def test_a_429_storm_that_never_ends_gives_one_sentence_and_keeps_the_cache(store, yeastar):
    account = add_emulated_account(store, yeastar)
    sync(store, account, yeastar)
    before = snapshot(store)
    yeastar.add_fault("429:times=0,retry_after=0,path=cdr/search")
    result = sync(store, account, yeastar, since_ms=forty_days_ago())
    assert not result.ok
    assert "429" in result.error and "hq" in result.error and result.error.count(". ") == 0
    assert snapshot(store) == before


def test_dropped_connections_and_5xx_are_retried(store, yeastar):
    yeastar.add_fault("drop:times=2,path=cdr/search")
    yeastar.add_fault("5xx:times=2,path=recording/search")
    account = add_emulated_account(store, yeastar)
    result = sync(store, account, yeastar)
    assert result.ok, result.error
    assert yeastar.counters["fault:drop"] == 2 and yeastar.counters["fault:5xx"] == 2
