"""Conversation figures on the team archive (schema v3): what saving them costs a sync, and the
report's aggregates on PostgreSQL beside the SQLite cache's for the same calls.

    python benchmarks/bench_team_report.py [--calls 100000] [--runs 5]

Starts a throw-away PostgreSQL server. Writes gen_data.py's calls into two fresh archives with
the service role, one page per transaction as sync does: once without figures, once with each
page's figures saved (services/conversation.save_for_calls), and prints the ratio. Then the
report over every call, one month and one account, PostgreSQL and SQLite (the same calls, in a
temporary folder): medians of `--runs`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def fill(store, pages: list, figures: bool) -> float:
    from recbrowser.domain import Account
    from recbrowser.services import conversation

    ids = [store.add_account(Account(name=f"bench{i}", provider="yeastar")).id for i in range(2)]
    t = time.perf_counter()
    for n, page in enumerate(pages):
        with store.transaction():
            store.upsert_calls(ids[n % 2], page)
            if figures:
                conversation.save_for_calls(store, ids[n % 2], page)
    return time.perf_counter() - t


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    import psycopg
    from gen_data import T0, Generator

    from recbrowser.services import conversation
    from recbrowser.store import CallFilter, Store
    from recbrowser.store.postgres import PgStore, admin
    from recbrowser.team.postgres_server import PostgresServer

    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    pages = list(Generator(seed=1).pages(args.calls))
    with PostgresServer() as server, tempfile.TemporaryDirectory() as tmp:
        seconds = {}
        for figures in (False, True):
            name = f"bench_{int(figures)}"
            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            url = server.url.rsplit("/", 1)[0] + "/" + name
            admin.init_archive(url)
            with PgStore.open(url) as store:
                seconds[figures] = fill(store, pages, figures)
        t = time.perf_counter()
        for page in pages:
            [conversation.figures(c) for c in page]
        computing = time.perf_counter() - t
        print(f"ingest {args.calls:,} calls: {seconds[False]:.1f} s without figures, {seconds[True]:.1f} s with "
              f"({seconds[False] / seconds[True]:.2f}x; computing them, as on SQLite: {computing:.1f} s)")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            with_figures = conn.execute("SELECT count(*) FROM call_figures").fetchone()[0]
        print(f"  ({with_figures:,} calls have figures)")
        lite_path = Path(tmp) / "cache.sqlite3"
        with Store.open(lite_path) as lite:
            fill(lite, pages, True)
        month = CallFilter(since_ms=T0 + 180 * 86_400_000, until_ms=T0 + 210 * 86_400_000)
        with PgStore.open(url) as pg, Store.open(lite_path) as lite:
            for label, f in (("every call", CallFilter()), ("one month", month), ("one account", CallFilter(account="bench1"))):
                assert pg.report(f) == lite.report(f) or _close(pg.report(f), lite.report(f)), label
                pg_ms, lite_ms = (median_ms(lambda s=s, f=f: s.report(f), args.runs) for s in (pg, lite))
                print(f"report, {label}: PostgreSQL {pg_ms:.0f} ms, SQLite {lite_ms:.0f} ms ({pg_ms / lite_ms:.1f}x)")


def _close(a, b) -> bool:
    """The same report but for the last bits of float sums added in another order."""
    from recbrowser.services.report import csv_text

    return csv_text(a) == csv_text(b)


if __name__ == "__main__":
    main()
