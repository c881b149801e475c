"""Helpers shared by the Dialgen tests: an emulated account in a real store, and a sync."""

from __future__ import annotations

from recbrowser.domain import Account
from recbrowser.providers.dialgen import DialgenProvider
from recbrowser.services.sync import sync_account
from recbrowser.store import Store
from support.store_helpers import all_calls as all_calls  # re-exported: tests import it from here

DAY_MS = 86_400_000


def add_account(store: Store, emu, name: str = "dg", **overrides) -> Account:
    return store.add_account(Account(name=name, provider="dialgen", settings={**emu.account_settings(), **overrides}))


def provider_for(account: Account, emu, **secrets) -> DialgenProvider:
    return DialgenProvider(account, secrets or emu.secrets())


def sync(store: Store, account: Account, emu, **kwargs):
    provider = provider_for(account, emu)
    kwargs.setdefault("since_ms", emu.now_ms - 200 * DAY_MS)
    kwargs.setdefault("until_ms", emu.now_ms + 60_000)
    try:
        return sync_account(store, account, provider, **kwargs)
    finally:
        provider.close()
