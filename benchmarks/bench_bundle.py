"""The PyInstaller bundle: build time, size, and start time against running from source.

Builds the bundle into a temporary folder (or takes --bundle DIR/recbrowser), prints its size
and file count with the largest parts, then times `--help` and `--demo --screenshot` (offscreen)
for the bundle and for the source checkout's `.venv/bin/recbrowser`, interleaved run by run so
machine load hits both alike. "Cold" runs first evict the files each way of running reads
(the bundle folder; the venv, the sources and Python's standard library) from the page cache
with posix_fadvise, the nearest to a first start after boot without dropping every cache on
the machine; "warm" is the median of the runs after that.

    .venv/bin/python benchmarks/bench_bundle.py [--runs 5] [--bundle dist/recbrowser/recbrowser]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
from build import build, folder_size  # noqa: E402


def evict(*folders: Path) -> None:
    """Drop these files' pages from the page cache (clean pages only; nothing else is touched)."""
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                if path.is_file() and not path.is_symlink():
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    finally:
                        os.close(fd)
            except OSError:
                continue


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def largest_parts(bundle_dir: Path) -> str:
    internal = bundle_dir / "_internal"
    groups = {"ffmpeg (imageio-ffmpeg)": internal / "imageio_ffmpeg", "Qt + PySide6": internal / "PySide6"}
    sizes = {name: folder_size(path)[0] for name, path in groups.items()}
    total = folder_size(bundle_dir)[0]
    sizes["Python, other libraries, recbrowser"] = total - sum(sizes.values())
    return ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in sizes.items())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5, help="warm demo runs per way of running (4x as many --help)")
    ap.add_argument("--bundle", type=Path, help="an existing bundle's executable instead of building one")
    args = ap.parse_args()
    source = ROOT / ".venv" / "bin" / "recbrowser"
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        if args.bundle:
            app = args.bundle.resolve()
        else:
            start = time.perf_counter()
            app = build(Path(tmp) / "dist", Path(tmp) / "work", quiet=True) / "recbrowser"
            print(f"build: {time.perf_counter() - start:.0f} s (./run package; {os.cpu_count()} cores, "
                  f"load average {os.getloadavg()[0]:.1f})")
        size, files = folder_size(app.parent)
        print(f"bundle: {size / 1e6:.0f} MB in {files} files ({largest_parts(app.parent)})")

        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        stdlib = [Path(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")]
        reads = {"bundle": [app.parent], "source": [ROOT / ".venv", ROOT / "recbrowser", *stdlib]}
        ways = {"bundle": [str(app)], "source": [str(source)]}
        shots = Path(tmp) / "shots"

        def command(way: str, what: str, run: int) -> list[str]:
            if what == "--help":
                return [*ways[way], "--help"]
            data = shots / f"{way}-{run}"
            return [*ways[way], "--data-dir", str(data), "--demo", "--screenshot", str(data / "shot.png")]

        results: dict[tuple[str, str, str], list[float]] = {}
        for what in ("--help", "--demo --screenshot"):
            for way in ways:  # cold: each way's files evicted right before its first run
                evict(*reads[way])
                results[(way, what, "cold")] = [timed(command(way, what, 0), env)]
            for run in range(1, (args.runs * 4 if what == "--help" else args.runs) + 1):  # --help is cheap
                for way in ways:
                    results.setdefault((way, what, "warm"), []).append(timed(command(way, what, run), env))

    print(f"\nstart times: median of {args.runs * 4} warm runs of --help, {args.runs} of the demo; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':<22}{'run':<6}{'bundle s':>10}{'source s':>10}{'bundle/source':>15}")
    for what in ("--help", "--demo --screenshot"):
        for kind in ("cold", "warm"):
            b = statistics.median(results[("bundle", what, kind)])
            s = statistics.median(results[("source", what, kind)])
            print(f"{what:<22}{kind:<6}{b:>10.2f}{s:>10.2f}{b / s:>15.2f}")


if __name__ == "__main__":
    main()
