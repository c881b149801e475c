"""Small helpers shared by the Yeastar integration tests (not fixtures: plain functions)."""

from __future__ import annotations

from recbrowser.domain import Account
from recbrowser.services.accounts import open_provider
from recbrowser.services.sync import sync_account
from recbrowser.store import Store
from support.store_helpers import all_calls as all_calls  # re-exported: tests import it from here


def add_emulated_account(store: Store, emu, name: str = "hq", **overrides) -> Account:
    settings = {**emu.account_settings(), **overrides}
    return store.add_account(Account(name=name, provider="yeastar", settings=settings))


def provider_for(account: Account, emu, **secret_overrides):
    return open_provider(account, {**emu.secrets(), **secret_overrides})


def sync(store: Store, account: Account, emu, **kwargs):
    provider = provider_for(account, emu)
    try:
        return sync_account(store, account, provider, **kwargs)
    finally:
        provider.close()
