"""An explicit range (`sync --since 2000-01-01`) left unfinished never holds up a plain sync.

Real Yeastar emulator over loopback, real SQLite. Yeastar is read in day windows and each page's
progress line starts with its day, so the days a sync reads show where it started.
"""

from __future__ import annotations

import json

from support.yeastar_helpers import add_emulated_account, sync

from recbrowser.services.sync import STATE_RANGE, STATE_RUN, STATE_SYNCED_UNTIL, CancelToken

SINCE_2000 = 946_684_800_000  # 2000-01-01T00:00:00Z: some 9,800 day windows to now


def interrupted_after(pages: int):
    """A progress callback that cancels the sync once `pages` pages are stored, and the days it saw."""
    cancel, days = CancelToken(), []

    def progress(p):
        days.append(p.page[:10])
        if len(days) == pages:
            cancel.cancel()

    return progress, cancel, days


def test_an_interrupted_long_range_is_not_resumed_by_a_plain_sync(store, yeastar):
    account = add_emulated_account(store, yeastar)
    assert sync(store, account, yeastar).ok
    progress, cancel, days = interrupted_after(5)
    long = sync(store, account, yeastar, since_ms=SINCE_2000, progress=progress, cancel=cancel)
    assert long.cancelled and days == ["2000-01-01", "2000-01-02", "2000-01-03", "2000-01-04", "2000-01-05"]

    plain: list[str] = []
    again = sync(store, account, yeastar, progress=lambda p: plain.append(p.page[:10]))
    assert again.ok and plain and not [d for d in plain if d.startswith("2000")]  # from the watermark: today's calls
    assert len(plain) <= 4  # the overlap and today, not years of windows (30 calls in 14 days: a few pages)

    progress, cancel, days = interrupted_after(1)
    resumed = sync(store, account, yeastar, since_ms=SINCE_2000, progress=progress, cancel=cancel)
    assert resumed.cancelled and days == ["2000-01-06"]  # asked again: carries on where it stopped


def test_a_plain_sync_interrupted_is_resumed_by_the_next_plain_sync(store, yeastar):
    account = add_emulated_account(store, yeastar)
    progress, cancel, days = interrupted_after(3)
    assert sync(store, account, yeastar, progress=progress, cancel=cancel).cancelled
    resumed: list[str] = []
    assert sync(store, account, yeastar, progress=lambda p: resumed.append(p.page[:10])).ok
    assert resumed[0] == days[-1] or resumed[0] > days[-1]  # carries on, never back to the first day
    assert store.get_state(account.id, STATE_RUN) is None


def test_a_range_saved_by_the_previous_version_moves_out_of_the_plain_syncs_way(store, yeastar):
    """Before, both kinds of run shared one state key, with no mark of which it was."""
    account = add_emulated_account(store, yeastar)
    assert sync(store, account, yeastar).ok
    watermark = int(store.get_state(account.id, STATE_SYNCED_UNTIL))
    old = {"since": SINCE_2000, "until": watermark, "cursor": json.dumps({"window": SINCE_2000 + 5 * 86_400_000, "done": 0})}
    with store.transaction():
        store.set_state(account.id, STATE_RUN, json.dumps(old))
    plain: list[str] = []
    assert sync(store, account, yeastar, progress=lambda p: plain.append(p.page[:10])).ok
    assert plain and not [d for d in plain if d.startswith("2000")]
    assert json.loads(store.get_state(account.id, STATE_RANGE))["cursor"] == old["cursor"]
