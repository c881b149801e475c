"""Download points of issue 7 beyond the basics: progress, per-host limit, cache size, full disk."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from support.export_helpers import synced
from support.yeastar_helpers import all_calls, provider_for

from recbrowser.domain import Account, Call, Recording
from recbrowser.emulators.server import EmulatorServer, send_media
from recbrowser.providers.base import MediaSource
from recbrowser.providers.http import HttpClient
from recbrowser.services import downloads
from recbrowser.services.downloads import download_call, media_cache_size


def test_progress_reports_bytes_rate_and_ends_at_the_total(store, yeastar, data_dir):
    account = synced(store, yeastar)
    row = next(r for r in all_calls(store) if r.has_audio)
    call = store.get_call(account.name, row.provider_id)
    seen = []
    provider = provider_for(account, yeastar)
    download_call(store, account, provider, call, data_dir.media, progress=seen.append)
    provider.close()
    last = seen[-1]
    assert last.done == last.total == call.recordings[0].size and last.rate > 0 and last.eta_s == 0
    files, size = media_cache_size(data_dir.media)
    assert files == 1 and size == call.recordings[0].size


class Overlap:
    """Holds each answer until two are held at once (then lets every answer through), counting
    the most held together: downloads that never overlap would show a peak of 1, with no clock.
    `total` answers in all: the last ones need no partner."""

    def __init__(self, total: int) -> None:
        self.total, self.held, self.done, self.peak = total, 0, 0, 0
        self._cv = threading.Condition()

    def hold(self, _seconds: float = 0) -> None:
        with self._cv:
            self.held += 1
            self.peak = max(self.peak, self.held)
            self._cv.notify_all()
            self._cv.wait_for(lambda: self.peak >= 2 or self.done + self.held >= self.total, timeout=10)
            self.held -= 1
            self.done += 1
            self._cv.notify_all()


class _Slow(EmulatorServer):
    """Serves the same bytes, holding answers until they overlap, and counts how many run at once."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.active = self.peak = 0
        self.overlap = Overlap(total)
        self.route("GET", "/m/", self._media, prefix=True)

    def _media(self, req) -> None:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        self.overlap.hold()
        send_media(req.handler, b"RIFF" + bytes(4000), "audio/wav")
        with self._lock:
            self.active -= 1


class _Provider:
    name = "bench"

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = HttpClient(provider="t", account="t", per_host_rate=0)

    def resolve_media(self, call, rec):
        return MediaSource(f"{self.base}/m/{rec.provider_id}", file_name=rec.file_name, size=4004)


def test_downloads_to_one_host_are_limited_per_host(store, data_dir):
    from recbrowser.store import Store

    account = store.add_account(Account(name="many", provider="yeastar", settings={}))
    calls = [Call(provider_id=f"c{i}", start_ms=i, has_audio=True,
                  recordings=[Recording(f"r{i}", file_name=f"r{i}.wav", format="wav", size=4004)]) for i in range(10)]
    store.upsert_calls(account.id, calls)
    with _Slow(total=len(calls)) as emu:
        provider = _Provider(emu.base_url)
        errors = []

        def fetch(call):
            try:
                with Store.open(data_dir.database) as own:
                    download_call(own, account, provider, call, data_dir.media)
            except Exception as e:  # collected and asserted below
                errors.append(e)

        threads = [threading.Thread(target=fetch, args=(store.get_call("many", c.provider_id),)) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        provider.http.close()
    assert not errors, errors
    assert 2 <= emu.peak <= downloads.PER_HOST


RUNNER = r"""
import json, resource, sys
from pathlib import Path
from recbrowser.errors import UserFacingError
from recbrowser.services.accounts import open_provider
from recbrowser.services.downloads import download_call
from recbrowser.store import Store

db, media, ref, secrets = sys.argv[1:5]
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
store = Store.open(db)
account = store.account(ref.split("/")[0])
call = store.get_call(*ref.split("/", 1))
try:
    download_call(store, account, open_provider(account, json.loads(secrets)), call, Path(media))
except UserFacingError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
"""


def test_a_full_disk_during_a_download_leaves_nothing_that_looks_complete(store, yeastar, data_dir):
    account = synced(store, yeastar)
    row = next(r for r in all_calls(store) if r.has_audio)
    r = subprocess.run([sys.executable, "-c", RUNNER, str(data_dir.database), str(data_dir.media), row.ref,
                        json.dumps(yeastar.secrets())], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "is full: free some space" in r.stderr, r.stderr
    assert list((data_dir.media / account.name).iterdir()) == []
    assert store.media_for_call(account.name, row.provider_id) == []


def test_export_downloads_the_next_calls_ahead_in_parallel(store, data_dir, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from support.export_helpers import export, refs_of

    from recbrowser.emulators import server as server_module
    from recbrowser.emulators.yeastar import YeastarEmulator

    with YeastarEmulator(calls=12, seed=7) as emu:
        synced(store, emu)
        recorded = [r.ref for r in all_calls(store) if r.has_audio]
        # Every recording's answer pauses (the slow fault) in Overlap.hold: one download at a
        # time could never have two paused together.
        overlap = Overlap(total=len(recorded))
        monkeypatch.setattr(server_module, "time", SimpleNamespace(sleep=overlap.hold, time=time.time, monotonic=time.monotonic))
        emu.add_fault("slow:seconds=0.5,times=0,path=/api/download")
        summary = export(store, emu, data_dir, tmp_path / "out", transcripts=())
    assert not summary.failed and len(summary.exported) == len(refs_of(store))
    assert len(recorded) >= 5 and overlap.done == len(recorded)
    assert overlap.peak >= 2


def test_a_cancelled_download_leaves_only_its_part_and_resumes_later(store, yeastar, data_dir):
    import hashlib

    import pytest

    from recbrowser.services.downloads import DownloadCancelled

    account = synced(store, yeastar)
    row = next(r for r in all_calls(store) if r.has_audio)
    call = store.get_call(account.name, row.provider_id)
    asked = []

    def cancel_soon():
        asked.append(1)
        return len(asked) > 1  # after the first chunk

    yeastar.add_fault("slow:seconds=0.3,stage=body,path=/api/download")  # half, a pause, the rest: two reads at least
    provider = provider_for(account, yeastar)
    with pytest.raises(DownloadCancelled):
        download_call(store, account, provider, call, data_dir.media, cancelled=cancel_soon)
    folder = data_dir.media / account.name
    parts = list(folder.iterdir())
    assert [p.suffix for p in parts] == [".part"] and 0 < parts[0].stat().st_size < call.recordings[0].size
    assert store.media_for_call(account.name, row.provider_id) == []
    f = download_call(store, account, provider, call, data_dir.media)[0]
    provider.close()
    assert f.size == call.recordings[0].size and hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256
    assert [p.name for p in folder.iterdir()] == [f.path.name]
