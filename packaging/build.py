"""Build the one-folder app with PyInstaller: `./run package` (or `make package`).

    ./run package [--dist DIR] [--work DIR] [--tar]

Writes DIR/recbrowser/ (default dist/recbrowser/: run dist/recbrowser/recbrowser), prints its
size, and with --tar also packs it as DIR/recbrowser-VERSION-linux-x86_64.tar.gz for users.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "recbrowser.spec"


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) of a folder, symlinks not followed."""
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def build(dist: Path, work: Path, quiet: bool = False) -> Path:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(dist),
           "--workpath", str(work), "--log-level", "WARN", str(SPEC)]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL if quiet else None)
    return dist / "recbrowser"


def pack(bundle: Path) -> Path:
    arch = platform.machine().lower()
    name = f"recbrowser-{version()}-{sys.platform.rstrip('0123456789')}-{arch}"
    out = bundle.parent / f"{name}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=name)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the app folder goes (default dist/)")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's scratch folder")
    p.add_argument("--tar", action="store_true", help="also pack the folder as a .tar.gz")
    args = p.parse_args()
    start = time.monotonic()
    try:
        bundle = build(args.dist.resolve(), args.work.resolve())
    except subprocess.CalledProcessError as e:
        print(f"package: PyInstaller failed (exit {e.returncode}); its messages are above.", file=sys.stderr)
        return 1
    size, files = folder_size(bundle)
    print(f"built {bundle} in {time.monotonic() - start:.0f} s: {size / 1e6:.0f} MB in {files} files; "
          f"run {bundle / 'recbrowser'}")
    if args.tar:
        out = pack(bundle)
        print(f"packed {out} ({out.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
