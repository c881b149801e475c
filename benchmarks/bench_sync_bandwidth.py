"""End-to-end sync from the Bandwidth emulator over loopback into a fresh SQLite cache.

Bandwidth has no bulk transcript API: every transcribed recording costs one request, so the
rate is bound by requests, not by the store. Prints calls/s for the whole pipeline, how many
list and transcription requests it took, and the time a bare httpx loop needs for the same
requests (the emulator's share).

    ./run bench sync_bandwidth [--calls 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from recbrowser.domain import Account
from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.providers.bandwidth import BandwidthProvider, forget_tokens, iso_z
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store


def bare_fetch(provider: BandwidthProvider, emu: BandwidthEmulator, windows: list[tuple[int, int]]) -> tuple[int, int]:
    """The same list windows the connector settled on, then every transcription, without mapping or store."""
    rows = transcripts = 0
    seen: set[str] = set()  # windows overlap (the connector's look-back): each transcription once
    headers = {"Authorization": provider._auth_header()}
    with httpx.Client(headers=headers, timeout=30) as client:
        base = f"{provider.base_url}/accounts/{provider.account_id}"
        for start, end in windows:
            page = client.get(f"{base}/recordings", params={"minStartTime": iso_z(start), "maxStartTime": iso_z(end)}).json()
            rows += len(page)
            for meta in page:
                if (meta.get("transcription") or {}).get("status") == "available" and meta["recordingId"] not in seen:
                    seen.add(meta["recordingId"])
                    client.get(f"{base}/calls/{meta['callId']}/recordings/{meta['recordingId']}/transcription").json()
                    transcripts += 1
    return rows, transcripts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, BandwidthEmulator(calls=args.calls, seed=1) as emu:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        account = store.add_account(Account(name="bench", provider="bandwidth", settings=emu.account_settings()))
        provider = BandwidthProvider(account, emu.secrets())
        windows: list[tuple[int, int]] = []
        original = provider._list_once

        def spy(start: int, end: int) -> list:
            page = original(start, end)
            if len(page) < 1000:
                windows.append((start, end))
            return page

        provider._list_once = spy  # type: ignore[method-assign]
        since, until = emu.now_ms - 15 * 86_400_000, emu.now_ms + 60_000
        before = emu.counters["requests"]
        t0 = time.perf_counter()
        result = sync_account(store, account, provider, since_ms=since, until_ms=until)
        elapsed = time.perf_counter() - t0
        assert result.ok, result.error
        requests = emu.counters["requests"] - before
        cached = store.count_calls(CallFilter())
        forget_tokens()
        t1 = time.perf_counter()
        rows, transcripts = bare_fetch(provider, emu, windows)
        bare = time.perf_counter() - t1
        provider.close()
        store.close()
    print(f"scale: {args.calls:,} emulated calls ({len(emu.recordings):,} recordings), 15 day windows, 2 cores")
    print(f"sync end to end: {result.calls:,} calls in {elapsed:.2f} s = {result.calls / elapsed:,.0f} calls/s "
          f"({cached:,} cached; {requests:,} requests, {provider.list_requests:,} of them recording lists)")
    print(f"bare fetch of the same {len(windows):,} list windows and {transcripts:,} transcriptions, one at a time: "
          f"{bare:.2f} s ({bare / elapsed:.0%} of the sync's time)")


if __name__ == "__main__":
    main()
