"""Recording downloads into the media cache: `.part` file, size check, fsync, rename, SHA-256.

A file without `.part` in the cache is always complete and verified. An interrupted download
keeps its `.part` and resumes with `Range` when the server allows it. A time-limited link
(Yeastar: 30 minutes) is resolved right before fetching and re-resolved once if it lapsed.
A body of 1 MB or more with a plain Content-Length is read straight from the socket by
media_stream.py; small, chunked or compressed ones go through httpx here.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import (
    DiskFull,
    DownloadIncomplete,
    LinkExpired,
    NotFound,
    ProtocolError,
    ProviderError,
    UserFacingError,
)
from recbrowser.filenames import MAX_BYTES, safe_filename, unique_name
from recbrowser.private import make_private, private_dir, private_open
from recbrowser.providers.base import MediaSource, Provider
from recbrowser.services import audit, media_check, media_stream

if TYPE_CHECKING:
    import httpx

    from recbrowser.store.api import CallStore

log = logging.getLogger("recbrowser.downloads")

CHUNK = 256 * 1024
ATTEMPTS = 3  # a dropped transfer resumes from where it stopped, this many times in all

PER_HOST = 4  # simultaneous downloads per host:port, whatever the caller's thread count
PROGRESS_EVERY_S = 0.1  # progress callbacks at most this often (a 64 KB chunk is ~0.1 ms on loopback)
_FULL = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))

_serial_locks: dict[str, threading.Lock] = {}
_host_slots: dict[str, threading.BoundedSemaphore] = {}
_serial_guard = threading.Lock()


@dataclass
class DownloadProgress:
    file_name: str
    done: int
    total: int | None
    rate: float  # bytes per second

    @property
    def eta_s(self) -> float | None:
        if self.total is None or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


@dataclass
class Downloaded:
    recording_id: str
    path: Path
    size: int
    sha256: str
    fresh: bool  # False when the cache already had it


class DownloadCancelled(Exception):
    pass


def _serial_lock(key: str | None) -> threading.Lock | None:
    if key is None:
        return None
    with _serial_guard:
        return _serial_locks.setdefault(key, threading.Lock())


def _host_slot(url: str) -> threading.BoundedSemaphore:
    import httpx  # here, not at the top: the window imports this module before its first paint

    host = httpx.URL(url).netloc.decode("ascii", "replace")
    with _serial_guard:
        return _host_slots.setdefault(host, threading.BoundedSemaphore(PER_HOST))


def media_cache_size(media_root: Path) -> tuple[int, int]:
    """(files, bytes) in the media cache, for the window's status line. `.part` files count too:
    they hold disk space until their download resumes."""
    files = size = 0
    if media_root.exists():
        for p in media_root.rglob("*"):
            if p.is_file():
                files += 1
                size += p.stat().st_size
    return files, size


def account_media_dir(media_root: Path, account: Account) -> Path:
    """`<media>/<account name>`: the name itself where it is a legal folder name (as every
    version named it, so existing folders keep their media), else the cleaned name and a tag of
    the exact name ("Sales:EU" -> "Sales_EU-1a2b3c4d"), so two names that clean alike never
    share a folder (nor a `.part` file that the other account's download would resume)."""
    clean = safe_filename(account.name, fallback=f"account-{account.id}")
    if clean == account.name:
        return media_root / clean
    tag = "-" + hashlib.sha256(account.name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    while len((clean + tag).encode("utf-8")) > MAX_BYTES:
        clean = clean[:-1]
    return media_root / safe_filename(clean.rstrip(" .") + tag)


def download_call(
    store: CallStore,
    account: Account,
    provider: Provider,
    call: Call,
    media_root: Path,
    *,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Downloaded]:
    """Download every recording of a call that the cache does not already hold. From a team
    archive's object storage, not the provider, when `store` is one (`provider` unused)."""
    from recbrowser.team.accounts import is_team_archive

    if is_team_archive(store):
        return _keep_peaks(media_root, _from_team_archive(store, account, call, media_root, cancelled))
    if not call.recordings:
        reason = call.audio_reason or "the provider reports no recording"
        raise NotFound(f"Call {call.provider_id} of account '{account.name}' has no recording: {reason}.")
    cached = {m.recording_provider_id: m for m in store.media_for_call(account.name, call.provider_id)}
    out = []
    for rec in call.recordings:
        have = cached.get(rec.provider_id)
        found = media_check.state(have) if have else media_check.MISSING
        if have and found == media_check.OK:
            make_private(Path(have.path))  # a file an older version wrote 0644
            out.append(Downloaded(rec.provider_id, Path(have.path), have.size, have.sha256, fresh=False))
            continue
        damaged = Path(have.path) if have and found == media_check.DAMAGED else None
        if damaged:
            log.warning("%s/%s: the cached %s does not match its SHA-256; fetching it again",
                        account.name, call.provider_id, damaged.name)
        out.append(_download_recording(store, account, provider, call, rec, media_root, progress, cancelled, damaged))
    fresh = [f for f in out if f.fresh]
    if fresh:
        audit.record(store, audit.DOWNLOADED, [(account.name, call.provider_id)],
                     ", ".join(f.path.name for f in fresh))
    return _keep_peaks(media_root, out)


def _keep_peaks(media_root: Path, files: list[Downloaded]) -> list[Downloaded]:
    """Queue the files' waveform peaks when a bulk download or export asked for them."""
    # Asked for with peaks_keeper.keeping_peaks, which imported it: nothing to import here, on a
    # download thread (the window loads this module before its first paint, without it).
    keeping = sys.modules.get("recbrowser.services.peaks_keeper")
    keeper = keeping.keeper_for(media_root) if keeping is not None else None
    if keeper is not None:
        for f in files:
            keeper.add(f.path, f.sha256)
    return files


def _from_team_archive(store, account: Account, call: Call, media_root: Path, cancelled) -> list[Downloaded]:
    from recbrowser.team.media_cache import fetch_call

    copies = fetch_call(store, account, call, media_root, cancelled=cancelled)
    if copies is None:
        raise DownloadCancelled()
    out = [Downloaded(c.recording_provider_id, c.path, c.size, c.sha256, fresh=c.fresh) for c in copies]
    fresh = [f for f in out if f.fresh]
    if fresh:
        audit.record(store, audit.DOWNLOADED, [(account.name, call.provider_id)], ", ".join(f.path.name for f in fresh))
    return out


def _download_recording(store, account, provider, call, rec: Recording, media_root, progress, cancelled,
                        damaged: Path | None = None) -> Downloaded:
    """`damaged`: the cached file that failed its check; replaced only once a good copy is in."""
    folder = account_media_dir(media_root, account)
    private_dir(media_root)
    private_dir(folder)
    name = _cache_name(folder, rec, call)
    target = folder / name
    size, digest = fetch_recording(provider, call, rec, target, progress=progress, cancelled=cancelled)
    if damaged is not None and damaged.parent == target.parent:
        os.replace(target, damaged)
        target = damaged
    store.record_media(account.id, rec.provider_id, str(target), size, digest)
    return Downloaded(rec.provider_id, target, size, digest, fresh=True)


def fetch_recording(provider: Provider, call: Call, rec: Recording, target: Path, *,
                    progress: Callable[[DownloadProgress], None] | None = None,
                    cancelled: Callable[[], bool] = lambda: False) -> tuple[int, str]:
    """Fetch one recording from the provider into `target` (through `target.part`, fsynced,
    renamed); returns (size, SHA-256). Records nothing: the caller decides where it is kept
    (the media cache here, the team's object storage in `team serve`)."""
    src = provider.resolve_media(call, rec)
    lock = _serial_lock(src.serial_key)
    slot = _host_slot(src.url)
    if lock:
        lock.acquire()
    slot.acquire()
    try:
        try:
            return _fetch(provider, src, target, progress, cancelled)
        except LinkExpired:
            log.info("link for %s expired; asking the provider for a new one", rec.provider_id)
            src = provider.resolve_media(call, rec)
            return _fetch(provider, src, target, progress, cancelled)
    finally:
        slot.release()
        if lock:
            lock.release()


def _cache_name(folder: Path, rec: Recording, call: Call) -> str:
    fallback = f"{call.provider_id}-{rec.provider_id}.{rec.format or 'bin'}"
    name = safe_filename(rec.file_name or fallback, fallback=fallback)
    # Another recording may already own this name: keep both.
    taken = {p.name for p in folder.iterdir() if not p.name.endswith(".part")} if folder.exists() else set()
    return name if not (folder / name).exists() else unique_name(name, taken)


def _fetch(provider, src: MediaSource, target: Path, progress, cancelled) -> tuple[int, str]:
    part = target.with_name(target.name + ".part")
    last_error: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            return _fetch_once(provider, src, target, part, progress, cancelled)
        except DownloadIncomplete as e:
            last_error = e  # keep the .part: the next attempt resumes it
    assert last_error is not None
    raise last_error


def _fetch_once(provider, src: MediaSource, target: Path, part: Path, progress, cancelled) -> tuple[int, str]:
    import httpx  # see _host_slot

    offset = part.stat().st_size if part.exists() else 0
    headers = dict(src.headers)
    if offset:
        headers["Range"] = f"bytes={offset}-"
    label = target.name
    try:
        with provider.http.stream("GET", src.url, headers=headers) as resp:
            if resp.status_code == 416 or (offset and resp.status_code == 200):
                offset = 0  # the server cannot resume this one: start over
            elif resp.status_code in (403, 404, 410):
                raise LinkExpired(f"The download link for {label} is no longer valid.")
            ctype = resp.headers.get("content-type", "")
            if resp.status_code >= 400 or ctype.startswith(("application/json", "text/")):
                body = resp.read()[:4096]
                explain = getattr(provider, "media_error", None)
                raise explain(body) if explain else ProtocolError(f"The provider sent no audio for {label}.")
            if resp.status_code == 206 and not resp.headers.get("content-range", "").startswith(f"bytes {offset}-"):
                offset = 0
            total = _expected_total(resp, offset, src)
            digest = hashlib.sha256()
            mode = "r+b" if offset else "wb"
            with private_open(part, mode) as f:
                if offset:
                    for block in iter(lambda: f.read(CHUNK), b""):
                        digest.update(block)  # the part already on disk counts towards the hash
                    f.seek(offset)
                    f.truncate()
                f.flush()  # the fd's position is `offset`: the pipeline's os.write goes on from there
                meter = _Meter(label, total, offset, progress, cancelled)
                sock = media_stream.direct_socket(resp)
                if sock is not None:
                    length = int(resp.headers["content-length"])
                    done = offset + media_stream.receive(resp, sock, length, f.fileno(), offset, digest, meter,
                                                         _start_writeback)
                else:
                    done = _receive(resp, media_stream.Pipeline(f.fileno(), offset, digest, _start_writeback, name="download"),
                                    meter)
                meter.finish()
                f.flush()
                os.fsync(f.fileno())
                hex_digest = digest.hexdigest()
    except (httpx.HTTPError, media_stream.BodyInterrupted):
        # The body stopped early (connection dropped, truncated answer): resume from the .part.
        raise DownloadIncomplete(f"The download of {label} was interrupted.") from None
    except OSError as e:
        if e.errno in _FULL:  # EFBIG: a file-size limit (ulimit -f, FAT32's 4 GB) says the same
            part.unlink(missing_ok=True)
            raise DiskFull(f"The disk holding {target.parent} is full: free some space and download again.") from None
        raise UserFacingError(f"Cannot write {target}: {e.strerror}.") from None
    if total is not None and done != total:
        raise DownloadIncomplete(f"The download of {label} stopped at {done:,} of {total:,} bytes.")
    os.replace(part, target)
    _fsync_dir(target.parent)
    return done, hex_digest


def _writeback_starter() -> Callable[[int, int, int], object] | None:
    """Linux's sync_file_range(SYNC_FILE_RANGE_WRITE): queue written pages for the disk without
    waiting. Done as the download goes, it leaves the closing fsync only the last few MB
    (on 200 MB it took that fsync from ~0.09 s to ~0.01 s). Elsewhere the fsync does it all."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
        fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
        return lambda fd, offset, length: fn(fd, offset, length, 2)
    except (OSError, AttributeError):
        return None


_start_writeback = _writeback_starter()


class _Meter:
    """Counts the bytes received, calls `progress` at most every PROGRESS_EVERY_S and raises
    DownloadCancelled as soon as the caller cancels."""

    def __init__(self, label: str, total: int | None, offset: int, progress, cancelled) -> None:
        self.label, self.total, self.offset = label, total, offset
        self.progress, self.cancelled = progress, cancelled
        self.done = offset
        self.started = self.shown = time.monotonic()

    def __call__(self, n: int) -> None:
        if self.cancelled():
            raise DownloadCancelled(self.label)
        self.done += n
        if self.progress:
            now = time.monotonic()
            if now - self.shown >= PROGRESS_EVERY_S:
                self.shown = now
                self._report(now)

    def finish(self) -> None:
        if self.progress:
            self._report(time.monotonic())

    def _report(self, now: float) -> None:
        rate = (self.done - self.offset) / max(now - self.started, 1e-6)
        self.progress(DownloadProgress(self.label, self.done, self.total, rate))


def _receive(resp: httpx.Response, pipeline: media_stream.Pipeline, meter: _Meter) -> int:
    """Hand the body to the hashing and writing pipeline; returns the bytes the file will hold."""
    # Here for small, chunked or compressed answers (large plain ones take media_stream's path).
    # Without content coding the raw stream is the file: skipping httpx's re-chunking saves a copy.
    identity = resp.headers.get("content-encoding", "identity").lower() in ("", "identity")
    try:
        for chunk in resp.iter_raw() if identity else resp.iter_bytes(CHUNK):
            meter(len(chunk))
            pipeline.put(chunk)
    finally:
        pipeline.close()
    pipeline.check()
    return meter.done


def _expected_total(resp: httpx.Response, offset: int, src: MediaSource) -> int | None:
    length = resp.headers.get("content-length")
    from_header = offset + int(length) if length and length.isdigit() else None
    if from_header is not None and src.size is not None and from_header != src.size:
        raise ProviderError(
            f"The provider declares {src.size:,} bytes for {src.file_name or 'this recording'} but sends {from_header:,}."
        )
    return from_header if from_header is not None else src.size


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on Windows; the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
