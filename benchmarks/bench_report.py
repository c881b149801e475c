"""`recbrowser report`'s aggregates (CallStore.report) over a big cache.

    python benchmarks/bench_report.py DIR [--calls 1000000] [--runs 5]

DIR holds a cache made by gen_data.py's generator (made here when DIR has none), with each
call's conversation figures saved as sync saves them. Prints the median time of the whole
report (calls per day by account and status, per agent, durations) for: every call; one
month; one account of several... as a filter bar would ask. Goal (issue 20): under 500 ms at
1,000,000 calls.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def make(d, calls: int) -> None:
    from gen_data import Generator

    from recbrowser.domain import Account
    from recbrowser.services import conversation
    from recbrowser.store import Store

    with Store.open(d.database) as store:
        account = store.add_account(Account(name="bench", provider="yeastar", settings={"base_url": "http://127.0.0.1:9"}))
        t = time.perf_counter()
        for n, page in enumerate(Generator(seed=1).pages(calls)):
            with store.transaction():
                store.upsert_calls(account.id, page)
                conversation.save_for_calls(store, account.id, page)
            if n % 100 == 99:
                print(f"  {(n + 1) * 1000:,} calls, {time.perf_counter() - t:.0f} s", file=sys.stderr)


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    from gen_data import T0

    from recbrowser.paths import data_dir, ensure
    from recbrowser.store import CallFilter, Store

    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    d = ensure(data_dir(args.data_dir))
    if not d.database.exists():
        make(d, args.calls)
    month = 30 * 86_400_000
    cases = {
        "every call": CallFilter(),
        "one month": CallFilter(since_ms=T0 + 6 * month, until_ms=T0 + 7 * month),
        "one account": CallFilter(account="bench"),
        "missed calls": CallFilter(status="missed"),
    }
    with Store.open(d.database) as store:
        total = store.count_calls(CallFilter())
        for name, f in cases.items():
            report = store.report(f)
            ms = median_ms(lambda f=f: store.report(f), args.runs)
            print(f"report over {total:,} calls, {name} ({report.calls:,} calls, {len(report.days):,} day rows, "
                  f"{len(report.agents)} agents): {ms:.0f} ms (goal < 500)")


if __name__ == "__main__":
    main()
