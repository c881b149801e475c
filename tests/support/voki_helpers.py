"""Helpers shared by the Voki tests: an emulated account in a real store, a sync, a clean token cache."""

from __future__ import annotations

import pytest

from recbrowser.domain import Account
from recbrowser.providers.http import HttpClient
from recbrowser.providers.voki import VokiProvider, forget_tokens
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store

DAY_MS = 86_400_000


@pytest.fixture(autouse=True)
def fresh_voki_tokens():
    # Tokens are cached per (address, tenant, e-mail) for the whole process, as in the app.
    forget_tokens()
    yield
    forget_tokens()


def add_account(store: Store, emu, name: str = "vk", **overrides) -> Account:
    return store.add_account(Account(name=name, provider="voki", settings={**emu.account_settings(), **overrides}))


def provider_for(account: Account, emu, waits: list[float] | None = None, **secrets) -> VokiProvider:
    record = waits.append if waits is not None else (lambda s: None)
    http = HttpClient(provider="Voki", account=account.name, sleep=record)  # backoff recorded, not slept
    return VokiProvider(account, {**emu.secrets(), **secrets}, http=http)


def sync(store: Store, account: Account, emu, provider: VokiProvider | None = None, **kwargs):
    p = provider or provider_for(account, emu)
    kwargs.setdefault("since_ms", emu.now_ms - 20 * DAY_MS)
    kwargs.setdefault("until_ms", emu.now_ms + 60_000)
    try:
        return sync_account(store, account, p, **kwargs)
    finally:
        if provider is None:
            p.close()


def all_calls(store: Store):
    rows, _ = store.list_calls(CallFilter(), limit=10_000)
    return rows


SEED = {"data": {"id": "r1a2b3c4-d5e6-7890-abcd-ef1234567890", "call_id": "1a2b3c4d-5e6f-7890-abcd-ef1234567890",
                 "format": "webm", "duration": 345, "file_size": 15234567,
                 "download_url": "/api/v1/calls/1a2b3c4d-5e6f-7890-abcd-ef1234567890/recording/download",
                 "transcription": {"status": "completed", "text": "Bom dia, Sr. Silva. Tudo bem? Sim! Obrigado.",
                                   "language": "pt-BR"},
                 "created_at": "2026-02-15T14:36:00Z"}}
