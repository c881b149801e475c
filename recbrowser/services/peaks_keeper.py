"""Waveform peaks kept as recordings are fetched in bulk, so each strip opens at once later.

`recbrowser download` and `export` fetch many recordings; while they do, one background thread
decodes each new file's peaks (services/waveform.py) into the data folder's `peaks/`. It decodes
in one ffmpeg at a time, at low CPU priority on Linux, so the downloads and the export's own
conversions keep the cores they need; what is left when the fetching ends is finished before
the command returns (`close`). A recording whose peaks cannot be computed is only logged: the
strip tries again, and says why, when it is opened.

Downloads find the keeper by their media folder (`keeping_peaks`), so the services between a
command and `download_call` (export, its download-ahead) need not hand it along.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from recbrowser.services import waveform

log = logging.getLogger("recbrowser.peaks")

NICE = 10  # below the downloads and the window, above nothing else's business

_active: dict[Path, list[PeaksKeeper]] = {}
_active_lock = threading.Lock()


class PeaksKeeper:
    """A queue of (recording, SHA-256) whose peaks one thread computes and keeps in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kept = 0  # peaks computed and written by this keeper
        self.failed = 0
        self._queue: queue.Queue[tuple[Path, str] | None] = queue.Queue()
        self._seen: set[str] = set()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def add(self, media: Path, sha256: str) -> None:
        """Keep the peaks of `media` unless they are kept already; returns at once."""
        with self._lock:
            if self._closed or sha256 in self._seen:  # closed: a download thread the caller left running
                return
            self._seen.add(sha256)
            try:
                if waveform.peaks_path(self.folder, sha256).is_file():
                    return
            except ValueError:  # not a SHA-256 (a cache record from before sizes were kept)
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="peaks", daemon=True)
                self._thread.start()
        self._queue.put((media, sha256))

    def close(self, *, drop_queued: bool = False) -> None:
        """Finish what is queued (or only the one in hand, when the work was cancelled), then
        stop the thread."""
        with self._lock:
            thread, self._thread, self._closed = self._thread, None, True
        if thread is None:
            return
        left = []
        with suppress(queue.Empty):
            while True:
                left.append(self._queue.get_nowait())
        self._queue.put(None)
        if left and not drop_queued:
            # The fetching is over: what it left is now what the user waits for, so every core
            # takes a share, at normal priority, next to the thread finishing its current one.
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="peaks")
            try:
                list(pool.map(lambda item: self._keep(*item), [i for i in left if i is not None]))
            finally:  # Ctrl-C meanwhile: the ones not started are left to the strip
                pool.shutdown(wait=True, cancel_futures=True)
        thread.join()

    def _run(self) -> None:
        if sys.platform.startswith("linux"):  # per thread on Linux, and ffmpeg inherits it; per process elsewhere
            with suppress(OSError):
                os.nice(NICE)
        while (item := self._queue.get()) is not None:
            self._keep(*item)

    def _keep(self, media: Path, sha256: str) -> None:
        try:
            waveform.keep_peaks(media, sha256, self.folder, every_core=False)
            with self._lock:
                self.kept += 1
        except Exception as e:  # noqa: BLE001 - a nicety in the background: the strip tries again and says why
            with self._lock:
                self.failed += 1
            log.info("peaks of %s not kept: %s", media.name, e, exc_info=not isinstance(e, waveform.WaveformError))


@contextmanager
def keeping_peaks(media_root: Path, folder: Path) -> Iterator[PeaksKeeper]:
    """While inside, every recording downloaded into `media_root` has its peaks kept in `folder`;
    leaving waits for the last ones (not when leaving on an exception: a cancel)."""
    # Every import the thread needs happens here, before it starts: an export forks its audio
    # converters, and a child forked while another thread holds a module's import lock hangs.
    waveform.ffmpeg_exe()
    keeper = PeaksKeeper(folder)
    with _active_lock:
        _active.setdefault(media_root, []).append(keeper)
    failed = True
    try:
        yield keeper
        failed = False
    finally:
        with _active_lock:
            _active[media_root].remove(keeper)
            if not _active[media_root]:
                del _active[media_root]
        keeper.close(drop_queued=failed)  # cancelled or failed: do not keep the user waiting


def keeper_for(media_root: Path) -> PeaksKeeper | None:
    with _active_lock:
        keepers = _active.get(media_root)
        return keepers[-1] if keepers else None
