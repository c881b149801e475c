"""End-to-end sync from the Dialgen emulator over loopback into a fresh SQLite cache.

Dialgen has no list-all endpoint: each call costs three requests after its batch's listing
(check-status, the live status for the contactId, get-metric), so the rate is bound by
requests. Prints calls/s for the whole pipeline and the time a bare httpx loop needs for the
same per-call requests, one at a time (the emulator's share).

    ./run bench sync_dialgen [--calls 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from recbrowser.domain import Account
from recbrowser.emulators.dialgen import DialgenEmulator
from recbrowser.providers.dialgen import DialgenProvider
from recbrowser.providers.http import set_host_rate
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store

DAY_MS = 86_400_000


def bare_fetch(emu: DialgenEmulator, sample: int) -> float:
    """Seconds per call for check-status + live status + get-metric with a plain httpx client."""
    calls = [c for c in emu.calls if c.batch_id][:sample]
    base, user = f"{emu.base_url}/api/v1", emu.user_id
    t0 = time.perf_counter()
    with httpx.Client(headers={"Authorization": f"Bearer {emu.api_key}"}, timeout=30) as client:
        for c in calls:
            client.get(f"{base}/call/check-status", params={"callId": c.call_id, "userId": user}).json()
            client.get(f"{base}/status/call", params={"callId": c.call_id, "userId": user}).json()
            client.get(f"{base}/call/get-metric", params={"callId": c.call_id, "userId": user,
                                                          "agentId": c.agent_id, "contactId": c.contact_id}).json()
    return (time.perf_counter() - t0) / max(1, len(calls))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000, help="calls in batches (singles are added on top)")
    args = ap.parse_args()
    # About one call in ten is a single dial, which no batch lists: generate enough for --calls batched ones.
    with tempfile.TemporaryDirectory() as tmp, DialgenEmulator(calls=int(args.calls / 0.9), seed=1) as emu:
        set_host_rate(f"127.0.0.1:{emu.port}", None)  # an emulator on loopback, not a service to spare
        store = Store.open(Path(tmp) / "bench.sqlite3")
        account = store.add_account(Account(name="bench", provider="dialgen", settings=emu.account_settings()))
        provider = DialgenProvider(account, emu.secrets())
        before = emu.counters["requests"]
        t0 = time.perf_counter()
        result = sync_account(store, account, provider, since_ms=emu.now_ms - 200 * DAY_MS, until_ms=emu.now_ms + 60_000)
        elapsed = time.perf_counter() - t0
        assert result.ok, result.error
        requests = emu.counters["requests"] - before
        cached = store.count_calls(CallFilter())
        per_call = bare_fetch(emu, 2000)
        provider.close()
        store.close()
    print(f"scale: {len(emu.calls):,} emulated calls, {cached:,} of them in {len(emu.batches)} batches, 2 cores")
    print(f"sync end to end: {result.calls:,} calls in {elapsed:.2f} s = {result.calls / elapsed:,.0f} calls/s "
          f"({requests:,} requests, {requests / max(1, result.calls):.2f} a call)")
    print(f"bare per-call requests, one at a time: {per_call * 1000:.2f} ms a call "
          f"= {1 / per_call:,.0f} calls/s sequentially (the sync uses 4 threads)")


if __name__ == "__main__":
    main()
