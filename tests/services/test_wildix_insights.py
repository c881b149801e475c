"""What Wildix gives beyond the basics, from the emulator over loopback: WDA AI summaries
(searchable, exported), queue, tags, department, trunk, sentences' sentiment, interaction
metrics, recording pauses and owner; and transcripts still processing when a call was stored,
asked again by later syncs with backoff for a bounded time."""

from __future__ import annotations

import json
import time

import pytest
from support.export_helpers import read_export
from support.store_helpers import all_calls

from recbrowser.cli.format import call_text
from recbrowser.domain import Account
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.wildix import WildixProvider
from recbrowser.services import sync as sync_service
from recbrowser.services.export import ExportOptions, run_export
from recbrowser.store import CallFilter

HOUR = 3_600_000


@pytest.fixture
def wildix():
    with WildixEmulator(calls=40, seed=4, now_ms=int(time.time() * 1000)) as emu:
        yield emu


def provider(account, emu):
    p = WildixProvider(account, emu.secrets())
    p.http.sleep = p.wda.sleep = lambda s: None  # the retry waits, not what is tested here
    return p


def run_sync(store, account, emu, **kw):
    p = provider(account, emu)
    try:
        result = sync_service.sync_account(store, account, p, **kw)
    finally:
        p.close()
    assert result.ok, result.error
    return result


def add(store, emu):
    return store.add_account(Account(name="wx", provider="wildix", settings=emu.account_settings()))


def transcribed(emu):
    return [c for c in emu.calls if all(f.transcription == "AVAILABLE" for f in c.flows) and c.flows[0].dialogue]


def test_summaries_are_fetched_searchable_and_exported(store, wildix, data_dir, tmp_path):
    call = next(c for c in transcribed(wildix) if "premium plan" in wildix.summary(c, c.flows[0]))
    wildix.late_summaries[(call.id, 0)] = 2  # the pipeline lags: found on the third ask
    account = add(store, wildix)
    run_sync(store, account, wildix, since_ms=int(time.time() * 1000) - 15 * 24 * HOUR)
    cached = store.get_call("wx", call.id)
    assert "premium plan" in cached.summary
    hits = [h for h in store.search("premium plan", limit=500) if h.kind == "summary"]
    assert f"wx/{call.id}" in {h.call_ref for h in hits}
    summary = run_export(store, [f"wx/{call.id}"], tmp_path / "out", ExportOptions(audio="original", transcripts=["txt"]),
                         media_root=data_dir.media, open_provider=lambda a: provider(a, wildix))
    assert summary.exported
    manifest, _ = read_export(tmp_path / "out")
    assert "premium plan" in manifest["calls"][0]["summary"]


def test_queue_tags_department_trunk_sentiment_metrics_pauses_and_owner_are_kept(store, wildix):
    account = add(store, wildix)
    run_sync(store, account, wildix, since_ms=int(time.time() * 1000) - 15 * 24 * HOUR)
    inbound = [c for c in transcribed(wildix) if c.direction == "INBOUND"]
    complaint = next(c for c in inbound if any(p.key == "ask_invoice" for p in c.flows[0].dialogue.placements)
                     and not any(p.key == "refund_eta" for f in c.flows for p in f.dialogue.placements[-2:]))
    call = store.get_call("wx", complaint.id)
    assert call.queue == "Support" and call.department == "Support" and call.language == "en-US"
    assert call.details["trunk"] == "SIPTRUNK" and call.details["recording_owner"] == "system"
    assert call.sentiment in ("negative", "positive") and call.details["sentences_by_sentiment"]["negative"] >= 1
    assert call.details["interaction"]["wordsPerMinute"] == 130
    tagged = next(c for c in wildix.calls if wildix.record(c, c.flows[0])["tags"])
    assert store.get_call("wx", tagged.id).provider_tags == wildix.record(tagged, tagged.flows[0])["tags"]
    paused = next(c for c in wildix.calls if any(f.pauses for f in c.flows))
    assert store.get_call("wx", paused.id).details["recording_pauses"][0].startswith("hold at ")
    assert store.count_calls(CallFilter(account="wx", queue="Support")) == len(
        {r.provider_id for r in all_calls(store) if store.get_call("wx", r.provider_id).queue == "Support"}) > 0
    rows = {r.provider_id: r for r in all_calls(store)}
    assert rows[complaint.id].queue == "Support" and rows[complaint.id].sentiment == call.sentiment


def test_a_transcript_still_processing_arrives_on_a_later_sync_asked_with_backoff(store, wildix, monkeypatch):
    now = int(time.time() * 1000)
    late = next(c for c in wildix.calls if c.flows[0].transcription == "POST_TRANSCRIPTION"
                and now - 6 * 24 * HOUR < c.start_ms < now - 5 * HOUR)
    account = add(store, wildix)
    clock = [now]
    monkeypatch.setattr(sync_service, "now_ms", lambda: clock[0])
    run_sync(store, account, wildix, since_ms=now - 10 * 24 * HOUR)
    cached = store.get_call("wx", late.id)
    assert cached.transcript_status == "pending"
    assert call_text("wx", cached, []).splitlines()[-1].startswith("Transcript pending: the provider has not finished")
    record_path = f"GET /v2/history/calls/{late.id}/flows/0"
    asked = wildix.counters[record_path]
    run_sync(store, account, wildix)  # a minute later: too soon to ask again
    assert wildix.counters[record_path] == asked
    wildix.complete_transcription(late.id)  # the pipeline catches up
    clock[0] += HOUR
    result = run_sync(store, account, wildix)  # the default window re-reads only the last 2 hours
    assert wildix.counters[record_path] == asked + 1
    call = store.get_call("wx", late.id)
    assert call.transcript_status == "available" and call.segments and call.summary
    assert result.new_transcripts >= 1
    assert json.loads(store.get_state(account.id, sync_service.STATE_PENDING_ASKS) or "{}").get(late.id) is None


def test_pending_is_asked_no_more_after_seven_days_and_show_says_so(store, wildix, monkeypatch):
    now = int(time.time() * 1000)
    late = next(c for c in wildix.calls if c.flows[0].transcription == "POST_TRANSCRIPTION"
                and now - 6 * 24 * HOUR < c.start_ms < now - 5 * HOUR)
    account = add(store, wildix)
    run_sync(store, account, wildix, since_ms=now - 10 * 24 * HOUR)
    asked = wildix.counters[f"GET /v2/history/calls/{late.id}/flows/0"]
    monkeypatch.setattr(sync_service, "now_ms", lambda: late.start_ms + 8 * 24 * HOUR)
    run_sync(store, account, wildix)
    assert wildix.counters[f"GET /v2/history/calls/{late.id}/flows/0"] == asked
    text = call_text("wx", store.get_call("wx", late.id), [])
    assert "syncs no longer ask for it" not in text  # the real clock: still within the 7 days
    from recbrowser.cli.format import pending_note
    assert "no longer ask" in pending_note(late.start_ms, now_ms=late.start_ms + 8 * 24 * HOUR)
