"""How responsive the window stays while it syncs 20,000 calls.

Starts `recbrowser emulate --calls N` in its own process, then runs benchmarks/ui_gap_probe.py
(the real MainWindow, offscreen, syncing from it) a few times and prints the longest and the
99th-percentile gap between 10 ms ticks of the UI thread, with the machine's load.

    QT_QPA_PLATFORM=offscreen RECBROWSER_MAX_RPS=0 .venv/bin/python benchmarks/bench_ui.py [--calls 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = Path(__file__).resolve().parent / "ui_gap_probe.py"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "RECBROWSER_MAX_RPS": "0"}
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
