"""`recbrowser --demo`: the provider emulators, a throwaway cache, and their demo calls.

Demo secrets are the emulators' own and are handed to the connectors directly: the demo never
touches the user's keyring or their real cache (unless --data-dir points at one).
"""

from __future__ import annotations

import os
import sys

from recbrowser.domain import Account
from recbrowser.paths import DataDir
from recbrowser.store import CallFilter, Store

# Every `recbrowser` start passes through here: the services the terminal demo uses are
# imported by it, not before the window's first paint.

DEMO_CALLS = 60


def start_demo_accounts(store: Store, providers: list[str] | None = None, calls: int = DEMO_CALLS):
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


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_terminal_demo(dd: DataDir) -> int:
    from recbrowser.cli.format import calls_table, hits_text
    from recbrowser.emulators import EMULATORS
    from recbrowser.services.accounts import open_provider
    from recbrowser.services.downloads import download_call
    from recbrowser.services.sync import sync_account

    with Store.open(dd.database) as store:
        servers, pairs = start_demo_accounts(store, providers=sorted(EMULATORS))
        try:
            providers = {account.name: (account, open_provider(account, secrets)) for account, secrets in pairs}
            try:
                for account, provider in providers.values():
                    result = sync_account(store, account, provider, since_ms=None)
                    print(f"Synced {result.calls} calls from the {account.provider} emulator.")
                rows, _ = store.list_calls(CallFilter(), limit=15)
                print(f"\nThe newest calls of {store.count_calls(CallFilter()):,} in {dd.database}:\n")
                print(calls_table(rows))
                print("\nSearch for 'refund':")
                print(hits_text(store.search("refund", limit=5)) or "  (no hits)")
                with_audio, _ = store.list_calls(CallFilter(has_audio=True), limit=1)
                if with_audio:
                    account, provider = providers[with_audio[0].account]
                    call = store.get_call(account.name, with_audio[0].provider_id)
                    files = download_call(store, account, provider, call, dd.media)
                    print(f"\nDownloaded {with_audio[0].ref} to {files[0].path}")
            finally:
                for _, provider in providers.values():
                    provider.close()
        finally:
            for s in servers:
                s.stop()
    print(f"\nThe demo cache stays in {dd.root}; try: recbrowser --data-dir {dd.root} search price")
    return 0
