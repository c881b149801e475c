"""Helpers shared by the Wildix tests: an emulated account in a real store, a sync, a snapshot."""

from __future__ import annotations

from recbrowser.domain import Account
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.wildix import WildixProvider
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store

DAY = 86_400_000


def add_account(store: Store, emu: WildixEmulator, name: str = "wx", **overrides) -> Account:
    return store.add_account(Account(name=name, provider="wildix", settings={**emu.account_settings(), **overrides}))


def provider(account: Account, emu: WildixEmulator, waits: list[float] | None = None, **secrets) -> WildixProvider:
    p = WildixProvider(account, {**emu.secrets(), **secrets})
    record = waits.append if waits is not None else (lambda s: None)
    p.http.sleep = p.wda.sleep = record  # HTTP backoff and transcript retries: recorded, not slept
    return p


def sync(store: Store, account: Account, emu: WildixEmulator, waits: list[float] | None = None, **kwargs):
    p = provider(account, emu, waits, **kwargs.pop("secrets", {}))
    try:
        return sync_account(store, account, p, since_ms=kwargs.pop("since_ms", emu.now_ms - 20 * DAY), **kwargs)
    finally:
        p.close()


def all_rows(store: Store):
    rows, _ = store.list_calls(CallFilter(), limit=10_000)
    return rows


def snapshot(store: Store):
    out = {}
    for r in all_rows(store):
        c = store.get_call(r.account, r.provider_id)
        out[r.provider_id] = (c.start_ms, c.status, c.transcript_status, [(lg.index, lg.provider_id) for lg in c.legs],
                              [(s.leg, s.start_ms, s.text) for s in c.segments or []], [r.provider_id for r in c.recordings])
    return out


CALL_ID = "it_w000001_1721833634.195"
