"""`recbrowser --demo`: the provider emulators, a throwaway cache, and their demo calls.

Demo secrets are the emulators' own and are handed to the connectors directly: the demo never
touches the user's keyring or their real cache (unless --data-dir points at one).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from typing import TYPE_CHECKING

from recbrowser.domain import Account
from recbrowser.paths import DataDir, data_dir, ensure
from recbrowser.store import CallFilter, open_store, opener

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

# Every `recbrowser` start passes through here: the services the terminal demo uses are
# imported by it, not before the window's first paint.

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


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_window_or_demo(args, dd: DataDir) -> int:
    """`recbrowser` opens the window; `--demo` opens it on the emulators in a throwaway cache.

    With no display (a server, an SSH session) the demo prints to the terminal instead.
    """
    if args.demo and not args.data_dir:
        dd = ensure(data_dir(tempfile.mkdtemp(prefix="recbrowser-demo-")))
    if args.headless or (args.demo and not args.screenshot and not has_display()):
        if not args.demo:
            print("recbrowser: --headless goes with --demo; the other commands are headless already.", file=sys.stderr)
            return 2
        if not args.headless:
            print("No display found: showing the demo in the terminal instead of the window.\n")
        gc.enable()  # off only for a window's start-up (recbrowser/__main__.py)
        return run_terminal_demo(dd)
    if not has_display():
        print("recbrowser: no display found to open the window on; see `recbrowser --help` for the commands.",
              file=sys.stderr)
        return 1
    # Counted while the window's modules load (~100 ms of imports): the list has its size at once.
    first_count = opener(dd.database).count_first()
    from recbrowser.ui.app import run_window

    return run_window(dd, demo=args.demo, screenshot=args.screenshot, first_count=first_count)


def run_terminal_demo(dd: DataDir) -> int:
    from recbrowser.cli_format import calls_table, hits_text
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
