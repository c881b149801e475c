"""Store benchmarks: bulk ingest, full-text search, keyset paging. Ratios measured in one run.

    .venv/bin/python benchmarks/bench_store.py              # 1,000,000 calls, 5,000,000 segments
    .venv/bin/python benchmarks/bench_store.py --scale 0.01 # CI-sized: 10,000 calls

1. Ingest N calls (5 segments, 1 leg, 1 recording each) through `Store.upsert_calls`, one
   transaction per page of 1,000 calls, against bare `sqlite3` `executemany` of the same rows
   into the same schema (same indexes; FTS rows by executemany too) in one transaction. The two
   run interleaved page by page (so load on the machine hits both alike); generating the rows
   is not timed on either side.
   Run --ingest-runs times (default 3): the median ratio.
2. Search the 5*N segments: `Store.search(limit=50)` for rare, mid-frequency, common, prefix
   (one to four letters) and phrase queries: warm median, p95 and max, and cold (the first
   search after opening the store) median, p95 and max; against LIKE '%word%' finding every
   match (a full scan) and LIKE finding the 50 newest matches (stops early; cannot rank).
3. Keyset pages of 100 calls at depth 0 and at depth 0.9*N, for a few filters and every sort,
   and the jump to the middle of the list (`cursors_at`, then a page of 200).

    .venv/bin/python benchmarks/bench_store.py --paging-only DATA_DIR/recbrowser.sqlite3
    .venv/bin/python benchmarks/bench_store.py --search-only DATA_DIR/recbrowser.sqlite3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_data import COMMON, MID, RARE, Generator  # noqa: E402

from recbrowser.domain import Account  # noqa: E402
from recbrowser.store import CallFilter, Store  # noqa: E402
from recbrowser.store.calls import INSERT_LEG, INSERT_RECORDING, INSERT_SEGMENT  # noqa: E402
from recbrowser.store.records import SORTS  # noqa: E402

PAGE = 1000


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def timed(fn: Callable[[], object], repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall times of `repeat` calls; their CPU times (this thread, where SQLite runs) into `cpu`."""
    out = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        out.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.append(time.thread_time() - c)
    return out


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def bare_rows(page: list, first_call: int, first_segment: int) -> tuple[list, list, list, list, list]:
    """The same rows `upsert_calls` writes, as plain tuples (built outside the timed part)."""
    calls, legs, recs, segs, fts = [], [], [], [], []
    call_id, seg_id = first_call, first_segment
    for c in page:
        call_id += 1
        calls.append((call_id, 1, c.provider_id, c.start_ms, c.direction, c.from_party.number, c.from_party.name,
                      c.to_party.number, c.to_party.name, c.agent, c.status, c.duration_ms, c.ring_ms, c.talk_ms,
                      c.hold_ms, 1, c.audio_reason, c.transcript_status, c.summary, len(c.legs),
                      json.dumps(c.raw), 0, 0, c.sentiment, c.queue, c.department, json.dumps(list(c.provider_tags)),
                      c.language, json.dumps(c.details)))
        for leg in c.legs:
            legs.append((call_id, leg.index, leg.provider_id, leg.start_ms, leg.from_party.number, leg.from_party.name,
                         leg.to_party.number, leg.to_party.name, leg.status, leg.duration_ms, leg.talk_ms, leg.ring_ms,
                         leg.hold_ms, leg.call_type))
        for r in c.recordings:
            recs.append((call_id, 1, r.provider_id, r.file_name, r.format, r.size, r.duration_ms, r.start_ms,
                         r.expires_ms, r.leg, "{}"))
        for seq, s in enumerate(c.segments or []):
            seg_id += 1
            segs.append((seg_id, call_id, seq, s.leg, s.speaker, s.role, s.start_ms, s.end_ms, s.text, s.confidence))
            fts.append((seg_id, s.text))
    return calls, legs, recs, segs, fts


_BARE_CALL = (
    "INSERT INTO calls (id, account_id, provider_id, start_ms, direction, from_number, from_name, to_number, to_name, "
    "agent, status, duration_ms, ring_ms, talk_ms, hold_ms, has_audio, audio_reason, transcript_status, summary, "
    "leg_count, raw_json, first_seen_ms, updated_ms, sentiment, queue, department, provider_tags, language, details_json) "
    "VALUES (" + ", ".join("?" * 29) + ")"
)


def ingest(folder: Path, n: int, bare: bool) -> tuple[float, float | None, float, float]:
    """Both ingests interleaved page by page, so machine load hits them alike and the ratio holds.

    Store: `upsert_calls`, one transaction per page. Bare: plain executemany of the same rows
    into the same schema (made by Store.open: same indexes), all in one transaction. Returns
    both wall times and both CPU times of this thread (SQLite runs in it): on a machine shared
    with other work the CPU times say what each path costs whatever the others took.
    """
    store = Store.open(folder / "store.sqlite3")
    acc = store.add_account(Account(name="bench", provider="yeastar"))
    assert acc.id is not None
    conn = None
    if bare:
        Store.open(folder / "bare.sqlite3").close()
        conn = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
        for pragma in ("synchronous = NORMAL", "foreign_keys = ON", "cache_size = -65536"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("INSERT INTO accounts (id, name, provider, settings_json, created_ms) VALUES (1, 'bench', 'y', '{}', 0)")
        conn.execute("BEGIN")
    t_store = t_bare = c_store = c_bare = 0.0
    done = 0
    for i, page in enumerate(Generator(seed=1).pages(n, PAGE)):
        t, c = time.perf_counter(), time.thread_time()
        with store.transaction():
            store.upsert_calls(acc.id, page)
        t_store += time.perf_counter() - t
        c_store += time.thread_time() - c
        if conn is not None:
            calls, legs, recs, segs, fts = bare_rows(page, done, done * 5)
            t, c = time.perf_counter(), time.thread_time()
            conn.executemany(_BARE_CALL, calls)
            conn.executemany(INSERT_LEG, legs)
            conn.executemany(INSERT_RECORDING, recs)
            conn.executemany(INSERT_SEGMENT, segs)
            conn.executemany("INSERT INTO segments_fts (rowid, text) VALUES (?, ?)", fts)
            t_bare += time.perf_counter() - t
            c_bare += time.thread_time() - c
        done += len(page)
        if i % 100 == 99:
            print(f"  {done:,} calls: store {done / t_store:,.0f} calls/s"
                  + (f", bare {done / t_bare:,.0f} calls/s" if conn else ""), file=sys.stderr)
    store.close()
    if conn is None:
        return t_store, None, c_store, 0.0
    t, c = time.perf_counter(), time.thread_time()
    conn.execute("COMMIT")
    t_bare += time.perf_counter() - t
    c_bare += time.thread_time() - c
    conn.close()
    return t_store, t_bare, c_store, c_bare


_LIKE_ALL = "SELECT s.id, c.start_ms FROM segments s JOIN calls c ON c.id = s.call_id WHERE s.text LIKE ?"
_LIKE_NEWEST = (
    "SELECT s.id FROM segments s JOIN calls c ON c.id = s.call_id WHERE s.text LIKE ? ORDER BY c.start_ms DESC LIMIT 50"
)


SEARCHES = {
    "rare word": RARE,
    "mid-frequency word": MID,
    "common word": COMMON,
    "prefix pric*": ["pric*"],
    "1-3 letter prefixes": ["k*", "ka*", "kal*", "r*", "re*", "p*", "pr*", "d*", "de*", "del*"],
    'phrase "next week"': ['"next week"'],
}


def bench_search(path: Path, n_segments: int, repeat: int, like_repeat: int) -> list[str]:
    """Cold: the first search on a freshly opened Store (its page cache empty; the OS's warm, as
    on a machine that has just read the file), one open per sample. Warm: later searches. Each
    also as CPU time of this thread (SQLite runs in it), which load on a shared machine does not
    inflate the way it inflates wall time."""
    lines = [f"search over {n_segments:,} segments, limit 50; cold = first search after opening the store "
             f"({max(3, repeat // 5)} opens per word), warm = {repeat} runs:"]
    with Store.open(path) as store:
        conn = store._conn
        for label, words in SEARCHES.items():
            hits = [conn.execute("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH ?",
                                 (store_fts(w),)).fetchone()[0] for w in words]
            cold: list[float] = []
            cold_cpu: list[float] = []
            for i in range(max(3, repeat // 5) * len(words)):
                word = words[i % len(words)]
                with Store.open(path) as fresh:
                    cold += timed(lambda w=word, s=fresh: s.search(w, limit=50), 1, cold_cpu)
            for w in words:  # warm the page cache the way an open app has it
                store.search(w)
            runs: list[float] = []
            cpu: list[float] = []
            for i in range(max(repeat, 3 * len(words))):
                w = words[i % len(words)]
                runs += timed(lambda w=w: store.search(w, limit=50), 1, cpu)
            like_word = words[0].strip('"*')
            # Two LIKE baselines: every match (a full scan: what ranking needs, and all a rare word
            # can do), and the 50 newest matches (stops early: the comparable one for frequent
            # words, which are listed newest first too; it cannot rank).
            like_all = timed(lambda lw=like_word: conn.execute(_LIKE_ALL, (f"%{lw}%",)).fetchall(), like_repeat)
            like_new = timed(lambda lw=like_word: conn.execute(_LIKE_NEWEST, (f"%{lw}%",)).fetchall(), like_repeat)
            med, all_med, new_med = statistics.median(runs), statistics.median(like_all), statistics.median(like_new)
            lines.append(
                f"  {label:20} ~{statistics.mean(hits):>9,.0f} hits  warm median {ms(med):>9} p95 {ms(p95(runs)):>9} "
                f"max {ms(max(runs)):>9} | cold median {ms(statistics.median(cold)):>9} p95 {ms(p95(cold)):>9} "
                f"max {ms(max(cold)):>9} | LIKE all {ms(all_med):>11} ({all_med / med:,.0f}x)"
                f"  LIKE newest 50 {ms(new_med):>10} ({new_med / med:,.1f}x)\n"
                f"  {'':20} {'':15} CPU: warm median {ms(statistics.median(cpu)):>9} p95 {ms(p95(cpu)):>9} "
                f"max {ms(max(cpu)):>9} | cold median {ms(statistics.median(cold_cpu)):>9} p95 {ms(p95(cold_cpu)):>9} "
                f"max {ms(max(cold_cpu)):>9}"
            )
            if len(words) > 1 and label.startswith("1-3"):
                lines.append("    per prefix, warm median (CPU): " + ", ".join(
                    f"{w} {ms(statistics.median(runs[i::len(words)]))} ({ms(statistics.median(cpu[i::len(words)]))})"
                    for i, w in enumerate(words)))
    return lines


def store_fts(word: str) -> str:
    from recbrowser.store.search import to_fts

    return to_fts(word)


PAGING_CASES = [
    ("newest first", CallFilter()),
    ("account, newest first", CallFilter(account="bench")),
    ("inbound, oldest first", CallFilter(direction="inbound", descending=False)),
    *((f"sorted by {sort}", CallFilter(sort=sort)) for sort in SORTS if sort != "start"),
    ("by agent, inbound only", CallFilter(sort="agent", direction="inbound")),
]


def bench_paging(store: Store, n: int, repeat: int) -> list[str]:
    """Keyset pages at depth 0 and 90%, and the jump to the middle (`cursors_at` + a page)."""
    depth = int(n * 0.9)
    lines = [f"keyset page of 100 calls at depth 0 and ~{depth:,}, and a jump to the middle ({repeat} runs each):"]
    for label, f in PAGING_CASES:
        total = store.count_calls(f)
        at = min(depth, total - 100)  # a filtered list is shorter: its own 90%
        [cursor] = store.cursors_at(f, range(at, at + 1))
        first = timed(lambda f=f: store.list_calls(f, limit=100), repeat)
        deep = timed(lambda f=f, c=cursor: store.list_calls(f, after=c, limit=100), repeat)
        assert len(store.list_calls(f, after=cursor, limit=100)[0]) == 100
        middle = total // 2
        jump = timed(lambda f=f, m=middle: store.list_calls(f, after=store.cursors_at(f, range(m, m + 1))[0], limit=200),
                     max(3, repeat // 5))
        lines.append(f"  {label:24} depth 0: median {ms(statistics.median(first))}, p95 {ms(p95(first))};"
                     f"  depth {at:,}: median {ms(statistics.median(deep))}, p95 {ms(p95(deep))};"
                     f"  jump to row {middle:,}: median {ms(statistics.median(jump))}")
    counted = timed(lambda: store.count_calls(CallFilter()), 5)
    lines.append(f"  count_calls (no filter, {n:,} calls): median {ms(statistics.median(counted))}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 calls (0.01 = 10,000)")
    ap.add_argument("--dir", type=Path, default=None, help="where to write the two databases (default: a temp folder)")
    ap.add_argument("--repeat", type=int, default=50, help="runs per search/paging measurement")
    ap.add_argument("--skip-bare", action="store_true", help="skip the bare-sqlite3 ingest (no ingest ratio)")
    ap.add_argument("--paging-only", type=Path, default=None, metavar="DATABASE",
                    help="only the paging figures, on an existing cache (e.g. one made by gen_data.py)")
    ap.add_argument("--search-only", type=Path, default=None, metavar="DATABASE",
                    help="only the search figures, on an existing cache (e.g. one made by gen_data.py)")
    ap.add_argument("--ingest-runs", type=int, default=3, help="ingests (store and bare, interleaved): the median ratio")
    args = ap.parse_args()
    if args.paging_only:
        with Store.open(args.paging_only) as store:
            n = store.count_calls(CallFilter())
            print(f"paging on {args.paging_only}: {n:,} calls, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
                  f"SQLite {sqlite3.sqlite_version}", flush=True)
            for _label, f in PAGING_CASES:  # warm the page cache the way an open app has it
                store.list_calls(f, limit=100)
            print("\n".join(bench_paging(store, n, args.repeat)), flush=True)
        return
    if args.search_only:
        with Store.open(args.search_only) as store:
            n = store.count_calls(CallFilter())
        print(f"search on {args.search_only}: {n:,} calls, {describe(args.search_only)}, "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, SQLite {sqlite3.sqlite_version}, load {os.getloadavg()[0]:.1f}",
              flush=True)
        print("\n".join(bench_search(args.search_only, 5 * n, args.repeat, like_repeat=3)), flush=True)
        print(f"load {os.getloadavg()[0]:.1f}")
        return
    n = max(PAGE, int(1_000_000 * args.scale))
    folder = Path(args.dir or tempfile.mkdtemp(prefix="recbrowser-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    print(f"recbrowser store benchmark, {started:%Y-%m-%d %H:%M} UTC, scale {args.scale} = {n:,} calls, "
          f"{5 * n:,} segments; {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, load {os.getloadavg()[0]:.1f}")
    ratios, cpu_ratios = [], []
    for run in range(1, max(1, args.ingest_runs) + 1):
        for name in ("store.sqlite3", "bare.sqlite3"):
            for p in folder.glob(name + "*"):
                p.unlink()
        t_store, t_bare, c_store, c_bare = ingest(folder, n, not args.skip_bare)
        out = [f"ingest run {run} via Store.upsert_calls (pages of {PAGE:,}, one transaction each): "
               f"{n / t_store:,.0f} calls/s ({5 * n / t_store:,.0f} segments/s), {t_store:.1f} s (CPU {c_store:.1f} s)"]
        if t_bare is not None:
            ratios.append(t_bare / t_store)
            cpu_ratios.append(c_bare / c_store)
            out.append(f"  via bare sqlite3 executemany (one transaction): {n / t_bare:,.0f} calls/s, {t_bare:.1f} s "
                       f"(CPU {c_bare:.1f} s); ratio store / bare {ratios[-1]:.2f} (CPU {cpu_ratios[-1]:.2f}); "
                       f"load {os.getloadavg()[0]:.1f}")
            for p in folder.glob("bare.sqlite3*"):
                p.unlink()
        print("\n".join(out), flush=True)
    if ratios:
        print(f"ingest ratio store / bare, median of {len(ratios)}: {statistics.median(ratios):.2f} "
              f"(runs: {', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.8); by CPU time "
              f"{statistics.median(cpu_ratios):.2f} ({', '.join(f'{r:.2f}' for r in cpu_ratios)})", flush=True)
    print(f"database: {describe(folder / 'store.sqlite3')}", flush=True)
    # Searches and pages run on connections of their own, as in the app (the UI never
    # reads through the sync worker's connection).
    print("\n".join(bench_search(folder / "store.sqlite3", 5 * n, args.repeat, like_repeat=3)), flush=True)
    with Store.open(folder / "store.sqlite3") as store:
        print("\n".join(bench_paging(store, n, args.repeat)), flush=True)
    if args.dir is None:
        shutil.rmtree(folder, ignore_errors=True)


def describe(path: Path) -> str:
    """Schema version and size on disk (the file and its WAL)."""
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if ".bak-" not in p.name)
    return f"schema v{version}, {size / 1e6:,.0f} MB"


if __name__ == "__main__":
    main()
