"""`PgListReader`: the call list's reads on a worker's own PostgreSQL connection (api.ListReader).

`interrupt()` sends PostgreSQL a cancel request for the query running on that connection (from
any thread); the read raises `recbrowser.store.Interrupted`, and the connection stays usable.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

import psycopg

from recbrowser.errors import UserFacingError
from recbrowser.store.postgres import figures, listing
from recbrowser.store.postgres.connection import ArchiveUnreachable, connect, explain, where
from recbrowser.store.records import CallFilter, CallRow, Cursor, Interrupted

T = TypeVar("T")


class PgListReader:
    def __init__(self, url: str, **connect_kwargs: Any) -> None:
        self._url = url
        self._connect_kwargs = connect_kwargs
        self._conn = connect(url, **connect_kwargs)

    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._conn.closed:  # the server dropped it (restarted): a new one, or ArchiveUnreachable
            self._conn = connect(self._url, **self._connect_kwargs)
        try:
            return fn(self._conn, *args)
        except psycopg.errors.QueryCanceled:
            raise Interrupted() from None
        except psycopg.OperationalError as e:  # the server went away mid-read
            raise ArchiveUnreachable(explain(self._url, e)) from None
        except psycopg.Error as e:
            raise UserFacingError(f"The call list could not be read from the team archive at {where(self._url)} "
                                  f"({type(e).__name__}): try again, or check that PostgreSQL is running there.") from None

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
        rows, cursor = self._read(listing.list_calls, f, after, limit)
        return self._read(figures.with_figures, rows), cursor

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]:
        return self._read(listing.cursors_at, f, positions)

    def cursors_from(self, f: CallFilter, positions: range, after: Cursor, at: int) -> list[Cursor | None]:
        return self._read(listing.cursors_from, f, positions, after, at)

    def jumps_from_cursors(self, f: CallFilter) -> bool:
        return listing.jumps_from_cursors(f)

    def interrupt(self) -> None:
        with suppress(psycopg.Error):
            self._conn.cancel_safe(timeout=5)

    def close(self) -> None:
        with suppress(psycopg.Error):
            self._conn.close()
