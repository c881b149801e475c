"""End-to-end sync from the Voki emulator over loopback into a fresh SQLite cache.

Voki lists calls 100 a page but gives each call's recording (with its Whisper text) and its AI
summary one request each, so the rate is bound by requests. Prints calls/s for the whole
pipeline and the requests it took, and the time a bare httpx loop needs for the same requests
one at a time (the emulator's share).

    ./run bench sync_voki [--calls 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from recbrowser.domain import Account
from recbrowser.emulators.voki import VokiEmulator
from recbrowser.providers.http import set_host_rate
from recbrowser.providers.voki import PAGE_SIZE, VokiProvider, forget_tokens
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store


def bare_fetch(provider: VokiProvider, emu: VokiEmulator, since: int, until: int) -> int:
    """The same list pages, recordings and summaries, one request at a time, no mapping or store."""
    requests = 0
    with httpx.Client(headers=provider._headers(provider._access()), timeout=30) as client:
        page = 1
        while True:
            data = client.get(f"{emu.base_url}/api/v1/calls", params={"page": page, "page_size": PAGE_SIZE,
                                                                     "sort_order": "asc"}).json()
            requests += 1
            for item in data["data"]:
                if item["status"] != "completed":
                    continue
                rec = client.get(f"{emu.base_url}/api/v1/calls/{item['id']}/recording")
                requests += 1
                if rec.status_code == 200 and rec.json()["data"]["transcription"]["status"] == "completed":
                    client.get(f"{emu.base_url}/api/v1/calls/{item['id']}/summary").json()
                    requests += 1
            if page >= data["meta"]["total_pages"]:
                return requests
            page += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, VokiEmulator(calls=args.calls, seed=1) as emu:
        set_host_rate(f"127.0.0.1:{emu.port}", None)  # a loopback emulator, not a provider to spare
        store = Store.open(Path(tmp) / "bench.sqlite3")
        account = store.add_account(Account(name="bench", provider="voki", settings=emu.account_settings()))
        provider = VokiProvider(account, emu.secrets())
        since, until = emu.now_ms - 15 * 86_400_000, emu.now_ms + 60_000
        t0 = time.perf_counter()
        result = sync_account(store, account, provider, since_ms=since, until_ms=until)
        elapsed = time.perf_counter() - t0
        assert result.ok, result.error
        requests = emu.counters["requests"]
        cached = store.count_calls(CallFilter())
        t1 = time.perf_counter()
        bare_requests = bare_fetch(provider, emu, since, until)
        bare = time.perf_counter() - t1
        provider.close()
        forget_tokens()
        store.close()
    print(f"scale: {args.calls:,} emulated Voki calls, 15 days, 2 cores")
    print(f"sync end to end: {result.calls:,} calls in {elapsed:.2f} s = {result.calls / elapsed:,.0f} calls/s "
          f"({cached:,} cached; {requests:,} requests incl. {provider.auth_requests} sign-in)")
    print(f"bare fetch of the same {bare_requests:,} requests, one at a time: {bare:.2f} s "
          f"({bare / elapsed:.0%} of the sync's time)")


if __name__ == "__main__":
    main()
