"""Local notes and tags: edited and removed in a real SQLite cache, untouched by real re-syncs."""

from __future__ import annotations

import time

import pytest
from support.voki_helpers import DAY_MS, add_account, fresh_voki_tokens, sync  # noqa: F401  (fixture)
from support.yeastar_helpers import add_emulated_account, all_calls
from support.yeastar_helpers import sync as sync_yeastar

from recbrowser.emulators.voki import VokiEmulator
from recbrowser.errors import UserFacingError
from recbrowser.store import Store


@pytest.fixture
def voki():
    emu = VokiEmulator(calls=12, seed=3)
    emu.start()
    yield emu
    emu.stop()


def user_data(store: Store, account: str, ids: list[str]):
    return {
        pid: ([(n.id, n.offset_ms, n.text) for n in store.notes(account, pid)], store.tags(account, pid)) for pid in ids
    }


def test_notes_are_edited_deleted_and_ordered_by_time(store, yeastar):
    account = add_emulated_account(store, yeastar)
    assert sync_yeastar(store, account, yeastar).ok
    pid = all_calls(store)[0].provider_id
    late = store.add_note("hq", pid, 61_000, "  promised a callback  ")
    untimed = store.add_note("hq", pid, None, "check the invoice")
    early = store.add_note("hq", pid, 3_000, "angry from the start")
    assert late.text == "promised a callback"  # trimmed
    assert [n.text for n in store.notes("hq", pid)] == [
        "angry from the start",
        "promised a callback",
        "check the invoice",
    ]
    store.update_note(late.id, "promised a callback on Friday")
    store.delete_note(early.id)
    assert [(n.offset_ms, n.text) for n in store.notes("hq", pid)] == [
        (61_000, "promised a callback on Friday"),
        (None, "check the invoice"),
    ]
    with pytest.raises(UserFacingError, match="needs some text"):
        store.update_note(untimed.id, "   ")
    with pytest.raises(UserFacingError, match="deleted in the meantime"):
        store.update_note(early.id, "back again")
    with pytest.raises(UserFacingError, match="needs some text"):
        store.add_note("hq", pid, 0, "")
    with pytest.raises(UserFacingError, match="at most 5,000"):
        store.add_note("hq", pid, 0, "x" * 5001)
    assert [n.text for n in store.notes("hq", pid)][-1] == "check the invoice"  # failed edits changed nothing


def test_tags_are_cleaned_shared_across_calls_and_completed_by_use(store, yeastar):
    account = add_emulated_account(store, yeastar)
    assert sync_yeastar(store, account, yeastar).ok
    a, b, c = (r.provider_id for r in all_calls(store)[:3])
    assert store.add_tag("hq", a, "  needs   review ") == "needs review"
    assert store.add_tag("hq", b, "VIP") == "VIP"
    assert store.add_tag("hq", c, "vip") == "VIP"  # one tag, spelled as first used
    store.add_tag("hq", c, "VIP")  # twice on one call is once
    store.add_tag("hq", c, "billing")
    assert sorted(store.tags("hq", c)) == ["VIP", "billing"]
    assert store.all_tags() == ["VIP", "billing", "needs review"]  # the most used first
    store.remove_tag("hq", b, "VIP")
    store.remove_tag("hq", c, "VIP")
    assert store.tags("hq", c) == ["billing"] and "VIP" not in store.all_tags()
    for bad, why in (("   ", "at least one letter"), ("a,b", "comma"), ("x" * 41, "at most 40")):
        with pytest.raises(UserFacingError, match=why):
            store.add_tag("hq", a, bad)
    with pytest.raises(UserFacingError, match="hq/nope"):
        store.add_tag("hq", "nope", "x")
    assert store.tags("hq", a) == ["needs review"]


def test_a_yeastar_resync_never_touches_notes_or_tags(store, yeastar):
    account = add_emulated_account(store, yeastar)
    assert sync_yeastar(store, account, yeastar).ok
    ids = [r.provider_id for r in all_calls(store)[:4]]
    for i, pid in enumerate(ids):
        store.add_note("hq", pid, 1000 * i, f"note {i}")
        store.add_note("hq", pid, None, f"untimed {i}")
        store.add_tag("hq", pid, f"tag {i % 2}")
    edited = store.notes("hq", ids[0])[0]
    store.update_note(edited.id, "edited before the re-sync")
    before = user_data(store, "hq", ids)
    # From well before the first call, so every call is fetched and written again.
    again = sync_yeastar(store, account, yeastar, since_ms=int(time.time() * 1000) - 40 * DAY_MS)
    assert again.ok and again.new == 0 and again.calls > 0
    assert user_data(store, "hq", ids) == before


def test_a_voki_resync_never_touches_notes_or_tags(store, voki):
    account = add_account(store, voki)
    assert sync(store, account, voki).ok
    ids = [c.id for c in voki.calls if c.status == "completed"][:3]
    for pid in ids:
        store.add_note("vk", pid, None, "no timing in a Voki transcript")
        store.add_note("vk", pid, 4_000, "the customer shows the invoice")
        store.add_tag("vk", pid, "video")
    before = user_data(store, "vk", ids)
    again = sync(store, account, voki)
    assert again.ok and again.new == 0 and again.calls >= len(ids)
    assert user_data(store, "vk", ids) == before
    assert store.all_tags() == ["video"]
