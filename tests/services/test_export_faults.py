"""Exports that are killed, interrupted or run out of disk: a re-run finishes, nothing looks
complete that is not. The export runs in a subprocess where the fault needs a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from support.export_helpers import check_round_trip, export, leftovers, refs_of, synced
from support.own_mounts import mount_tmpfs, resize_tmpfs, with_own_mounts

from recbrowser.errors import UserFacingError

RUNNER = r"""
import json, resource, sys, time
from pathlib import Path
from recbrowser.errors import UserFacingError
from recbrowser.services.export import ExportOptions, run_export
from recbrowser.store import Store

db, media, dest, audio, delay, fsize = sys.argv[1:7]
if int(fsize):
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(fsize), int(fsize)))
refs = json.loads(sys.argv[7])
store = Store.open(db)
try:
    s = run_export(store, refs, Path(dest), ExportOptions(audio=audio, workers=1, transcripts=("txt", "json")),
                   media_root=Path(media), progress=lambda p: time.sleep(float(delay)))
except UserFacingError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
print(len(s.exported), len(s.skipped), len(s.failed))
"""


def warm_cache(store, yeastar, data_dir, tmp_path):
    """Sync and download everything, so the subprocess needs no network and no keyring."""
    synced(store, yeastar)
    export(store, yeastar, data_dir, tmp_path / f"warm-{uuid.uuid4().hex[:6]}", transcripts=())
    return refs_of(store)


def start(data_dir, dest, refs, audio="original", delay=0.0, fsize=0):
    p = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(data_dir.database), str(data_dir.media), str(dest), audio, str(delay), str(fsize),
         json.dumps(refs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    return p


def rows_done(dest) -> int:
    journal = dest.with_name(dest.name + ".partial") / ".recbrowser-export.jsonl"
    if not journal.exists():
        return 0
    return sum(1 for line in journal.read_text().splitlines() if line.startswith('{"row"'))


@pytest.mark.parametrize("name", ["killed", "killed.zip"])
def test_resume_after_sigkill_finishes_without_duplicates(store, yeastar, data_dir, tmp_path, name):
    refs = warm_cache(store, yeastar, data_dir, tmp_path)
    dest = tmp_path / name
    proc = start(data_dir, dest, refs, audio="mp3", delay=0.3)
    deadline = time.monotonic() + 30
    while rows_done(dest) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, f"the export ended before it could be killed: {proc.stderr.read()}"
    os.kill(proc.pid, signal.SIGKILL)  # the export, mid-way; its conversion workers live on a moment
    proc.wait(10)
    assert not dest.exists()  # nothing half-done under the final name
    done_before = rows_done(dest)
    summary = export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("txt", "json"))
    assert len(summary.skipped) == done_before and not summary.failed
    assert len(summary.skipped) + len(summary.exported) == len(refs)
    manifest = check_round_trip(store, dest, "mp3")  # every file listed once, every checksum right
    assert sorted(r["ref"] for r in manifest["calls"]) == sorted(refs)
    assert [p for p in leftovers(tmp_path) if "warm" not in p] == []
    with __import__("contextlib").suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # orphaned workers, if any are still around


def test_file_size_limit_stops_with_one_sentence_and_a_rerun_finishes(store, yeastar, data_dir, tmp_path):
    refs = warm_cache(store, yeastar, data_dir, tmp_path)
    dest = tmp_path / "limited"
    proc = start(data_dir, dest, refs, fsize=150_000)  # every recording is bigger: EFBIG
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert "is full" in err and err.strip().count("\n") == 0
    assert not dest.exists() and not list(tmp_path.rglob("*.part"))
    summary = export(store, yeastar, data_dir, dest, transcripts=("txt", "json"))
    assert not summary.failed and len(summary.skipped) + len(summary.exported) == len(refs)
    check_round_trip(store, dest, "wav", "original")
    assert [p for p in leftovers(tmp_path) if "warm" not in p] == []


@with_own_mounts
def test_full_disk_stops_cleanly_and_a_rerun_after_freeing_space_finishes(store, yeastar, data_dir, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mount_tmpfs(small, "1m")
    try:
        refs = warm_cache(store, yeastar, data_dir, tmp_path)
        for dest in (small / "out", small / "out.zip"):
            with pytest.raises(UserFacingError, match="is full: free some space"):
                export(store, yeastar, data_dir, dest, transcripts=("txt",))
            assert not dest.exists() and not list(small.rglob("*.part"))
            subprocess.run(["rm", "-rf", str(dest.with_name(dest.name + ".partial"))], check=True)
        resize_tmpfs(small, "64m")
        with pytest.raises(UserFacingError, match="is full"):
            resize_tmpfs(small, "1m")
            export(store, yeastar, data_dir, small / "again", transcripts=("txt",))
        resize_tmpfs(small, "64m")
        summary = export(store, yeastar, data_dir, small / "again", transcripts=("txt",))
        assert summary.skipped and not summary.failed  # what fitted before is kept and checked
        check_round_trip(store, small / "again", "wav", "original")
        assert sorted(r["ref"] for r in json.loads((small / "again" / "manifest.json").read_text())["calls"]) == sorted(refs)
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)
