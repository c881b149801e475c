"""A transcript that arrives hours after its call is fetched by a later sync (Wildix emulator)."""

from __future__ import annotations

import time

from recbrowser.domain import Account
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.wildix import WildixProvider
from recbrowser.services import sync as sync_service
from recbrowser.services.sync import sync_account

HOUR = 3_600_000


def test_a_pending_transcript_older_than_the_sync_overlap_arrives_on_a_later_sync(store, monkeypatch):
    with WildixEmulator(calls=30, seed=4, now_ms=int(time.time() * 1000)) as emu:
        now = int(time.time() * 1000)
        late = next(
            c for c in emu.calls
            if len(c.flows) == 1 and c.flows[0].transcription == "AVAILABLE" and now - 6 * 24 * HOUR < c.start_ms < now - 5 * HOUR
        )
        emu.never.add((late.id, 0))
        account = store.add_account(Account(name="wx", provider="wildix", settings=emu.account_settings()))

        def run(**kw):
            p = WildixProvider(account, emu.secrets())
            p.http.sleep = p.wda.sleep = lambda s: None
            try:
                return sync_account(store, account, p, **kw)
            finally:
                p.close()

        first = run(since_ms=now - 10 * 24 * HOUR)
        assert first.ok, first.error
        assert store.get_call("wx", late.id).transcript_status == "pending"

        emu.never.clear()  # the pipeline caught up, hours later
        monkeypatch.setattr(sync_service, "now_ms", lambda: now + 3 * HOUR)
        second = run()  # the default window re-reads only the last 2 hours
        assert second.ok, second.error
        call = store.get_call("wx", late.id)
        assert call.transcript_status == "available" and call.segments
        assert second.new_transcripts == 1
