"""How responsive the window is: during a sync, and on a big cache.

Sync (default): starts `recbrowser emulate --calls N` in its own process, then runs
benchmarks/ui_gap_probe.py (the real MainWindow, offscreen, syncing from it) a few times and
prints the longest and the 99th-percentile gap between 10 ms ticks of the UI thread.

    QT_QPA_PLATFORM=offscreen RECBROWSER_MAX_RPS=0 .venv/bin/python benchmarks/bench_ui.py [--calls 20000] [--runs 3]

Big cache (`--cache DATA_DIR`, made by `benchmarks/gen_data.py DATA_DIR --calls 1000000`),
each measurement in a fresh process:

  - time to the first painted window: `python -m recbrowser --data-dir DATA_DIR`, as a user
    starts it, to its "window shown" log line (the first paint with the calls on it), against
    `ui_window_probe.py empty`, a bare PySide6 QMainWindow, to its first paint (alternating
    runs, medians, ratio);
  - through benchmarks/ui_window_probe.py: where the window's own start-up time goes; resident
    memory once settled, against the same window on an empty cache;
  - dragging the scrollbar to the middle (and elsewhere), against walking keyset pages there
    as the model did before;
  - search as you type: for every search (words typed a key every 80 ms, one- to three-letter
    prefixes, words typed key by key with a pause after each key), the time from the end of
    the typing pause (last key + the 250 ms debounce) to the first screen of hits painted,
    each sample and the slowest; and the search alone (`--search-only`: just this, --runs times);
  - PageDown from the first call to the last, each press painted;
  - jumps in filtered lists: how long the UI thread is held, and how long until the rows are painted.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py --cache DATA_DIR [--runs 5] [--no-pagedown]
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py --cache DATA_DIR --search-only [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = Path(__file__).resolve().parent / "ui_gap_probe.py"
WINDOW_PROBE = Path(__file__).resolve().parent / "ui_window_probe.py"


def probe(env: dict, *args: str) -> tuple[float, list[dict]]:
    """Run ui_window_probe.py; (seconds from start to its "painted" line, all its JSON lines)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(WINDOW_PROBE), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    lines, painted = [], 0.0
    for line in proc.stdout:
        if line.startswith("{"):
            lines.append(json.loads(line))
            if lines[-1].get("painted"):
                painted = time.perf_counter() - started
    proc.wait(3600)
    return painted, lines


def real_start(env: dict, folder: Path) -> float:
    """Seconds from starting `python -m recbrowser --data-dir FOLDER` (what a user runs) to its
    "window shown" log line, written as the first paint with the calls on it returns."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "recbrowser", "--data-dir", str(folder), "--verbose"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    shown = 0.0
    for line in proc.stderr:
        if "window shown:" in line:
            shown = time.perf_counter() - started
            break
    proc.terminate()
    proc.wait(60)
    if not shown:
        raise SystemExit("recbrowser never logged 'window shown'")
    return shown


def merged(lines: list[dict]) -> dict:
    out: dict = {}
    for line in lines:
        out.update(line)
    return out


def print_search(r: dict) -> None:
    print(f"search as you type ({r['search_words']} searches: words typed a key every 80 ms, prefixes, and words typed "
          f"key by key with a pause after each): end of the typing pause to the first screen of hits painted (the "
          f"newest hits while a slow ranking runs, else the ranked ones): max "
          f"{r['search_max_ms']} ms ({r['search_max_word']}), median {r['search_median_ms']} ms, p95 {r['search_p95_ms']} ms; "
          f"the first search after start-up {r['search_first_ms']} ms; the search alone median {r['search_only_median_ms']} "
          f"ms, p95 {r['search_only_p95_ms']} ms, max {r['search_only_max_ms']} ms (target: every search <= 150 ms)", flush=True)
    print("  every sample, ms (the ranking search in its worker; pause end to the ranked hits painted): "
          + ", ".join(f"{w} {ms} ({sx}; {p})" for w, ms, sx, p in r["search_samples"]), flush=True)


def search_only(args, env: dict) -> None:
    """Only search as you type, each run in a fresh window process (its first search is cold)."""
    worst = []
    for run in range(1, args.runs + 1):
        _t, lines = probe(env, "window", str(args.cache), "--tasks", "search")
        r = merged(lines)
        print(f"run {run} (load {os.getloadavg()[0]:.1f}):", flush=True)
        print_search(r)
        worst.append(r["search_max_ms"])
    print(f"slowest search of each run: {worst} ms (target: every search <= 150 ms)", flush=True)


def big_cache(args, env: dict) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from recbrowser.paths import data_dir, ensure
    from recbrowser.store import CallFilter, Store

    with Store.open(data_dir(args.cache).database) as store:
        calls = store.count_calls(CallFilter())
    print(f"scale: {calls:,} cached calls in {args.cache}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    empty_cache = ensure(data_dir(tempfile.mkdtemp(prefix="recbrowser-empty-")))
    Store.open(empty_cache.database).close()
    bare, ours, rss_big, rss_empty, phases = [], [], [], [], []
    for _ in range(args.runs):  # alternating, so load on the machine hits both alike
        bare.append(probe(env, "empty")[0])
        ours.append(real_start(env, args.cache))
        _t, lines = probe(env, "window", str(args.cache))
        r = merged(lines)
        phases.append((r["imported_s"], r["built_s"] - r["imported_s"], r["painted_s"] - r["built_s"]))
        rss_big.append(r["settled_rss_mb"])
        rss_empty.append(merged(probe(env, "window", str(empty_cache.root))[1])["settled_rss_mb"])
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"first painted window: `python -m recbrowser` on {calls:,} calls {o * 1000:.0f} ms, "
          f"empty QMainWindow {b * 1000:.0f} ms "
          f"(medians of {args.runs}): ratio {o / b:.2f} (target <= 1.5)", flush=True)
    print(f"  runs: ours {[round(x * 1000) for x in ours]} ms, bare {[round(x * 1000) for x in bare]} ms", flush=True)
    imp, built, painted = (statistics.median(p[i] for p in phases) * 1000 for i in range(3))
    print(f"  the window alone (ui_window_probe.py, its own clock, medians): imports {imp:.0f} ms, building it {built:.0f} ms, "
          f"first paint of the list {painted:.0f} ms", flush=True)
    rb, re_ = statistics.median(rss_big), statistics.median(rss_empty)
    print(f"resident memory, settled: {rb:.0f} MB on {calls:,} calls, {re_:.0f} MB on an empty cache: "
          f"+{rb - re_:.0f} MB (target <= +60 MB)", flush=True)
    tasks = "jump,search" + ("" if args.no_pagedown else ",pagedown") + ",jump_filtered"
    _t, lines = probe(env, "window", str(args.cache), "--tasks", tasks)
    r = merged(lines)
    print(f"jump (scrollbar to the middle, painted): {r['jump_middle_ms']} ms; 7 places: median {r['jump_median_ms']} ms, "
          f"max {r['jump_max_ms']} ms; walking keyset pages of 200 to the middle (before): {r['walk_to_middle_ms']:,.0f} ms")
    print_search(r)
    if "pagedown_s" in r:
        print(f"PageDown top to bottom: {r['pagedown_presses']:,} presses in {r['pagedown_s']:,.1f} s "
              f"({r['pagedown_mean_ms']} ms a press, slowest {r['pagedown_max_ms']} ms), {r['queries']:,} queries")
    print(f"memory after all that: {r['final_rss_mb']:.0f} MB, {r['fetched_rows']:,} rows held; load {os.getloadavg()[0]:.1f}")
    for j in (line for line in lines if "jump_filtered" in line):
        print(f"jump in a filtered list ({j['jump_filtered']}, {j['rows']:,} calls; 7 places): UI thread held at most "
              f"{j['held_max_ms']} ms (median {j['held_median_ms']}); rows painted after median {j['shown_median_ms']} ms, "
              f"max {j['shown_max_ms']} ms ({j['background_reads']} blocks read by a worker)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=None, help="a data folder made by gen_data.py: the big-cache figures")
    ap.add_argument("--no-pagedown", action="store_true", help="skip the PageDown run (minutes at 1,000,000 calls)")
    ap.add_argument("--search-only", action="store_true", help="with --cache: only search as you type, --runs times")
    args = ap.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "RECBROWSER_MAX_RPS": "0"}
    if args.cache and args.search_only:
        search_only(args, env)
        return
    if args.cache:
        big_cache(args, env)
        return
    print(f"scale: {args.calls:,} calls synced by the window from an emulator in another process, {os.cpu_count()} cores")
    for run in range(1, args.runs + 1):
        emu = subprocess.Popen([sys.executable, "-m", "recbrowser", "emulate", "--calls", str(args.calls)],
                               stdout=subprocess.PIPE, text=True, env=env)
        try:
            info = json.loads(emu.stdout.readline())["emulators"][0]
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run([sys.executable, str(PROBE), tmp, json.dumps(info)], env=env,
                                     capture_output=True, text=True, timeout=600)
        finally:
            emu.terminate()
            emu.wait(10)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        load = os.getloadavg()[0]
        print(f"run {run}: {result['calls']:,} calls, {result['ticks']} ticks, longest gap {result['max_gap']} ms, "
              f"p99 {result['p99_gap']} ms, rows read into the model {result['fetched']:,}, load {load:.1f}")


if __name__ == "__main__":
    main()
