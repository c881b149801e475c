"""Helpers shared by the Bandwidth tests: an emulated account in a real store, a sync, a clean token cache."""

from __future__ import annotations

import pytest

from recbrowser.domain import Account
from recbrowser.providers.bandwidth import BandwidthProvider, forget_tokens
from recbrowser.providers.http import HttpClient
from recbrowser.services.sync import sync_account
from recbrowser.store import Store
from support.store_helpers import all_calls as all_calls  # re-exported: tests import it from here

DAY_MS = 86_400_000


@pytest.fixture(autouse=True)
def fresh_bandwidth_tokens():
    # Tokens are cached per token URL and client for the whole process, as in the app.
    forget_tokens()
    yield
    forget_tokens()


def add_account(store: Store, emu, name: str = "bw", basic: bool = False, **overrides) -> Account:
    settings = {**(emu.basic_settings() if basic else emu.account_settings()), **overrides}
    return store.add_account(Account(name=name, provider="bandwidth", settings=settings))


def provider_for(account: Account, emu, waits: list[float] | None = None, **secrets) -> BandwidthProvider:
    if not secrets:
        secrets = {"password": emu.password} if "username" in account.settings else emu.secrets()
    http = None
    if waits is not None:  # record the back-off waits instead of sleeping them
        http = HttpClient(provider="Bandwidth Voice", account=account.name, sleep=waits.append)
    return BandwidthProvider(account, secrets, http=http)


def sync(store: Store, account: Account, emu, **kwargs):
    waits = kwargs.pop("waits", None)
    provider = provider_for(account, emu, waits)
    kwargs.setdefault("since_ms", emu.now_ms - 20 * DAY_MS)
    kwargs.setdefault("until_ms", emu.now_ms + 60_000)
    try:
        return sync_account(store, account, provider, **kwargs)
    finally:
        provider.close()
