"""`PgOpener` (api.StoreOpener) and `PgFirstCount` (api.FirstCount) for a team archive.

The opener gets its login from `login()` only when a store opens (a team profile reads the
password from the keyring then), so making one costs nothing. A desktop never changes the shared
archive's schema: `recbrowser team init` (store/postgres/admin.py) does; there is nothing to update.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from recbrowser.errors import UserFacingError
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import CallFilter

log = logging.getLogger("recbrowser.store.postgres")

# () -> (PostgreSQL URL without a password, the password or None)
Login = Callable[[], tuple[str, str | None]]


class PgOpener:
    def __init__(self, location: str, login: Login) -> None:
        self._location = location
        self._login = login

    @property
    def location(self) -> str:
        return self._location

    def open(self) -> PgStore:
        url, password = self._login()
        return PgStore.open(url, location=self._location, password=password)

    def updates_pending(self) -> int:
        return 0

    def update(self, progress: Callable[[str, float], None] | None = None) -> None:
        """Nothing: the archive's admin migrates it with `recbrowser team init`."""

    def announce_update(self, say: Callable[[str], None]) -> None:
        """Nothing to announce: opening never updates the shared archive."""

    def count_first(self) -> PgFirstCount:
        return PgFirstCount(self)


class PgFirstCount:
    """The archive's calls counted on a thread of its own; None when it cannot be reached (the
    window's own open then says why)."""

    def __init__(self, archive: PgOpener) -> None:
        self._total: int | None = None
        self._done = threading.Event()
        threading.Thread(target=self._run, args=(archive,), name="first-count", daemon=True).start()

    def _run(self, archive: PgOpener) -> None:
        try:
            with archive.open() as store:
                self._total = store.count_calls(CallFilter())
        except UserFacingError:
            log.debug("first count of the team archive failed", exc_info=True)
        finally:
            self._done.set()

    def is_current(self) -> bool:
        self._done.wait()
        return self._total is not None

    def result(self) -> int | None:
        self._done.wait()
        return self._total
