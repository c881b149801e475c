"""First paint of the window on a team archive of a million calls, beside the same on SQLite.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_team_first_paint.py [--dir /work/bench-data-pg] [--runs 5]

On the data set of benchmarks/team_pg_data.py (built first if missing): the same 1,000,000
calls in a SQLite cache (DIR/sqlite, a data folder) and in PostgreSQL, read as a supervisor
granted the five accounts (row-level security). Each run is a fresh process of
benchmarks/ui_window_probe.py (the real MainWindow, offscreen, staged as the app starts it),
alternating SQLite and the archive so load on the machine hits both alike; printed: the medians
of process start to the first paint with the calls on it, and the probe's own split (imports,
building the window, the list's first paint). Then what the window's first screen asks of the
store, timed alone on each: the first count and the first page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ui import merged, probe  # noqa: E402
from team_pg_data import DIR, PASSWORD, READER, open_data  # noqa: E402

from recbrowser.store import Store  # noqa: E402
from recbrowser.store.postgres.store import PgStore  # noqa: E402
from recbrowser.store.records import CallFilter  # noqa: E402


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ms (runs {[round(v * 1000) for v in values]})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, default=DIR)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    server, figures = open_data(args.dir)
    try:
        url = server.db("archive", READER, PASSWORD)
        team_env = {**env, "RECBROWSER_BENCH_TEAM_URL": url}
        team_home = tempfile.mkdtemp(prefix="bench-team-window-")  # settings and logs; the calls are in PostgreSQL
        print(f"first paint on {figures['calls']:,} calls ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f})", flush=True)
        walls: dict[str, list[float]] = {"sqlite": [], "team": []}
        splits: dict[str, list[tuple[float, float, float]]] = {"sqlite": [], "team": []}
        for _ in range(args.runs):
            for kind, e, folder in (("sqlite", env, str(args.dir / "sqlite")), ("team", team_env, team_home)):
                wall, lines = probe(e, "window", folder)
                r = merged(lines)
                if not r.get("painted"):
                    raise SystemExit(f"the {kind} window never painted: {lines}")
                walls[kind].append(wall)
                splits[kind].append((r["imported_s"], r["built_s"] - r["imported_s"], r["painted_s"] - r["built_s"]))
        for kind, label in (("sqlite", "SQLite cache"), ("team", "team archive (PostgreSQL, RLS)")):
            imp, built, painted = (statistics.median(s[i] for s in splits[kind]) * 1000 for i in range(3))
            print(f"  {label:<32} start to first paint {ms(walls[kind])}; imports {imp:.0f} ms, building the "
                  f"window {built:.0f} ms, the list's first paint {painted:.0f} ms", flush=True)
        ratio = statistics.median(walls["team"]) / statistics.median(walls["sqlite"])
        print(f"  team / SQLite: {ratio:.2f}x (load {os.getloadavg()[0]:.2f})")
        f = CallFilter()
        with PgStore.open(url) as pg, Store.open(args.dir / "sqlite" / "recbrowser.sqlite3") as lite:
            for label, fn in (("first count", lambda s: s.count_calls(f)),
                              ("first page (200 rows)", lambda s: s.list_calls(f, limit=200))):
                out = []
                for store in (lite, pg):
                    times = []
                    for _ in range(10):
                        t = time.perf_counter()
                        fn(store)
                        times.append(time.perf_counter() - t)
                    out.append(statistics.median(times) * 1000)
                print(f"  {label}: SQLite {out[0]:.1f} ms, team archive {out[1]:.1f} ms (medians of 10)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
