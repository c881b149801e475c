"""Twenty supervisors reading the team archive at once, with and without a sync writing.

    ./run bench team_readers [--dir /work/bench-data-pg] [--seconds 30] [--readers 20] [--mode store,cli]

On the data set of benchmarks/team_pg_data.py (1,000,000 calls in five accounts; built first if
missing). Half the readers loop a search (a mid-frequency word, a common word, a prefix, a
phrase, in turn), half loop the first page of the call list. Each is a process of its own:
- store: the CLI's store calls (PgStore.search(limit=50) / list_calls(limit=50) + count_calls,
  what `search` and `calls --json` ask), one connection per process, as a supervisor (RLS);
- cli: `recbrowser --team bench search WORD` / `recbrowser --team bench calls --json --limit 50`
  run again and again, each a new process (Python start-up and imports included), through a
  team profile whose password is in the keyring (hence ./run, which starts one).
Each mode runs twice: quiet, then while a writer upserts new calls as fast as it can through
PgStore.upsert_calls (service login, pages of 1,000, as `team serve` writes a synced page: the
worst case, a first sync; a real sync waits on the provider between pages). The new calls are
deleted afterwards (and the tables vacuumed), so the data set stays as it was.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_data import Generator  # noqa: E402
from team_pg_data import ACCOUNTS, DIR, PASSWORD, READER, SERVICE, open_data  # noqa: E402

from recbrowser.store.postgres.store import PgStore  # noqa: E402
from recbrowser.store.records import CallFilter  # noqa: E402

WORDS = ["refund", "thanks", "pric*", '"next week"', "invoice"]
FIRST_NEW = 1_000_000  # the writer's calls are numbered from here (provider ids 001000000 on)


def store_reader(url: str, kind: str, seed: int, until: float, out: mp.Queue) -> None:
    times: list[float] = []
    with PgStore.open(url) as store:
        n = seed
        while time.time() < until:
            t = time.perf_counter()
            if kind == "search":
                store.search(WORDS[n % len(WORDS)], limit=50)
            else:
                store.list_calls(CallFilter(), limit=50)
                store.count_calls(CallFilter())
            times.append((time.perf_counter() - t) * 1000)
            n += 1
    out.put((kind, times))


def cli_reader(env: dict[str, str], kind: str, seed: int, until: float, out: mp.Queue) -> None:
    times: list[float] = []
    n = seed
    while time.time() < until:
        argv = [sys.executable, "-m", "recbrowser", "--team", "bench"]
        argv += ["search", WORDS[n % len(WORDS)]] if kind == "search" else ["calls", "--json", "--limit", "50"]
        t = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        times.append((time.perf_counter() - t) * 1000)
        if done.returncode != 0:
            print(f"{kind}: exit {done.returncode}: {done.stderr.strip()[-300:]}", file=sys.stderr)
            break
        n += 1
    out.put((kind, times))


def writer(url: str, stop: mp.Event, out: mp.Queue) -> None:
    gen, written, first = Generator(seed=2), 0, FIRST_NEW
    t = time.perf_counter()
    with PgStore.open(url) as store:
        ids = {a.name: a.id for a in store.accounts()}
        while not stop.is_set():
            page = [gen.call(i, FIRST_NEW) for i in range(first, first + 1000)]
            with store.transaction():
                store.upsert_calls(ids[f"acct{(first // 1000) % ACCOUNTS}"], page)
            written += len(page)
            first += 1000
    out.put(("writer", [written / (time.perf_counter() - t)]))


def p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * 0.95 + 0.5) - 1)]


def run(mode: str, target, arg, readers: int, seconds: float, writer_url: str | None) -> None:
    out: mp.Queue = mp.Queue()
    stop = mp.Event()
    w = None
    if writer_url:
        w = mp.Process(target=writer, args=(writer_url, stop, out))
        w.start()
        time.sleep(3)  # the writer is under way before the readers start
    until = time.time() + seconds
    procs = [mp.Process(target=target, args=(arg, "search" if i % 2 == 0 else "calls", i, until, out))
             for i in range(readers)]
    load_before = os.getloadavg()[0]
    for p in procs:
        p.start()
    results: dict[str, list[float]] = {"search": [], "calls": []}
    for _ in procs:
        kind, times = out.get()
        results[kind] += times
    load_after = os.getloadavg()
    stop.set()
    rate = ""
    if w is not None:
        kind, (calls_s,) = out.get()
        w.join()
        rate = f", writer {calls_s:,.0f} calls/s"
    for p in procs:
        p.join()
    label = "while a sync writes" if writer_url else "quiet"
    for kind, times in results.items():
        if times:
            print(f"  {mode} {kind:<6} {label:<20} {len(times):5d} runs: p50 {statistics.median(times):8.1f} ms, "
                  f"p95 {p95(times):8.1f} ms", flush=True)
    print(f"    (load average {load_before:.2f} before, {load_after[0]:.2f} / {load_after[1]:.2f} after{rate})", flush=True)


def cli_env(server, home: Path) -> dict[str, str]:
    """A data folder with team profile `bench` for the reader login (password to the keyring)."""
    from recbrowser.paths import data_dir, ensure
    from recbrowser.team import profiles

    folder = Path(tempfile.mkdtemp(prefix="bench-readers-"))
    dd = ensure(data_dir(folder))
    profiles.connect(dd, "bench", server.db("archive", READER, PASSWORD).replace(f":{PASSWORD}@", "@"), "s3://bench",
                     {"password": PASSWORD, "access_key": "bench-key", "secret_key": "bench-secret-key"})
    return {**os.environ, "RECBROWSER_DATA_DIR": str(folder)}


def forget_new_calls(server) -> None:
    with psycopg.connect(server.db("archive"), autocommit=True) as conn:
        conn.execute("DELETE FROM calls WHERE provider_id >= %s", (f"{FIRST_NEW:09d}",))
        conn.execute("VACUUM ANALYZE calls, segments, legs, recordings")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, default=DIR)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--mode", default="store,cli")
    args = ap.parse_args()
    server, figures = open_data(args.dir)
    try:
        reader_url, service_url = server.db("archive", READER, PASSWORD), server.db("archive", SERVICE, PASSWORD)
        print(f"{args.readers} readers, {args.seconds:.0f} s each run, on {figures['calls']:,} calls / "
              f"{figures['sentences']:,} sentences ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"{os.cpu_count()} cores)", flush=True)
        for mode in args.mode.split(","):
            target, arg = (store_reader, reader_url) if mode == "store" else (cli_reader, cli_env(server, args.dir))
            for writing in (None, service_url):
                try:
                    run(mode, target, arg, args.readers, args.seconds, writing)
                finally:
                    if writing:
                        forget_new_calls(server)
        print(json.dumps({"done": True}))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
