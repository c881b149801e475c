"""The store's public interface: everything the UI, the services and the CLI may ask of an archive.

`CallStore` is what they hold (the SQLite cache, `recbrowser.store.Store`, is one implementation;
the team archive on PostgreSQL is another). They get one from `recbrowser.store.open_store(location)`
or, to look at an archive before opening it (a schema update, the window's first count), from
`recbrowser.store.opener(location)`: a `StoreOpener`. Nothing outside `recbrowser/store/`
touches a database connection, SQL or a database driver's exceptions (tests/rules/test_import_rules.py).

Promises every implementation keeps (tests/store/test_store*.py check them on SQLite):
- One `CallStore` is used by one thread at a time: each thread (the UI, each worker) opens its own
  with `open_store(store.location)`. Only `open_list_reader` and `ListReader.interrupt` may be
  called from another thread.
- Errors a user can act on are `recbrowser.errors.UserFacingError` (the store's own:
  `StoreError`, `SchemaTooNew`, `SearchSyntaxError`) with one sentence that says what to do;
  a read stopped by `ListReader.interrupt` raises `Interrupted`. No driver exception escapes.
- Calls are named by (account name, the provider's call id); `Account.id` is the store's own
  key for an account, read back from `accounts()` / `account()` / `add_account()`.
- Instants are UTC epoch milliseconds. Values handed back are domain objects
  (`recbrowser.domain`) or the records of `recbrowser.store.records`, never driver rows.
- Writes outside `transaction()` are committed one call at a time; no method assumes this
  process is the only writer.

This module is for type checkers and the conformance test: modules on the window's first-paint
path import it under `TYPE_CHECKING` only (tests/ui/test_startup_imports.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from recbrowser.domain import Account, Call, SearchHit
from recbrowser.store.records import CallFigures, CallFilter, CallReport, CallRow, Cursor, LegRow, MediaFile, Note

if TYPE_CHECKING:
    from recbrowser.store.audit import AuditEntry
    from recbrowser.store.expiry import ExpiringRecording

# Where an archive is: a path to an SQLite cache file, or "scheme:..." for a scheme that an
# implementation registered with `recbrowser.store.register_opener` (e.g. a team archive). The
# UI hands it around as `DataDir.database` and may wrap it in a Path: the scheme still counts.
Location = str | Path

# A schema update's progress: (what it is doing, as a sentence; fraction done, 0.0 to 1.0).
Progress = Callable[[str, float], None]


@runtime_checkable
class ListReader(Protocol):
    """The call list's reads on a connection of their own, for a worker: any one thread reads at a
    time (not necessarily the one that opened it), and any other thread may `interrupt()`.

    The read methods are `CallStore.list_calls` / `cursors_at`, with the same orderings and cursors
    (a cursor from one works in the other)."""

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
        """As `CallStore.list_calls`. Raises `Interrupted` when `interrupt()` stopped it."""
        ...

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]:
        """As `CallStore.cursors_at`. Raises `Interrupted` when `interrupt()` stopped it."""
        ...

    def cursors_from(self, f: CallFilter, positions: range, after: Cursor, at: int) -> list[Cursor | None]:
        """As `cursors_at`, knowing that `after` is the cursor that starts row `at`
        (0 < at <= min(positions)): the answer is the same, but where `jumps_from_cursors(f)`
        it costs the distance from `at`, not from the top. Raises `Interrupted`."""
        ...

    def jumps_from_cursors(self, f: CallFilter) -> bool:
        """Whether `cursors_from` is cheaper than `cursors_at` for this list (else the caller
        does not bother keeping cursors for it)."""
        ...

    def interrupt(self) -> None:
        """Stop the read running now, from any thread: it raises `Interrupted` at once. Does
        nothing when no read runs; the reader stays usable for the next read."""
        ...

    def close(self) -> None:
        """Let go of the connection; the reader is not used afterwards."""
        ...


@runtime_checkable
class FirstCount(Protocol):
    """How many calls the window's list starts with, counted on a thread of its own while the
    window's modules load (`StoreOpener.count_first`)."""

    def is_current(self) -> bool:
        """Waits for the look at the schema: True when the archive needs no update before
        opening (False: unknown, older, or missing)."""
        ...

    def result(self) -> int | None:
        """Waits for the count of every call (`count_calls(CallFilter())`); None when it could
        not be made before opening (no archive yet, one to update, a damaged one): the
        window then counts after its own open."""
        ...


@runtime_checkable
class StoreOpener(Protocol):
    """How to reach one archive: what is done before, or instead of, holding it open. Cheap to make
    (no connection until a method needs one); `recbrowser.store.opener(location)` picks the
    implementation from the location."""

    @property
    def location(self) -> Location:
        """What `open_store` / `opener` take to reach this archive again."""
        ...

    def open(self) -> CallStore:
        """Open (creating it when new) and bring its schema up to date: a store ready to use.
        Raises `SchemaTooNew` for an archive written by a newer recbrowser, `StoreError` for
        one that cannot be used (damaged, busy, unreachable, no permission), with the sentence."""
        ...

    def updates_pending(self) -> int:
        """How many schema updates `open()` would run (0: new or up to date), without writing.
        Errors are left for `open()` to report (0 here)."""
        ...

    def update(self, progress: Progress | None = None) -> None:
        """Bring the schema up to date (nothing when it is), telling `progress` as it goes (from
        the thread it runs on). A step is all or nothing; a copy of the old archive is kept
        where the implementation can. Raises as `open()`."""
        ...

    def announce_update(self, say: Callable[[str], None]) -> None:
        """Before an `open()` that will update a big archive (seconds or more): `say` one
        sentence so a command that waits says why. Says nothing otherwise."""
        ...

    def count_first(self) -> FirstCount:
        """Start counting the calls of the whole list on a thread of its own (see FirstCount)."""
        ...


@runtime_checkable
class CallStore(Protocol):
    """An open archive of accounts, calls, transcripts, media records, notes, tags and the audit
    log, used by one thread at a time (see the module docstring for what every method promises)."""

    @property
    def location(self) -> Location:
        """What `open_store` takes to open this archive again (a worker's own store)."""
        ...

    @property
    def cache_id(self) -> str:
        """A random id made when the archive was created, the same for every connection to it:
        account secrets are kept in the keyring under it, so two archives never share one."""
        ...

    # -- lifecycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Let go of the archive; the store is not used afterwards."""
        ...

    def __enter__(self) -> CallStore: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Closes the store."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """The writes inside are one unit: all kept, or none when the block raises. Nested
        transactions join the outermost one. Other writers wait for it (sync wraps each page)."""
        ...

    def limit_cache(self, mb: int) -> None:
        """A hint: keep at most about `mb` MiB cached for this store (the window's list reads a
        few pages at a time and would otherwise hold on to what a long scroll read)."""
        ...

    # -- accounts (non-secret settings only: secrets live in the keyring) --------------------------
    def add_account(self, account: Account) -> Account:
        """Store a new account; returns it with its `id`. Raises UserFacingError when the name is
        taken, StoreError when a setting is not text."""
        ...

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        ...

    def account(self, name: str) -> Account | None:
        """The account of that name, or None."""
        ...

    def update_account(self, account: Account) -> None:
        """Save an account read from this store (by its `id`: a rename keeps its calls). Raises
        UserFacingError when the new name is taken or the account is gone."""
        ...

    def remove_account(self, name: str) -> None:
        """Remove the account and everything of it (calls, media records, notes, tags, sync
        state); nothing when there is none. Media files on disk are the caller's."""
        ...

    # -- sync state: cursors and watermarks, per account -------------------------------------------
    def get_state(self, account_id: int, key: str) -> str | None:
        """The value saved under `key` for the account, or None."""
        ...

    def set_state(self, account_id: int, key: str, value: str | None) -> None:
        """Save `value` under `key` (None deletes it)."""
        ...

    # -- calls --------------------------------------------------------------------------------------
    def upsert_calls(self, account_id: int, calls: list[Call]) -> int:
        """Write a page of calls (with their legs, recordings, transcripts and summaries);
        returns how many were new. Idempotent on (account, provider's call id): running a page
        twice changes nothing; local notes, tags, media records and deletion marks are kept,
        and search sees the new text at once."""
        ...

    def mark_deleted(self, account_id: int, recording_provider_id: str, what: str, reason: str) -> None:
        """Remember a deletion made at the provider from recbrowser ('media', 'recording' or
        'transcription') with the sentence that explains it; later syncs re-apply the mark."""
        ...

    def get_call(self, account_name: str, provider_id: str) -> Call | None:
        """The whole call (legs, recordings with their `raw` and the marks records.DELETED_MARK /
        GONE_MARK, transcript segments, summary), read as of one moment, or None."""
        ...

    def call_row(self, account_name: str, provider_id: str) -> CallRow | None:
        """The call as one line of the list, or None."""
        ...

    def call_legs(self, account_name: str, provider_id: str) -> list[LegRow]:
        """The legs of a call in order (`LegRow.index` ascending); [] for an unknown call."""
        ...

    # -- the call list: counts and keyset pages -------------------------------------------------------
    def count_calls(self, f: CallFilter) -> int:
        """How many calls `f` matches (what `list_calls` pages through)."""
        ...

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
        """One page of at most `limit` rows of the calls `f` matches, and the cursor of the next
        page (None when this is the last). Order: `f.sort` (a name of records.SORTS;
        "account" is by account name, then start time), then the store's call key as the tie
        break, both descending when `f.descending`: a total order, so reversing `descending`
        gives exactly the reversed list. `after` is a cursor from this filter and sort (from
        `list_calls` or `cursors_at`); it stays valid while calls are added or removed, and
        the page after it starts right after the row it was taken from. Cursors are opaque."""
        ...

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]:
        """For each 0-based row number in `positions`, the cursor after which `list_calls`
        starts at that row: a jump without walking the pages before it. None for row 0 and for
        rows past the end."""
        ...

    def jump_is_quick(self, f: CallFilter) -> bool:
        """Whether `cursors_at` for this list is cheap enough for the UI thread (milliseconds
        anywhere in a million calls); else the window asks a worker's `ListReader`."""
        ...

    def pages_are_quick(self, f: CallFilter) -> bool:
        """Whether a page after a known cursor is cheap enough for the UI thread whatever the
        data (a filter that may match a handful of calls in a million is not)."""
        ...

    def category_values(self) -> dict[str, list[str]]:
        """The values the cache holds for each category the filter bar offers ("queue",
        "sentiment": the names of CallFilter's fields), A to Z, blanks left out. Cheap enough
        for the UI thread: a seek per value, however many calls."""
        ...

    def open_list_reader(self, cache_mb: int = 16) -> ListReader:
        """A reader of the call list on a connection of its own, for a worker, that another
        thread can interrupt. May be called from any thread (it does not use this store's
        connection); the caller closes it."""
        ...

    # -- search --------------------------------------------------------------------------------------
    def search(self, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        """Transcript segments and summaries matching `query` (words, "phrases", prefix*, OR,
        -excluded; user text never reaches the engine's own syntax), best match first, then
        the most recent call first, `limit` hits from `offset` (the same query and offsets
        page without gaps or repeats while nothing is written). Each hit has its call,
        speaker, offset and a snippet with the matches marked. Raises SearchSyntaxError when
        the query has nothing to search for; [] for an unknown account."""
        ...

    # -- media, notes, tags (local data: sync never deletes or changes it) ----------------------------
    def record_media(self, account_id: int, recording_provider_id: str, path: str, size: int, sha256: str) -> None:
        """Remember that the recording's audio is complete at `path` (its size, its SHA-256 in hex)."""
        ...

    def forget_media(self, account_id: int, recording_provider_id: str) -> None:
        """Forget the recording's media file (deleted from disk or at the provider)."""
        ...

    def media_totals(self) -> tuple[int, int]:
        """(files, bytes) of the media files recorded: cheap enough to show live."""
        ...

    def media_for_call(self, account_name: str, provider_id: str) -> list[MediaFile]:
        """The media files recorded for the call's recordings, by the recordings' start time."""
        ...

    def add_note(self, account_name: str, provider_id: str, offset_ms: int | None, text: str) -> Note:
        """Add a note (at an offset into the recording, or on the whole call); returns it as
        stored. Raises UserFacingError for empty or too long text, or an unknown call."""
        ...

    def notes(self, account_name: str, provider_id: str) -> list[Note]:
        """The call's notes by offset (those on the whole call last), then in the order added."""
        ...

    def update_note(self, note_id: int, text: str) -> None:
        """Replace a note's text. Raises UserFacingError as `add_note`, or when it was deleted."""
        ...

    def delete_note(self, note_id: int) -> None:
        """Delete a note; nothing when it is gone already."""
        ...

    def add_tag(self, account_name: str, provider_id: str, tag: str) -> str:
        """Tag the call; returns the tag as stored (trimmed; a tag already in use in another case
        is reused as spelled there). Raises UserFacingError for a bad tag or an unknown call."""
        ...

    def remove_tag(self, account_name: str, provider_id: str, tag: str) -> None:
        """Take the tag (as `tags` spells it) off the call; nothing when it is not there."""
        ...

    def tags(self, account_name: str, provider_id: str) -> list[str]:
        """The call's tags, sorted."""
        ...

    def all_tags(self) -> list[str]:
        """Every tag in use, the most used first (what the tag editor offers)."""
        ...

    # -- expiry and the audit log ---------------------------------------------------------------------
    def expiring_recordings(self, now_ms: int, until_ms: int, account: str | None = None) -> list[ExpiringRecording]:
        """Recordings with audio, not downloaded and not deleted by us, that the provider deletes
        after `now_ms` and by `until_ms`, soonest first."""
        ...

    def log_access(self, entries: list[AuditEntry]) -> None:
        """Append to the audit log (who played, downloaded, exported or deleted what). Append
        only: nothing in this interface changes or removes an entry."""
        ...

    def audit_log(self, account: str | None = None, call_id: str | None = None, since_ms: int | None = None,
                  limit: int = 1000) -> list[AuditEntry]:
        """At most `limit` entries, newest first, narrowed by account name, the provider's call
        id and `at_ms >= since_ms` when given."""
        ...


class FigureStore(Protocol):
    """An optional capability of a `CallStore`: conversation figures per call and the report's
    aggregates (schema v8 of the SQLite cache, `store/figures.py`; schema v3 of the team archive,
    `store/postgres/figures.py`, where only `team serve`'s service login may save them). Not part
    of `CallStore`: callers check with `recbrowser.services.conversation.figure_store(store)`
    (None: not kept here) and skip the figures, or say in one sentence that this archive has no
    report. Not runtime-checkable on purpose: callers on the first-paint path import this module
    under TYPE_CHECKING only."""

    def save_figures(self, account_id: int, figures: dict[str, CallFigures]) -> None:
        """Keep the conversation figures of calls of the account, by the provider's call id
        (replacing what was kept; an unknown call id is ignored). Local derived data: gone with
        the call; sync never changes it (services/conversation.py computes and saves it)."""
        ...

    def call_figures(self, account_name: str, provider_id: str) -> CallFigures | None:
        """The call's conversation figures, or None when none were computed (also on
        `CallRow.figures` of every list row)."""
        ...

    def report(self, f: CallFilter) -> CallReport:
        """Aggregates of the calls `f` matches (its sort ignored), read as of one moment: calls
        per UTC day, account and status; per agent (calls, average talk and hold, silence
        share, sentiments); calls per duration bin. Computed by the archive (SQL), never by
        reading every call."""
        ...

    def report_in_parts(self, f: CallFilter) -> Iterator[CallReport]:
        """The same report in two answers read as of one moment: first one with the calls per
        day only (agents and durations empty; the quicker part), then the whole report."""
        ...


class SearchReader(Protocol):
    """An optional capability of a `CallStore` (`open_search_reader(cache_mb)`, the SQLite cache
    only): searches on a connection kept open for them, so the search box's searches find its
    pages warm, and which another thread can interrupt when the user types on. The team archive
    (store/postgres) does not have it: the window then opens a store for each search. Any one
    thread searches at a time (not necessarily the one that opened it)."""

    def search(self, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        """As `CallStore.search`, the same hits in the same order. Raises `Interrupted` when
        `interrupt()` stopped it."""
        ...

    def search_newest(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """The first `limit` hits of `query` newest first (summaries, then sentences), as `search`
        lists a word too frequent to rank: milliseconds for any query, for the search box to show
        while `search` ranks. Raises `Interrupted` when `interrupt()` stopped it."""
        ...

    def warm(self) -> None:
        """Read what any first search reads before its own hits (cheap: milliseconds), so the
        first search after start-up costs what later ones do."""
        ...

    def interrupt(self) -> None:
        """Stop the search running now, from any thread: it raises `Interrupted` at once. Does
        nothing when no search runs; the reader stays usable."""
        ...

    def close(self) -> None:
        """Let go of the connection; the reader is not used afterwards."""
        ...
