"""End-to-end sync from the Yeastar emulator over loopback into a fresh SQLite cache.

Prints calls/s for the whole pipeline (HTTP + JSON + mapping + store), the share of time the
emulator itself needs to answer (measured in the same run by fetching the same pages with a
bare httpx loop), and the scale used.

    ./run bench sync [--calls 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from recbrowser.domain import Account
from recbrowser.emulators.yeastar import YeastarEmulator
from recbrowser.providers.timeparse import format_display_time
from recbrowser.providers.yeastar import YeastarProvider, forget_tokens
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store


def bare_fetch(provider: YeastarProvider, since_ms: int, until_ms: int) -> int:
    """The same day windows and pages the connector asks for, with no mapping and no store."""
    n = 0
    with httpx.Client(headers={"User-Agent": "bench"}) as client:
        token = provider._token()
        window = since_ms
        while window < until_ms:
            end = min(window + 86_400_000, until_ms)
            fmt, tz = provider.times.display_format, provider.times.tz
            params = {"time_begin": format_display_time(window, fmt, tz),
                      "time_end": format_display_time(end - 1000, fmt, tz), "page_size": 1000}
            for version, keys in (("v2.0", ("time_begin", "time_end")), ("v1.0", ("start_time", "end_time"))):
                page = 1
                while True:
                    q = {keys[0]: params["time_begin"], keys[1]: params["time_end"], "page": page,
                         "page_size": 1000, "access_token": token}
                    data = client.get(f"{provider.base_url}/openapi/{version}/cdr/search", params=q).json()
                    n += len(data.get("data") or [])
                    if len(data.get("data") or []) < 1000:
                        break
                    page += 1
            window = end
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, YeastarEmulator(calls=args.calls, seed=1) as emu:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        account = store.add_account(Account(name="bench", provider="yeastar", settings=emu.account_settings()))
        provider = YeastarProvider(account, emu.secrets())
        since = int(time.time() * 1000) - 30 * 86_400_000
        t0 = time.perf_counter()
        result = sync_account(store, account, provider, since_ms=since)
        elapsed = time.perf_counter() - t0
        assert result.ok, result.error
        cached = store.count_calls(CallFilter())
        forget_tokens()
        t1 = time.perf_counter()
        rows = bare_fetch(provider, since, int(time.time() * 1000))
        bare = time.perf_counter() - t1
        provider.close()
        store.close()
    print(f"scale: {args.calls:,} emulated calls, 30 day windows, 2 cores")
    print(f"sync end to end: {result.calls:,} calls in {elapsed:.2f} s = {result.calls / elapsed:,.0f} calls/s "
          f"({cached:,} cached)")
    print(f"bare CDR page fetch of the same windows: {rows:,} rows in {bare:.2f} s "
          f"({bare / elapsed:.0%} of the sync's time is the emulator + HTTP for CDR pages alone)")


if __name__ == "__main__":
    main()
