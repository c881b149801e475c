"""A cached recording is checked against the SHA-256 recorded at download: a damaged one is
fetched again (download, export), `show` and `calls` say so; `download --to DIR` never
replaces a file and says one sentence when it cannot write. Real keyring, emulator, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.cli_helpers import run, set_args


def _ready(capsys, monkeypatch, yeastar, name) -> tuple[str, Path]:
    """An account synced, one call's recording downloaded into the cache: (ref, cached file)."""
    code, _, err = run(capsys, "accounts", "add", "yeastar", "--name", name, *set_args(yeastar.account_settings()),
                       "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    ref = next(c["ref"] for c in json.loads(out)["calls"] if c["audio"] == "at provider")
    code, out, err = run(capsys, "download", ref)
    assert code == 0 and out.rstrip().endswith("downloaded"), err
    return ref, Path(out.split("\t")[1])


def _flip_a_byte(path: Path) -> bytes:
    good = path.read_bytes()
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF  # same size: only the checksum can tell
    path.write_bytes(bytes(damaged))
    return good


def test_a_damaged_recording_is_shown_as_damaged_and_fetched_again(capsys, monkeypatch, data_dir, yeastar, account_name):
    ref, cached = _ready(capsys, monkeypatch, yeastar, account_name)
    good = _flip_a_byte(cached)
    code, out, _ = run(capsys, "show", ref)
    assert code == 0 and "damaged" in out and f"recbrowser download {ref}" in out
    code, out, _ = run(capsys, "show", ref, "--json")
    assert [m["state"] for m in json.loads(out)["media"]] == ["damaged"]
    code, out, err = run(capsys, "download", ref)
    assert code == 0, err
    assert out.rstrip().endswith("\tdownloaded") and Path(out.split("\t")[1]) == cached  # not "already in the cache"
    assert cached.read_bytes() == good
    code, out, _ = run(capsys, "show", ref, "--json")
    assert [m["state"] for m in json.loads(out)["media"]] == ["ok"]
    assert not [p for p in cached.parent.iterdir() if p != cached]  # no second copy, no .part left


def test_calls_says_damaged_when_a_cached_file_changed_size_or_missing_when_it_is_gone(capsys, monkeypatch, data_dir,
                                                                                    yeastar, account_name):
    ref, cached = _ready(capsys, monkeypatch, yeastar, account_name)

    def audio() -> str:
        _, out, _ = run(capsys, "calls", "--json", "--limit", "500")
        return next(c["audio"] for c in json.loads(out)["calls"] if c["ref"] == ref)

    assert audio() == "downloaded"
    with open(cached, "ab") as f:
        f.write(b"junk")
    assert audio() == "damaged"
    _, out, _ = run(capsys, "calls", "--limit", "500")
    assert any(ref in line and "damaged" in line for line in out.splitlines())
    cached.unlink()
    assert audio() == "missing"


def test_export_fetches_a_damaged_recording_again(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    ref, cached = _ready(capsys, monkeypatch, yeastar, account_name)
    good = _flip_a_byte(cached)
    code, out, err = run(capsys, "export", ref, "--to", str(tmp_path / "out"), "--audio", "original", "--transcripts", "none")
    assert code == 0 and "1 exported" in out and "0 failed" in out, (out, err)
    exported = [p for p in (tmp_path / "out").iterdir() if p.suffix == cached.suffix]
    assert [p.read_bytes() for p in exported] == [good] and cached.read_bytes() == good


def test_download_to_never_replaces_a_file_it_did_not_write(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    ref, cached = _ready(capsys, monkeypatch, yeastar, account_name)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    mine = out_dir / cached.name
    mine.write_bytes(b"the supervisor's own file")
    code, out, err = run(capsys, "download", ref, "--to", str(out_dir))
    assert code == 0, err
    stem, ext = cached.name.rsplit(".", 1)
    copy = out_dir / f"{stem}_2.{ext}"
    assert Path(out.split("\t")[1]) == copy and copy.read_bytes() == cached.read_bytes()
    assert mine.read_bytes() == b"the supervisor's own file"
    # Again: the copy it made is the same file, so nothing new (no _3).
    code, out, err = run(capsys, "download", ref, "--to", str(out_dir))
    assert code == 0 and Path(out.split("\t")[1]) == copy, err
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([mine.name, copy.name])


def test_download_to_a_file_says_so_in_one_sentence(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    ref, _ = _ready(capsys, monkeypatch, yeastar, account_name)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    for target in (a_file, a_file / "sub"):
        code, out, err = run(capsys, "download", ref, "--to", str(target))
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and "Traceback" not in err, err
        assert "is a file, not a folder" in lines[0] or "part of that path is a file" in lines[0]
    assert a_file.read_text() == "keep me"


RUNNER = r"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
from recbrowser.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_download_to_a_full_disk_says_so_and_leaves_nothing_half_written(capsys, monkeypatch, data_dir, yeastar,
                                                                        account_name, tmp_path):
    ref, cached = _ready(capsys, monkeypatch, yeastar, account_name)
    limit = cached.stat().st_size // 2
    assert limit > 40_000  # above what opening the cache writes (its -shm file is 32 KB)
    out_dir = tmp_path / "out"
    r = subprocess.run([sys.executable, "-c", RUNNER, str(limit), "download", ref, "--to", str(out_dir)],
                       capture_output=True, text=True, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert any("is full: free some space" in line for line in lines), r.stderr
    assert list(out_dir.iterdir()) == []  # no truncated file under the final name, no temporary file
