"""What the providers say about a call beyond the basics, on the team archive (schema v2):
kept across re-syncs as the SQLite cache keeps it, and pending transcripts asked again."""

from __future__ import annotations

import json
import time

import psycopg

from recbrowser.domain import Account, Call, Segment
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.wildix import WildixProvider
from recbrowser.services import sync as sync_service
from recbrowser.services.sync import STATE_PENDING_ASKS, sync_account
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import CallFilter

HOUR = 3_600_000


def _row_version(url: str, provider_id: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT xmin::text FROM calls WHERE provider_id = %s", (provider_id,)).fetchone()[0]


def test_a_resync_without_the_transcript_keeps_its_sentiment_and_language_and_rewrites_nothing(pg_url):
    admin.init_archive(pg_url)
    with PgStore.open(pg_url) as store:
        account = store.add_account(Account(name="wx", provider="wildix"))
        assert account.id is not None
        heard = Call(provider_id="c1", start_ms=1000, queue="Sales", sentiment="negative", language="en-US",
                     transcript_status="available", segments=[Segment(text="I want a refund")])
        with store.transaction():
            store.upsert_calls(account.id, [heard])
        before = _row_version(pg_url, "c1")
        # The overlap window re-reads the call without its transcript: nothing said of either.
        again = Call(provider_id="c1", start_ms=1000, queue="Sales", transcript_status="none", segments=None)
        with store.transaction():
            store.upsert_calls(account.id, [again])
        call = store.get_call("wx", "c1")
        assert call is not None
        assert (call.sentiment, call.language, call.transcript_status) == ("negative", "en-US", "available")
        assert _row_version(pg_url, "c1") == before  # unchanged: no dead row left behind
        # A page that does say something new is taken, with or without the transcript.
        with store.transaction():
            store.upsert_calls(account.id, [Call(provider_id="c1", start_ms=1000, queue="Billing", sentiment="positive",
                                                 segments=None)])
        call = store.get_call("wx", "c1")
        assert call is not None and (call.queue, call.sentiment, call.language) == ("Billing", "positive", "en-US")
        with store.transaction():
            store.upsert_calls(account.id, [Call(provider_id="c1", start_ms=1000, segments=[])])
        call = store.get_call("wx", "c1")
        assert call is not None and (call.sentiment, call.language, call.queue) == ("", "", "")


def test_a_pending_transcript_is_asked_again_with_backoff_and_arrives_on_the_archive(pg_url, monkeypatch):
    admin.init_archive(pg_url)
    with WildixEmulator(calls=30, seed=4, now_ms=int(time.time() * 1000)) as emu, PgStore.open(pg_url) as store:
        now = int(time.time() * 1000)
        late = next(
            c for c in emu.calls
            if len(c.flows) == 1 and c.flows[0].transcription == "AVAILABLE" and now - 6 * 24 * HOUR < c.start_ms < now - 5 * HOUR
        )
        emu.never.add((late.id, 0))
        account = store.add_account(Account(name="wx", provider="wildix", settings=emu.account_settings()))
        assert account.id is not None

        def run(**kw):
            p = WildixProvider(account, emu.secrets())
            p.http.sleep = p.wda.sleep = lambda s: None
            try:
                return sync_account(store, account, p, **kw)
            finally:
                p.close()

        monkeypatch.setattr(sync_service, "now_ms", lambda: now)
        assert run(since_ms=now - 10 * 24 * HOUR).ok
        assert store.get_call("wx", late.id).transcript_status == "pending"
        asks = json.loads(store.get_state(account.id, STATE_PENDING_ASKS) or "{}")
        assert asks[late.id][0] >= 1 and asks[late.id][1] > now  # asked, and not again before the wait

        emu.never.clear()  # the pipeline caught up, hours later
        monkeypatch.setattr(sync_service, "now_ms", lambda: now + 3 * HOUR)
        second = run()
        assert second.ok, second.error
        call = store.get_call("wx", late.id)
        assert call is not None and call.transcript_status == "available" and call.segments
        # what the late transcript says of the call is on the archive too: shown, filtered on
        assert call.sentiment and "sentences_by_sentiment" in call.details
        assert late.id in {r.provider_id for r in store.list_calls(CallFilter(sentiment=call.sentiment), limit=100)[0]}
        assert late.id not in json.loads(store.get_state(account.id, STATE_PENDING_ASKS) or "{}")
