"""`SQLiteFirstCount` (api.FirstCount): how many calls the window's list starts with, counted on
a thread of its own.

Started before the window's own imports: a count of a million calls takes 10-90 ms (more when
the file is not in the page cache yet), and SQLite lets go of the GIL while it counts, so it is
done by the time the list needs it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from recbrowser.errors import StoreError
from recbrowser.store import listing
from recbrowser.store.database import read_only
from recbrowser.store.migrations import MIGRATIONS, current_version
from recbrowser.store.records import CallFilter

log = logging.getLogger("recbrowser.store")


class SQLiteFirstCount:
    """`result()` waits for the count: None when it could not be made here (no cache yet, one
    that needs updating first, a damaged file): the window then counts after its own open."""

    def __init__(self, database: Path) -> None:
        self._total: int | None = None
        self._current = False  # the cache is at this version's schema
        self._checked = threading.Event()
        self._done = threading.Event()
        threading.Thread(target=self._run, args=(Path(database),), name="first-count", daemon=True).start()

    def _run(self, database: Path) -> None:
        try:
            if database.exists():
                # Read-only, and only a cache at this version's schema: the open that follows
                # does any update, and says what is wrong with a file it cannot use.
                with read_only(database) as conn:
                    self._current = current_version(conn, database) == len(MIGRATIONS)
                    self._checked.set()
                    if self._current:
                        self._total = listing.count_calls(conn, CallFilter())
        except (sqlite3.Error, StoreError):
            log.debug("first count failed", exc_info=True)
        finally:
            self._checked.set()
            self._done.set()

    def is_current(self) -> bool:
        """Whether the cache was found at this version's schema (False: unknown, or older);
        the window then skips its own look at the version."""
        self._checked.wait()
        return self._current

    def result(self) -> int | None:
        self._done.wait()
        return self._total
