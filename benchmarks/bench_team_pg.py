"""The team archive on a real PostgreSQL: ingest against a bare COPY, a keyset page deep in the
list, and search, read as a supervisor under row-level security.

Starts its own throw-away server (recbrowser/team/postgres_server.py), makes two archives:
one filled through PgStore.upsert_calls by a service login (as `team serve` does, pages of
--page calls), one by a bare COPY of the same rows as the owner (no RLS, no upsert). Then, as a
supervisor granted every account: a page after a cursor at 90% depth, and searches (a word of
middling frequency, a prefix, a phrase), each repeated, p50/p95 printed.

    .venv/bin/python benchmarks/bench_team_pg.py [--calls 100000] [--sentences 5] [--accounts 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import psycopg
from psycopg import sql

from recbrowser.domain import Account, Call, Party, Segment
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import CallFilter
from recbrowser.team.postgres_server import PostgresServer

DAY = 86_400_000


def vocabulary(n: int = 5000) -> list[str]:
    rnd = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return sorted({"".join(rnd.choice(letters) for _ in range(rnd.randint(3, 9))) for _ in range(n)})


def make_calls(n: int, sentences: int, seed: int, words: list[str]) -> list[Call]:
    rnd = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(words))]  # Zipf: a few common words, many rare
    out = []
    start = 1_700_000_000_000
    for i in range(n):
        text = [" ".join(rnd.choices(words, weights, k=10)) for _ in range(sentences)]
        out.append(Call(
            provider_id=f"c{seed}-{i}", start_ms=start + i * 60_000 + rnd.randint(0, 59_000),
            direction=rnd.choice(["inbound", "outbound"]), from_party=Party(f"+1555{rnd.randint(0, 9999999):07d}"),
            to_party=Party(f"+1666{rnd.randint(0, 9999999):07d}"), agent=f"agent{rnd.randint(1, 200)}",
            status=rnd.choice(["answered", "missed", "voicemail"]), duration_ms=rnd.randint(0, 600_000),
            has_audio=True, transcript_status="available",
            segments=[Segment(text=t, speaker="agent" if k % 2 else "caller", start_ms=k * 5000) for k, t in enumerate(text)],
        ))
    return out


def database(server: PostgresServer, name: str) -> str:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = server.url.rsplit("/", 1)[0] + "/" + name
    admin.init_archive(url)
    return url


def login(server: PostgresServer, name: str) -> str:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'bench'").format(sql.Identifier(name)))
    return server.url_for(name, "bench", "by_store")


def ingest_store(url: str, service_url: str, per_account: dict[str, list[Call]], page: int) -> float:
    with PgStore.open(url) as owner:
        ids = {name: owner.add_account(Account(name=name, provider="yeastar")).id for name in per_account}
    t = time.perf_counter()
    with PgStore.open(service_url) as store:
        for name, calls in per_account.items():
            for i in range(0, len(calls), page):
                with store.transaction():
                    store.upsert_calls(ids[name], calls[i:i + page])
    return time.perf_counter() - t


def ingest_copy(url: str, per_account: dict[str, list[Call]]) -> float:
    with PgStore.open(url) as owner:
        ids = {name: owner.add_account(Account(name=name, provider="yeastar")).id for name in per_account}
    t = time.perf_counter()
    with psycopg.connect(url) as conn:
        next_id = 0
        for name, calls in per_account.items():
            with conn.cursor().copy("COPY calls (account_id, id, provider_id, start_ms, direction, from_number, to_number, "
                                    "agent, status, duration_ms, has_audio, transcript_status, leg_count, raw, "
                                    "first_seen_ms, updated_ms) FROM STDIN") as copy:
                for k, c in enumerate(calls):
                    copy.write_row((ids[name], next_id + k + 1, c.provider_id, c.start_ms, c.direction, c.from_party.number,
                                    c.to_party.number, c.agent, c.status, c.duration_ms, c.has_audio,
                                    c.transcript_status, 0, "{}", 0, 0))
            with conn.cursor().copy("COPY segments (account_id, call_id, seq, speaker, start_ms, text) FROM STDIN") as copy:
                for k, c in enumerate(calls):
                    for seq, s in enumerate(c.segments or []):
                        copy.write_row((ids[name], next_id + k + 1, seq, s.speaker, s.start_ms, s.text))
            next_id += len(calls)
        conn.commit()
    return time.perf_counter() - t


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--sentences", type=int, default=5)
    ap.add_argument("--accounts", type=int, default=5)
    ap.add_argument("--page", type=int, default=500)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    words = vocabulary()
    each = args.calls // args.accounts
    per_account = {f"acct{a}": make_calls(each, args.sentences, a, words) for a in range(args.accounts)}
    total = each * args.accounts
    with PostgresServer() as server:
        store_url, copy_url = database(server, "by_store"), database(server, "by_copy")
        service_url, reader_url = login(server, "bench_serve"), login(server, "bench_reader")
        with psycopg.connect(server.url.rsplit("/", 1)[0] + "/by_store", autocommit=True) as conn:
            admin.make_service(conn, "bench_serve")
        s = ingest_store(store_url, service_url, per_account, args.page)
        c = ingest_copy(copy_url, per_account)
        print(f"ingest {total:,} calls / {total * args.sentences:,} sentences: PgStore {total / s:,.0f} calls/s "
              f"({s:.1f} s), bare COPY {total / c:,.0f} calls/s ({c:.1f} s): {c / s:.2f}x")
        with psycopg.connect(store_url, autocommit=True) as conn:
            admin.grant(conn, "bench_reader", list(per_account))
            conn.execute("ANALYZE")
        with PgStore.open(reader_url) as store:
            f = CallFilter()
            (cursor,) = store.cursors_at(f, range(int(total * 0.9), int(total * 0.9) + 1))
            p50, p95 = timed(lambda: store.list_calls(f, after=cursor, limit=100), args.runs)
            print(f"keyset page of 100 at row {int(total * 0.9):,} (supervisor, RLS): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
            depth = range(int(total * 0.9), int(total * 0.9) + 1)
            p50, p95 = timed(lambda: store.cursors_at(f, depth), max(3, args.runs // 5))
            print(f"jump (cursors_at) to row {depth.start:,} over {args.accounts} accounts: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
            for label, query in (("mid-frequency word", words[len(words) // 20]), ("prefix", words[len(words) // 20][:3] + "*"),
                                 ("phrase", f'"{words[0]} {words[1]}"')):
                hits = len(store.search(query, limit=100_000))
                p50, p95 = timed(lambda q=query: store.search(q, limit=50), args.runs)
                print(f"search {label} {query!r} ({hits:,} hits): p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
