"""`SQLiteSearchReader`: the search box's searches on a connection kept open for them (api.SearchReader).

Opening a store for each search started every search with an empty page cache: the first
hits of a frequent word cost 3-5x a warm search. This connection stays open between searches,
any one thread uses it at a time, and `interrupt()` (from any thread) stops the search the user
has typed past, which then raises `Interrupted`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from recbrowser.domain import SearchHit
from recbrowser.errors import StoreError
from recbrowser.store.database import BUSY_TIMEOUT_S
from recbrowser.store.records import Interrupted

T = TypeVar("T")
# The pages a search reads most: the hit lists of the words typed and each hit's length (bm25,
# 53 MB at a million calls): as much as a Store's connection keeps.
CACHE_MB = 64


class _Stoppable:
    """The connection as a search sees it: an interrupt that lands between two of its statements
    (where SQLite forgets it) stops the next one. Not a progress handler: that would take the
    GIL every few hundred instructions, and wait for it whenever the UI thread holds it."""

    def __init__(self, conn: sqlite3.Connection, reader: SQLiteSearchReader) -> None:
        self._conn, self._reader = conn, reader

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        self._check()
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        self._check()
        return self._conn.executemany(sql, rows)

    def _check(self) -> None:
        if self._reader._stop:
            raise sqlite3.OperationalError("interrupted")


class SQLiteSearchReader:
    def __init__(self, path: Path, cache_mb: int = CACHE_MB) -> None:
        self.path = path
        self._stop = False
        try:
            # Not query_only: the snippets are made in a TEMP table of this connection (memory).
            self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA temp_store = MEMORY")
            self._conn.execute(f"PRAGMA cache_size = {-int(cache_mb) * 1024}")
        except sqlite3.Error as e:
            raise StoreError(f"Cannot read the cache {path} ({e}): check that the file is still there.") from None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        # One snapshot for the ranking and the snippets, as Store.search reads them.
        try:
            if self._conn.in_transaction:  # an interrupt can land in the last read's COMMIT
                self._conn.execute("ROLLBACK")
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                if self._conn.in_transaction:
                    self._conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if "interrupt" in str(e):
                raise Interrupted() from None
            raise StoreError(f"The search could not read the cache {self.path} ({e}).") from e
        except sqlite3.Error as e:
            raise StoreError(f"The search could not read the cache {self.path} ({e}).") from e

    def _read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        self._stop = False  # an interrupt from here on stops this read
        with self._reading():
            return fn(_Stoppable(self._conn, self), *args, **kwargs)

    def search(self, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        from recbrowser.store import search as fts

        return self._read(fts.search, query, account=account, limit=limit, offset=offset)

    def search_newest(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        from recbrowser.store import search as fts

        return self._read(fts.newest, query, limit=limit)

    def warm(self) -> None:
        from recbrowser.store import search as fts

        self._read(fts.warm)

    def interrupt(self) -> None:
        self._stop = True
        self._conn.interrupt()  # the search raises "interrupted" in its thread, at once

    def close(self) -> None:
        with suppress(sqlite3.Error):
            self._conn.close()
