"""The window's transcript searches, run in workers: on one connection kept for them, interruptible.

On the SQLite cache the searches share a `SearchReader` (store/api.py): its pages stay warm
between keystrokes, it is warmed once after start-up, and `interrupt()` stops a search the user
has typed past so the next one does not wait behind it. An archive without one (the team
archive) gets a store opened for each search, as before.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from recbrowser.domain import SearchHit

if TYPE_CHECKING:
    from collections.abc import Callable

    from recbrowser.store.api import CallStore, Location, SearchReader


class TranscriptSearch:
    def __init__(self, store: CallStore, location: Location, limit: int) -> None:
        self._open_reader: Callable[[], SearchReader] | None = getattr(store, "open_search_reader", None)
        self._location = location
        self._limit = limit
        self._reader: SearchReader | None = None
        self._lock = threading.Lock()  # one search (or warm-up) on the reader at a time
        self._interrupts = 0  # how many times interrupt() was called
        self._closed = False

    def search(self, query: str) -> list[SearchHit] | None:
        """In a worker: the hits, or None when it was interrupted, or when `interrupt()` was
        called while it waited for the search before it to let go of the connection."""
        from recbrowser.store import Interrupted, open_store

        asked = self._interrupts
        with self._lock:
            if asked != self._interrupts or self._closed:
                return None
            if self._open_reader is None:
                store = open_store(self._location)
                try:
                    return store.search(query, limit=self._limit)
                finally:
                    store.close()
            try:
                return self._kept().search(query, limit=self._limit)
            except Interrupted:
                return None

    def newest(self, query: str) -> list[SearchHit] | None:
        """In a worker: the query's newest hits (milliseconds), to show while `search` ranks; None
        without a kept reader (nothing to show early) or when interrupted."""
        from recbrowser.store import Interrupted

        if self._open_reader is None:
            return None
        asked = self._interrupts
        with self._lock:
            if asked != self._interrupts or self._closed:
                return None
            try:
                return self._kept().search_newest(query, limit=self._limit)
            except Interrupted:
                return None

    def warm(self) -> None:
        """In a worker, after start-up: the first search then costs what later ones do."""
        with self._lock:
            if self._open_reader is not None and not self._closed:
                self._kept().warm()

    def interrupt(self) -> None:
        """From the UI thread: stop the search running now and those waiting for it (they return None)."""
        self._interrupts += 1
        reader = self._reader
        if reader is not None:
            reader.interrupt()

    def close(self) -> None:
        """Interrupt what runs, then let go of the connection once it has stopped."""
        self.interrupt()
        with self._lock:
            self._closed = True
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _kept(self) -> SearchReader:
        if self._reader is None:
            assert self._open_reader is not None
            self._reader = self._open_reader()
        return self._reader
