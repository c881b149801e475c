"""Recordings that the provider will delete say so before they are gone (USERS.md, pain 7)."""

from __future__ import annotations

import time

from recbrowser.domain import Account, Call, Recording
from recbrowser.retention import DAY_MS, audio_label
from recbrowser.store import CallFilter

NOW = 1_800_000_000_000


def test_labels_count_down_to_the_deletion():
    assert audio_label(True, False, None, NOW) == "at provider"
    assert audio_label(True, False, NOW + 30 * DAY_MS, NOW) == "at provider"
    assert audio_label(True, False, NOW + 3 * DAY_MS + 5, NOW) == "expires in 3 d"
    assert audio_label(True, False, NOW + 2 * DAY_MS - 60_000, NOW) == "expires in 2 d"
    assert audio_label(True, False, NOW + 3_600_000, NOW) == "expires within a day"
    assert audio_label(True, False, NOW - 1, NOW) == "expired"
    assert audio_label(True, True, NOW - 1, NOW) == "downloaded"  # the local copy outlives the provider's
    assert audio_label(False, False, None, NOW) == "none"


def test_the_call_list_carries_the_first_expiry_of_a_calls_recordings(store):
    now = int(time.time() * 1000)
    account = store.add_account(Account(name="bw", provider="bandwidth"))
    recs = [Recording("r1", expires_ms=now + 2 * DAY_MS), Recording("r2", expires_ms=now + 9 * DAY_MS)]
    store.upsert_calls(account.id, [Call("c1", now - DAY_MS, has_audio=True, recordings=recs),
                                    Call("c2", now - 2 * DAY_MS, has_audio=True, recordings=[Recording("r3")])])
    rows, _ = store.list_calls(CallFilter())
    by_id = {r.provider_id: r for r in rows}
    assert by_id["c1"].expires_ms == now + 2 * DAY_MS and by_id["c2"].expires_ms is None
    assert audio_label(True, False, by_id["c1"].expires_ms) == "expires in 2 d"
    from recbrowser.cli.format import row_json

    assert row_json(by_id["c1"])["audio"] == "expires in 2 d"
