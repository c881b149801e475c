"""The archive of accounts, calls, transcripts and media files, and the SQLite cache that keeps it.

Callers outside this package hold a `CallStore` (store/api.py: the interface and what each
method promises) from `open_store(location)`, or look at an archive before opening it through
`opener(location)`; they never name the SQLite classes. `Store` is the SQLite implementation:
one `Store` is one connection, and each thread (UI, each worker) opens its own. Writes outside an
explicit `transaction()` are committed one call at a time; sync wraps each page in one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from recbrowser.domain import Account, Call, SearchHit
from recbrowser.store import accounts as _accounts
from recbrowser.store import calls as _calls
from recbrowser.store import listing as _listing
from recbrowser.store import media as _media
from recbrowser.store import migrations as _migrations
from recbrowser.store.database import Transactions, failure_sentence
from recbrowser.store.records import (
    CallFigures,
    CallFilter,
    CallReport,
    CallRow,
    Cursor,
    Interrupted,
    LegRow,
    MediaFile,
    Note,
    SearchSyntaxError,
)

# The audit log, expiry and search modules load with their first use: the window's first
# paint needs none of them (their dataclasses and regexes are ~2 ms of its start).
if TYPE_CHECKING:
    from recbrowser.store.api import CallStore, FirstCount, ListReader, Location, Progress, SearchReader, StoreOpener
    from recbrowser.store.audit import AuditEntry
    from recbrowser.store.expiry import ExpiringRecording

__all__ = ["CallFigures", "CallFilter", "CallReport", "CallRow", "Cursor", "Interrupted", "LegRow", "MediaFile", "Note",
           "SearchSyntaxError", "SQLiteOpener", "Store", "engine_versions", "failure_sentence", "open_store", "opener",
           "register_opener", "unregister_opener"]

T = TypeVar("T")


class Store:
    """The SQLite cache: implements api.CallStore (tests/store/test_store_api.py checks it)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._tx = Transactions(conn)

    @property
    def location(self) -> Path:
        return self.path

    @classmethod
    def open(cls, path: str | Path, *, migrations: list[_migrations.Migration] | None = None) -> Store:
        """Open (creating folders and file as needed) and migrate. `migrations` is for tests."""
        path = Path(path).expanduser()
        conn = _migrations.open_cache(path, migrations)
        return cls(conn, path)

    def close(self) -> None:
        with suppress(sqlite3.Error):
            # Keeps the planner's statistics fresh; the limit keeps it to milliseconds on a
            # big cache (SQLite 3.40 would otherwise ANALYZE millions of rows at exit).
            self._conn.execute("PRAGMA analysis_limit = 400")
            self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            self._conn.close()  # a damaged file: no statistics written into it on the way out
            return
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One BEGIN IMMEDIATE ... COMMIT; rolled back on an exception; a no-op when nested."""
        with self._tx.transaction():
            yield

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        with self._tx.transaction():
            return fn(self._conn, *args)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        # Several reads that must agree (a search's ranking and its snippets) share one snapshot.
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    @property
    def cache_id(self) -> str:
        """This cache's random id, made when it was created (or updated to schema 6)."""
        return _accounts.cache_id(self._conn)

    # -- accounts -------------------------------------------------------------------------------
    def add_account(self, account: Account) -> Account:
        return self._write(_accounts.add_account, account)

    def accounts(self) -> list[Account]:
        return _accounts.accounts(self._conn)

    def account(self, name: str) -> Account | None:
        return _accounts.account(self._conn, name)

    def update_account(self, account: Account) -> None:
        self._write(_accounts.update_account, account)

    def remove_account(self, name: str) -> None:
        self._write(_accounts.remove_account, name)

    # -- sync state -------------------------------------------------------------------------------
    def get_state(self, account_id: int, key: str) -> str | None:
        return _accounts.get_state(self._conn, account_id, key)

    def set_state(self, account_id: int, key: str, value: str | None) -> None:
        self._write(_accounts.set_state, account_id, key, value)

    # -- calls ------------------------------------------------------------------------------------
    def upsert_calls(self, account_id: int, calls: list[Call]) -> int:
        """Write a page of calls; returns how many were new. Idempotent; notes, tags and media kept."""
        return self._write(_calls.upsert_calls, account_id, calls)

    def mark_deleted(self, account_id: int, recording_provider_id: str, what: str, reason: str) -> None:
        """Remember a deletion made at the provider from recbrowser ('media', 'recording' or
        'transcription'), with the sentence that explains it; re-syncs re-apply the mark."""
        self._write(_calls.mark_deleted, account_id, recording_provider_id, what, reason)

    def expiring_recordings(self, now_ms: int, until_ms: int, account: str | None = None) -> list[ExpiringRecording]:
        """Recordings not downloaded yet that the provider deletes between now and `until_ms`."""
        from recbrowser.store import expiry

        return expiry.expiring(self._conn, now_ms, until_ms, account)

    def log_access(self, entries: list[AuditEntry]) -> None:
        """Append to the local audit log (who played, downloaded, exported or deleted what)."""
        from recbrowser.store import audit

        if entries:
            self._write(audit.log, entries)

    def audit_log(self, account: str | None = None, call_id: str | None = None, since_ms: int | None = None,
                  limit: int = 1000) -> list[AuditEntry]:
        from recbrowser.store import audit

        return audit.entries(self._conn, account, call_id, since_ms, limit)

    def count_calls(self, f: CallFilter) -> int:
        return _listing.count_calls(self._conn, f)

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
        return _listing.list_calls(self._conn, f, after, limit)

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]:
        """Cursors that make `list_calls` start at each of these rows: a jump without a walk."""
        return _listing.cursors_at(self._conn, f, positions)

    def limit_cache(self, mb: int) -> None:
        """Cap this connection's page cache (64 MiB by default, for sync and search): the
        window's list reads a few pages at a time, and would otherwise keep 64 MiB after a
        scroll through a million calls."""
        self._conn.execute(f"PRAGMA cache_size = {-int(mb) * 1024}")

    def jump_is_quick(self, f: CallFilter) -> bool:
        return _listing.jump_is_quick(f)

    def pages_are_quick(self, f: CallFilter) -> bool:
        return _listing.pages_are_quick(f)

    def open_list_reader(self, cache_mb: int = 16) -> ListReader:
        from recbrowser.store.list_reader import SQLiteListReader  # a worker's, after the first paint

        return SQLiteListReader(self.path, cache_mb)

    def open_search_reader(self, cache_mb: int = 64) -> SearchReader:
        """The search box's searches on a connection kept open for them (api.SearchReader): any
        thread may call this; the caller closes the reader."""
        from recbrowser.store.search_reader import SQLiteSearchReader  # a worker's, after the first paint

        return SQLiteSearchReader(self.path, cache_mb)

    def category_values(self) -> dict[str, list[str]]:
        return _listing.category_values(self._conn)

    def call_legs(self, account_name: str, provider_id: str) -> list[LegRow]:
        return _listing.legs(self._conn, account_name, provider_id)

    def get_call(self, account_name: str, provider_id: str) -> Call | None:
        with self._snapshot():
            return _calls.get_call(self._conn, account_name, provider_id)

    def call_row(self, account_name: str, provider_id: str) -> CallRow | None:
        return _listing.call_row(self._conn, account_name, provider_id)

    # -- conversation figures and the report --------------------------------------------------
    def save_figures(self, account_id: int, figures: dict[str, CallFigures]) -> None:
        from recbrowser.store import figures as _figures

        if figures:
            self._write(_figures.save_figures, account_id, figures)

    def call_figures(self, account_name: str, provider_id: str) -> CallFigures | None:
        from recbrowser.store import figures as _figures

        return _figures.call_figures(self._conn, account_name, provider_id)

    def report(self, f: CallFilter) -> CallReport:
        from recbrowser.store import figures as _figures

        with self._snapshot():
            return _figures.report(self._conn, f)

    def report_in_parts(self, f: CallFilter) -> Iterator[CallReport]:
        from recbrowser.store import figures as _figures

        with self._snapshot():
            yield from _figures.report_in_parts(self._conn, f)

    # -- search -----------------------------------------------------------------------------------
    def search(self, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        from recbrowser.store import search as fts

        with self._snapshot():
            return fts.search(self._conn, query, account=account, limit=limit, offset=offset)

    # -- media, notes, tags -----------------------------------------------------------------------
    def record_media(self, account_id: int, recording_provider_id: str, path: str, size: int, sha256: str) -> None:
        self._write(_media.record_media, account_id, recording_provider_id, path, size, sha256)

    def forget_media(self, account_id: int, recording_provider_id: str) -> None:
        self._write(_media.forget_media, account_id, recording_provider_id)

    def media_totals(self) -> tuple[int, int]:
        """(files, bytes) of downloaded recordings: one indexed aggregate, cheap enough to show live."""
        return _media.media_totals(self._conn)

    def media_for_call(self, account_name: str, provider_id: str) -> list[MediaFile]:
        return _media.media_for_call(self._conn, account_name, provider_id)

    def add_note(self, account_name: str, provider_id: str, offset_ms: int | None, text: str) -> Note:
        return self._write(_media.add_note, account_name, provider_id, offset_ms, text)

    def notes(self, account_name: str, provider_id: str) -> list[Note]:
        return _media.notes(self._conn, account_name, provider_id)

    def update_note(self, note_id: int, text: str) -> None:
        self._write(_media.update_note, note_id, text)

    def delete_note(self, note_id: int) -> None:
        self._write(_media.delete_note, note_id)

    def add_tag(self, account_name: str, provider_id: str, tag: str) -> str:
        return self._write(_media.add_tag, account_name, provider_id, tag)

    def remove_tag(self, account_name: str, provider_id: str, tag: str) -> None:
        self._write(_media.remove_tag, account_name, provider_id, tag)

    def tags(self, account_name: str, provider_id: str) -> list[str]:
        return _media.tags(self._conn, account_name, provider_id)

    def all_tags(self) -> list[str]:
        return _media.all_tags(self._conn)


class SQLiteOpener:
    """api.StoreOpener for a cache file: what is done before (or instead of) `Store.open`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    @property
    def location(self) -> Path:
        return self.path

    def open(self) -> Store:
        return Store.open(self.path)

    def updates_pending(self) -> int:
        return _migrations.pending(self.path)

    def update(self, progress: Progress | None = None) -> None:
        _migrations.upgrade(self.path, progress=progress)

    def announce_update(self, say: Callable[[str], None]) -> None:
        _migrations.announce(self.path, say)

    def count_first(self) -> FirstCount:
        from recbrowser.store.first_count import SQLiteFirstCount

        return SQLiteFirstCount(self.path)


# "scheme:" -> the opener of the archives whose location starts with it (see register_opener).
_OPENERS: dict[str, Callable[[str], StoreOpener]] = {}


def register_opener(scheme: str, make: Callable[[str], StoreOpener]) -> None:
    """Let `opener` / `open_store` reach the archives whose location is "<scheme>:..." (a second
    implementation of api.CallStore, e.g. the team archive) with `make(location)`. Any other
    location is the path of an SQLite cache file. A scheme has two letters or more (a Windows
    drive letter is a path)."""
    if len(scheme) < 2 or not scheme.isidentifier():
        raise ValueError(f"A location scheme has two letters or more: {scheme!r}")
    _OPENERS[scheme.lower()] = make


def unregister_opener(scheme: str) -> None:
    """Undo `register_opener` (tests; a profile removed)."""
    _OPENERS.pop(scheme.lower(), None)


def opener(location: Location) -> StoreOpener:
    """How to reach the archive at `location` (api.StoreOpener): a cache file's path, or a
    location of a registered scheme. Makes no connection."""
    # By its text: a location handed around as a Path (the UI's `database`) keeps its scheme.
    text = os.fspath(location)
    scheme, sep, _ = text.partition(":")
    if sep and (make := _OPENERS.get(scheme.lower())) is not None:
        return make(text)
    return SQLiteOpener(location)


def open_store(location: Location) -> CallStore:
    """Open the archive at `location`, its schema brought up to date (api.StoreOpener.open): the
    one way code outside this package gets a store (each thread its own)."""
    return opener(location).open()


def engine_versions() -> dict[str, str]:
    """The database engines' versions, for the About box and bug reports."""
    return {"SQLite": sqlite3.sqlite_version}
