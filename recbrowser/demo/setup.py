"""The demo's set-up: a throwaway cache, and the provider emulators with one account each.

Demo secrets are the emulators' own and are handed to the connectors directly: the demo never
touches the user's keyring or their real cache (unless --data-dir points at one).
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

from recbrowser.domain import Account
from recbrowser.paths import DataDir, data_dir, ensure

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

DEMO_CALLS = 60


def start_demo_accounts(store: CallStore, providers: list[str] | None = None, calls: int = DEMO_CALLS):
    """Start emulators and make sure the cache has one account per emulator.

    Returns (servers, [(account, secrets)]). Emulator ports change on every start, so the
    accounts' base URLs are refreshed each time.
    """
    from recbrowser.emulators import start_emulators
    from recbrowser.providers.http import set_host_rate  # httpx: only the demo needs it this early

    servers = start_emulators(providers or ["yeastar"], calls, [])
    pairs = []
    for server in servers:
        info = server.describe()
        # The emulators run in this process on loopback: no need to spare them like a real PBX.
        set_host_rate(f"127.0.0.1:{server.port}", None)
        name = f"Demo {info['provider'].capitalize()}"
        account = store.account(name)
        if account is None:
            account = store.add_account(Account(name=name, provider=info["provider"], settings=info["settings"]))
        else:
            account.settings = info["settings"]
            store.update_account(account)
        pairs.append((account, info["secrets"]))
    return servers, pairs


def throwaway_data_dir() -> DataDir:
    """A fresh data folder for `--demo` without --data-dir: the user's cache stays untouched."""
    return ensure(data_dir(tempfile.mkdtemp(prefix="recbrowser-demo-")))
