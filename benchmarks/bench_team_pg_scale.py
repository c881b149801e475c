"""The team archive at scale, each query beside the SQLite store's on the same calls.

    .venv/bin/python benchmarks/bench_team_pg_scale.py [--dir /work/bench-data-pg] [--calls 1000000] [--runs 30]

Uses (or first builds: many minutes) the data set of benchmarks/team_pg_data.py: 1,000,000 calls,
5,000,000 sentences in five accounts, in PostgreSQL and in a SQLite cache, and prints its ingest
figures (PgStore vs a bare COPY). Then, PostgreSQL read as a supervisor granted every account
(row-level security, `bench_reader`), SQLite through Store, the same calls:
- a keyset page of 100 at depth 90%, a jump there from the top (cursors_at: the old OFFSET over
  every account, sorted, and the merged walks now), and a jump from a cursor 10,000 rows back;
- searches as the window asks them (limit 101): a mid-frequency word (1 in 1,000 sentences), a
  prefix, a phrase, a very common word (1 in 20: newest first past BROAD hits; on PostgreSQL
  also without the owner functions of store/postgres/search_broad.py, i.e. ranking every hit);
- count_calls with no filter (what the window's first count asks).
p50/p95 over --runs runs each, warm; the load average is printed beside each block.
--only index: the ranked searches without and with an index schema v3 could add (see INCLUDE_INDEX).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from team_pg_data import DIR, PASSWORD, READER, open_data, report  # noqa: E402

from recbrowser.store import Store  # noqa: E402
from recbrowser.store.postgres import search_broad  # noqa: E402
from recbrowser.store.postgres.store import PgStore  # noqa: E402
from recbrowser.store.records import CallFilter  # noqa: E402


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95 + 0.5) - 1)]


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def line(label: str, pg: tuple[float, float], lite: tuple[float, float] | None, extra: str = "") -> None:
    text = f"  {label:<46} PG p50 {pg[0]:8.1f} p95 {pg[1]:8.1f} ms"
    if lite is not None:
        text += f" | SQLite p50 {lite[0]:7.1f} p95 {lite[1]:7.1f} ms"
    print(f"{text}{extra}  ({load()})", flush=True)


def old_jump(conn: psycopg.Connection, depth: int) -> None:
    """cursors_at across accounts before the merged walks: one OFFSET over ANY(accounts), sorted."""
    ids = [i for (i,) in conn.execute("SELECT id FROM accounts ORDER BY name")]
    conn.execute("SELECT c.start_ms, c.id FROM calls c WHERE c.account_id = ANY(%s::bigint[]) "
                 "ORDER BY c.start_ms DESC, c.id DESC LIMIT 1 OFFSET %s", (ids, depth - 1)).fetchall()


def listing(pg: PgStore, lite: Store, total: int, runs: int) -> None:
    f = CallFilter()
    depth = int(total * 0.9)
    print(f"call list, newest first, over every account ({total:,} calls):")
    pg_cursor, = pg.cursors_at(f, range(depth, depth + 1))
    lite_cursor, = lite.cursors_at(f, range(depth, depth + 1))
    line(f"keyset page of 100 at row {depth:,}", timed(lambda: pg.list_calls(f, after=pg_cursor, limit=100), runs),
         timed(lambda: lite.list_calls(f, after=lite_cursor, limit=100), runs))
    line("count_calls (no filter)", timed(lambda: pg.count_calls(f), runs), timed(lambda: lite.count_calls(f), runs))
    few = max(3, runs // 6)
    line(f"jump to row {depth:,} from the top (now)", timed(lambda: pg.cursors_at(f, range(depth, depth + 1)), few),
         timed(lambda: lite.cursors_at(f, range(depth, depth + 1)), few))
    line(f"jump to row {depth:,}: the old OFFSET", timed(lambda: old_jump(pg._conn, depth), few), None)
    pg_reader, lite_reader = pg.open_list_reader(), lite.open_list_reader()
    try:
        back = depth - min(10_000, depth // 2)
        pg_from, = pg_reader.cursors_at(f, range(back, back + 1))
        lite_from, = lite_reader.cursors_at(f, range(back, back + 1))
        line(f"jump {depth - back:,} rows on from a known cursor",
             timed(lambda: pg_reader.cursors_from(f, range(depth, depth + 1), pg_from, back), few),
             timed(lambda: lite_reader.cursors_from(f, range(depth, depth + 1), lite_from, back), few))
    finally:
        pg_reader.close()
        lite_reader.close()


def searches(pg: PgStore, lite: Store, runs: int) -> None:
    print("search, as the window asks (limit 101), every account:")
    for label, query in (("mid-frequency word", "refund"), ("prefix", "pric*"), ("phrase", '"next week"'),
                         ("very common word", "thanks")):
        hits_pg, hits_lite = len(pg.search(query, limit=100_000)), len(lite.search(query, limit=100_000))
        line(f"{label} {query} ({hits_pg:,} / {hits_lite:,} hits)", timed(lambda q=query: pg.search(q, limit=101), runs),
             timed(lambda q=query: lite.search(q, limit=101), runs))
    present = search_broad.PRESENT
    search_broad.PRESENT = "false"  # as an archive without the owner functions: rank every hit
    try:
        line("very common word thanks, ranking every hit", timed(lambda: pg.search("thanks", limit=101), max(3, runs // 6)), None)
    finally:
        search_broad.PRESENT = present


# Measured only (no schema change from here): the probe of each hit's call for its start time,
# index-only. Created for the run of --index, then dropped.
INCLUDE_INDEX = "CREATE UNIQUE INDEX bench_calls_key_start ON calls (account_id, id) INCLUDE (start_ms)"


def index_experiment(server, pg: PgStore, runs: int) -> None:
    print("ranked searches, without and with calls (account_id, id) INCLUDE (start_ms):")
    queries = ("refund", "pric*", '"next week"')
    for q in queries:  # warm: the server may just have started
        timed(lambda q=q: pg.search(q, limit=101), 3)
    before = {q: timed(lambda q=q: pg.search(q, limit=101), runs) for q in queries}
    with psycopg.connect(server.db("archive"), autocommit=True) as conn:
        conn.execute(INCLUDE_INDEX)
        conn.execute("VACUUM ANALYZE calls")
    try:
        for q in queries:
            after = timed(lambda q=q: pg.search(q, limit=101), runs)
            print(f"  {q:<14} without p50 {before[q][0]:7.1f} p95 {before[q][1]:7.1f} ms | "
                  f"with p50 {after[0]:7.1f} p95 {after[1]:7.1f} ms  ({load()})", flush=True)
    finally:
        with psycopg.connect(server.db("archive"), autocommit=True) as conn:
            conn.execute("DROP INDEX bench_calls_key_start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, default=DIR)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--only", choices=["listing", "search", "index"], default=None)
    args = ap.parse_args()
    server, figures = open_data(args.dir, args.calls)
    try:
        print(report(figures))
        with psycopg.connect(server.db("archive"), autocommit=True) as conn:
            if not conn.execute(f"SELECT {search_broad.PRESENT}").fetchone()[0]:
                for statement in search_broad.FUNCTIONS:  # a data set built before schema v3 had them
                    conn.execute(statement)
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, {load()}")
        with PgStore.open(server.db("archive", READER, PASSWORD)) as pg, \
                Store.open(args.dir / "sqlite" / "recbrowser.sqlite3") as lite:
            if args.only == "index":
                index_experiment(server, pg, args.runs)
                return
            if args.only != "search":
                listing(pg, lite, figures["calls"], args.runs)
            if args.only != "listing":
                searches(pg, lite, args.runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
