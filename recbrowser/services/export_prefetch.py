"""Download-ahead for exports: the next calls' missing recordings are fetched on a few threads
while the export converts and writes the current ones.

Each task opens its own store (one connection per thread); `downloads` keeps its per-host limit
and the providers' own rules (one Yeastar mp3 at a time), so a PBX is never flooded. Errors are
kept and raised where the export asks for that call, so it classifies them as it always does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.domain import Account, Call
from recbrowser.providers.base import Provider
from recbrowser.services.downloads import download_call
from recbrowser.store import open_store

if TYPE_CHECKING:
    from recbrowser.store.api import Location

THREADS = 4
AHEAD = 8  # calls scheduled ahead of the one being exported


class Prefetcher:
    def __init__(self, store_path: Location, media_root: Path, stop: Callable[[], bool]) -> None:
        self.store_path, self.media_root, self._stop = store_path, media_root, stop
        self._aborted = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._tasks: dict[str, Future] = {}

    def cancelled(self) -> bool:
        return self._aborted.is_set() or self._stop()

    def schedule(self, ref: str, account: Account, provider: Provider, call: Call) -> None:
        if ref in self._tasks:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="export-download")
        self._tasks[ref] = self._pool.submit(self._fetch, account, provider, call)

    def _fetch(self, account: Account, provider: Provider, call: Call) -> None:
        with open_store(self.store_path) as store:
            download_call(store, account, provider, call, self.media_root, cancelled=self.cancelled)

    def take(self, ref: str) -> Future | None:
        """The download task of `ref`, if one was scheduled (wait with `.result()`)."""
        return self._tasks.pop(ref, None)

    def close(self, abort: bool = False) -> None:
        if abort:
            self._aborted.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
