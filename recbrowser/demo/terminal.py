"""`recbrowser --demo --headless` (or --demo with no display): the demo in the terminal."""

from __future__ import annotations

from recbrowser.demo.setup import start_demo_accounts
from recbrowser.paths import DataDir
from recbrowser.store import CallFilter, open_store


def run_terminal_demo(dd: DataDir) -> int:
    from recbrowser.cli.format import calls_table, hits_text
    from recbrowser.emulators import EMULATORS
    from recbrowser.services.accounts import open_provider
    from recbrowser.services.downloads import download_call
    from recbrowser.services.sync import sync_account

    with open_store(dd.database) as store:
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
