"""`SQLiteListReader`: the call list's reads on a worker's own read-only connection (api.ListReader).

`sqlite3.Connection.interrupt()` may be called from any thread; the query it stops raises
"interrupted", which becomes `Interrupted` here so callers never see a driver's exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from recbrowser.errors import StoreError
from recbrowser.store import listing
from recbrowser.store.database import open_reader
from recbrowser.store.records import CallFilter, CallRow, Cursor, Interrupted

T = TypeVar("T")


class SQLiteListReader:
    def __init__(self, path: Path, cache_mb: int = 16) -> None:
        self.path = path
        try:
            self._conn = open_reader(path, cache_mb)
        except sqlite3.Error as e:
            raise StoreError(f"Cannot read the cache {path} ({e}): check that the file is still there.") from None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as e:
            if "interrupt" in str(e):
                raise Interrupted() from None
            raise StoreError(f"The call list could not be read from the cache {self.path} ({e}).") from e
        except sqlite3.Error as e:
            raise StoreError(f"The call list could not be read from the cache {self.path} ({e}).") from e

    def _read(self, fn: Callable[..., T], *args) -> T:
        with self._reading():
            return fn(self._conn, *args)

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
        return self._read(listing.list_calls, f, after, limit)

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]:
        return self._read(listing.cursors_at, f, positions)

    def cursors_from(self, f: CallFilter, positions: range, after: Cursor, at: int) -> list[Cursor | None]:
        return self._read(listing.cursors_at, f, positions, after, at)

    def jumps_from_cursors(self, f: CallFilter) -> bool:
        return listing.jumps_from_cursors(f)

    def interrupt(self) -> None:
        self._conn.interrupt()  # the query raises "interrupted" in the reading thread, at once

    def close(self) -> None:
        with suppress(sqlite3.Error):
            self._conn.close()
