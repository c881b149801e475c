"""End-to-end sync from the Wildix emulator (WDA history + one transcription GET per transcribed
flow) over loopback into a fresh SQLite cache.

Prints calls/s for the whole pipeline, the request mix, and the time a bare httpx loop needs for
the same requests (no mapping, no store), so the connector's own cost can be read off.

    .venv/bin/python benchmarks/bench_sync_wildix.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

os.environ.setdefault("RECBROWSER_MAX_RPS", "0")  # loopback: the app's 10 requests/s per host would be the only figure

from recbrowser.domain import Account  # noqa: E402
from recbrowser.emulators.wildix import WildixEmulator  # noqa: E402
from recbrowser.providers import wildix as wx  # noqa: E402
from recbrowser.services.sync import sync_account  # noqa: E402
from recbrowser.store import CallFilter, Store  # noqa: E402


def bare_fetch(emu: WildixEmulator, since_ms: int, until_ms: int) -> tuple[int, int]:
    """The connector's requests (day windows, pages, transcriptions) with no mapping and no store."""
    rows = transcripts = 0
    seen: set[tuple[str, int]] = set()  # a flow listed twice (internal calls) is transcribed once, as the connector does
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(headers=auth) as client:
        window = since_ms
        while window < until_ms:
            end = min(window + 86_400_000, until_ms)
            flt = {"from": wx._iso(window), "to": wx._iso(end - 1)}
            offset = 0
            while True:
                body = {"limit": wx.PAGE_SIZE, "offset": offset, "filter": flt}
                page = client.post(f"{emu.base_url}/v2/history/conversations", json=body).json()["conversations"]
                rows += len(page)
                for item in page:
                    call = item.get("call") or {}
                    key = (call.get("id"), call.get("flowIndex"))
                    if call.get("transcriptionStatus") == "AVAILABLE" and key not in seen:
                        seen.add(key)
                        client.get(f"{emu.base_url}/v2/history/calls/{call['id']}/flows/{call['flowIndex']}/transcription").json()
                        transcripts += 1
                if len(page) < wx.PAGE_SIZE:
                    break
                offset += len(page)
            window = end
    return rows, transcripts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, WildixEmulator(calls=args.calls, seed=1) as emu:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        account = store.add_account(Account(name="bench", provider="wildix", settings=emu.account_settings()))
        provider = wx.WildixProvider(account, emu.secrets())
        since, until = emu.now_ms - 15 * 86_400_000, emu.now_ms
        t0 = time.perf_counter()
        result = sync_account(store, account, provider, since_ms=since, until_ms=until)
        elapsed = time.perf_counter() - t0
        assert result.ok, result.error
        cached = store.count_calls(CallFilter())
        with_text = store.count_calls(CallFilter(has_transcript=True))
        requests = dict(emu.counters)
        provider.close()
        store.close()
        t1 = time.perf_counter()
        rows, transcripts = bare_fetch(emu, since, until)
        bare = time.perf_counter() - t1
    listing = sum(v for k, v in requests.items() if k.endswith("/conversations"))
    print(f"scale: {args.calls:,} emulated calls over 14 days, 15 day windows, {os.cpu_count()} cores")
    print(f"sync end to end: {result.calls:,} calls in {elapsed:.2f} s = {result.calls / elapsed:,.0f} calls/s "
          f"({cached:,} cached, {with_text:,} with transcripts)")
    print(f"requests: {requests.get('requests', 0):,} ({listing:,} history pages of {wx.PAGE_SIZE}, "
          f"{requests.get('requests', 0) - listing:,} transcriptions)")
    print(f"bare fetch of the same requests: {rows:,} rows + {transcripts:,} transcriptions in {bare:.2f} s "
          f"({bare / elapsed:.0%} of the sync's time is the emulator + HTTP alone)")


if __name__ == "__main__":
    main()
