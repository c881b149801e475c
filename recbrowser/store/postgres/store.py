"""PgStore: the team archive in PostgreSQL, a second implementation of the Store interface.

Same public methods, arguments and return types as recbrowser.store.Store (the SQLite cache),
so the window, services and CLI work on either. What differs, on purpose:
- What a user sees is what PostgreSQL lets their login see (roles + row-level security): a
  supervisor's store lists only the accounts granted to them; writes they may not make fail
  with one sentence, whatever the client.
- Notes carry their author (AuthoredNote); the audit log's `user` is the database user.
- MediaFile.path is the object key in the team's bucket (media live in object storage).
- limit_cache is a no-op: PostgreSQL's server owns its caches.

One PgStore is one connection (autocommit; `transaction()` groups statements), like Store: each
thread opens its own, or takes one from a psycopg_pool.ConnectionPool (see `from_pool`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg

from recbrowser.domain import Account, Call, SearchHit
from recbrowser.errors import UserFacingError
from recbrowser.store.audit import AuditEntry
from recbrowser.store.expiry import ExpiringRecording
from recbrowser.store.postgres import admin, schema
from recbrowser.store.postgres import calls as pg_calls
from recbrowser.store.postgres import figures as pg_figures
from recbrowser.store.postgres import listing as pg_listing
from recbrowser.store.postgres import notes as pg_notes
from recbrowser.store.postgres import search as pg_search
from recbrowser.store.postgres import team as pg_team
from recbrowser.store.postgres.connection import ArchiveUnreachable, connect, explain, where
from recbrowser.store.postgres.notes import AuthoredNote
from recbrowser.store.records import (
    CallFigures,
    CallFilter,
    CallReport,
    CallRow,
    Cursor,
    Interrupted,
    LegRow,
    MediaFile,
)

if TYPE_CHECKING:
    from recbrowser.store.postgres.list_reader import PgListReader

T = TypeVar("T")

__all__ = ["Interrupted", "PgStore"]  # Interrupted: the store boundary's, raised here too


_EXPIRING = """
SELECT a.name, c.provider_id, r.provider_id, r.expires_ms, r.size
FROM recordings r JOIN calls c ON c.account_id = r.account_id AND c.id = r.call_id JOIN accounts a ON a.id = r.account_id
WHERE r.expires_ms > %s AND r.expires_ms <= %s AND c.has_audio AND (%s::text IS NULL OR a.name = %s)
  AND NOT EXISTS (SELECT 1 FROM media_files m WHERE m.account_id = r.account_id AND m.recording_provider_id = r.provider_id)
  AND NOT EXISTS (SELECT 1 FROM provider_deletions d WHERE d.account_id = r.account_id
                  AND d.recording_provider_id = r.provider_id AND d.what IN ('media', 'recording'))
ORDER BY r.expires_ms, r.account_id, r.call_id, r.seq
"""
_REFUSED = "Your database user may not do this in the team archive: ask your admin (`recbrowser team grant`)."


class PgStore:
    def __init__(self, conn: psycopg.Connection, *, on_close: Callable[[psycopg.Connection], None] | None = None,
                 url: str | None = None, location: str | None = None, password: str | None = None) -> None:
        self._conn = conn
        self._on_close = on_close
        self._url = url  # what open_list_reader connects to (with `password`), never shown
        self._password = password
        self._location = location
        self.path = None  # the SQLite store's file; the archive has none

    @classmethod
    def open(cls, url: str, *, location: str | None = None, password: str | None = None) -> PgStore:
        """Connect and check the schema (a newer one is refused; none at all or an older one: run
        `team init`, which migrates it).
        `location`: what `recbrowser.store.open_store` takes to open it again ("team:NAME");
        `password`: the login's, when the URL has none (a team profile keeps it in the keyring)."""
        conn = connect(url, **({"password": password} if password else {}))
        try:
            version = schema.check_version(conn)
            if version == 0:
                raise UserFacingError("This database holds no team archive yet: ask your admin to run `recbrowser team init`.")
            if version < len(schema.MIGRATIONS):  # its tables lack what this recbrowser reads and writes
                raise UserFacingError(f"This team archive has schema {version}; this recbrowser needs "
                                      f"{len(schema.MIGRATIONS)}: ask your admin to run `recbrowser team init` to update it.")
        except psycopg.errors.InsufficientPrivilege:
            user = conn.info.user
            conn.close()
            raise UserFacingError(f"The database user '{user}' has no access to the team archive: "
                                  "ask your admin to run `recbrowser team grant` for it.") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, url=url, location=location, password=password)

    @classmethod
    def from_pool(cls, pool: Any) -> PgStore:
        """A store on a connection borrowed from a psycopg_pool.ConnectionPool (with
        kwargs={'autocommit': True}); close() gives it back."""
        conn = pool.getconn()
        return cls(conn, on_close=pool.putconn, url=pool.conninfo)

    @property
    def location(self) -> str:
        """"team:NAME" when opened from a team profile (open_store reopens it), else the URL."""
        return self._location or self._url or "team:"

    @property
    def cache_id(self) -> str:
        """The archive's random id (made by `team init`), the same for every connection to it."""
        value = self._run(admin.team_setting, admin.ARCHIVE_ID)
        if value is None:  # an archive made before the id existed: its address is as unique
            return "team-" + where(self._url or "")
        return value.decode()

    @property
    def connection(self) -> psycopg.Connection:
        return self._conn

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close(self._conn)
        else:
            with suppress(psycopg.Error):
                self._conn.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; rolled back on an exception; nested ones are savepoints."""
        with self._errors(), self._conn.transaction():
            yield

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            self._reconnect_if_lost()
            yield
        except psycopg.errors.InsufficientPrivilege:
            raise UserFacingError(_REFUSED) from None
        except psycopg.errors.QueryCanceled:
            raise Interrupted from None
        except psycopg.OperationalError as e:  # the server went away mid-session
            raise ArchiveUnreachable(explain(self._url or "", e)) from None

    def _reconnect_if_lost(self) -> None:
        """A connection the server dropped (restarted, or the network went away) is opened
        again at the next use: ArchiveUnreachable while the server is still away, and the
        window's store works again once it is back. A pool's connections are the pool's job."""
        if self._conn.closed and self._on_close is None and self._url is not None:
            self._conn = connect(self._url, **({"password": self._password} if self._password else {}))

    def interrupt(self) -> None:
        """Stop the query this store is running, from any thread (the window's list reads):
        it raises Interrupted in the thread that runs it. Nothing happens when it is idle."""
        with suppress(psycopg.Error):
            self._conn.cancel_safe(timeout=5)

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._errors():
            return fn(self._conn, *args)

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        with self._errors(), self._conn.transaction():
            return fn(self._conn, *args)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        # Several reads that must agree share one snapshot (REPEATABLE READ would be stricter;
        # one transaction is what the SQLite store gives, and enough for one call's rows).
        with self._conn.transaction():
            yield

    # -- accounts ---------------------------------------------------------------------------------
    def add_account(self, account: Account) -> Account:
        return self._write(pg_notes.add_account, account)

    def accounts(self) -> list[Account]:
        return self._run(pg_notes.accounts)

    def account(self, name: str) -> Account | None:
        return self._run(pg_notes.account, name)

    def update_account(self, account: Account) -> None:
        self._write(pg_notes.update_account, account)

    def remove_account(self, name: str) -> None:
        self._write(pg_notes.remove_account, name)

    # -- sync state ---------------------------------------------------------------------------------
    def get_state(self, account_id: int, key: str) -> str | None:
        return self._run(pg_notes.get_state, account_id, key)

    def set_state(self, account_id: int, key: str, value: str | None) -> None:
        self._write(pg_notes.set_state, account_id, key, value)

    # -- calls --------------------------------------------------------------------------------------
    def upsert_calls(self, account_id: int, calls: list[Call]) -> int:
        """Write a page of calls; returns how many were new. Idempotent; notes, tags and media kept."""
        return self._write(pg_calls.upsert_calls, account_id, calls)

    def mark_deleted(self, account_id: int, recording_provider_id: str, what: str, reason: str) -> None:
        self._write(pg_calls.mark_deleted, account_id, recording_provider_id, what, reason)

    def expiring_recordings(self, now_ms: int, until_ms: int, account: str | None = None) -> list[ExpiringRecording]:
        """Recordings not stored yet that the provider deletes between now and `until_ms`."""
        rows = self._run(lambda conn: conn.execute(_EXPIRING, (now_ms, until_ms, account, account)).fetchall())
        return [ExpiringRecording(*r) for r in rows]

    def log_access(self, entries: list[AuditEntry]) -> None:
        if entries:
            self._write(pg_notes.log_access, entries)

    def audit_log(self, account: str | None = None, call_id: str | None = None, since_ms: int | None = None,
                  limit: int = 1000) -> list[AuditEntry]:
        return self._run(pg_notes.audit_log, account, call_id, since_ms, limit)

    def count_calls(self, f: CallFilter) -> int:
        return self._run(pg_listing.count_calls, f)

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
        with self._errors():
            rows, cursor = pg_listing.list_calls(self._conn, f, after, limit)
            return pg_figures.with_figures(self._conn, rows), cursor

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]:
        return self._run(pg_listing.cursors_at, f, positions)

    def limit_cache(self, mb: int) -> None:
        """Nothing to do: the server owns its caches (the SQLite store caps its page cache)."""

    def jump_is_quick(self, f: CallFilter) -> bool:
        """Never: a jump is an OFFSET over the visible accounts' merged indexes, a worker's job."""
        return False

    def pages_are_quick(self, f: CallFilter) -> bool:
        """A page is (accounts x limit) index entries after the cursor, unless a number, tag or
        figure filter matches a handful of calls in a million (each page then tests many rows)."""
        return not f.number and not f.tag and f.silence_over is None and f.agent_talk_over is None

    def open_list_reader(self, cache_mb: int = 16) -> PgListReader:
        """A reader on a connection of its own (`cache_mb` is SQLite's hint: the server caches)."""
        from recbrowser.store.postgres.list_reader import PgListReader

        if self._url is None:
            raise UserFacingError("This team archive connection cannot open a second one for the call list.")
        return PgListReader(self._url, **({"password": self._password} if self._password else {}))

    def category_values(self) -> dict[str, list[str]]:
        from recbrowser.store.postgres.categories import category_values

        return self._run(category_values)

    def call_legs(self, account_name: str, provider_id: str) -> list[LegRow]:
        return self._run(pg_listing.legs, account_name, provider_id)

    def get_call(self, account_name: str, provider_id: str) -> Call | None:
        with self._errors(), self._snapshot():
            return pg_calls.get_call(self._conn, account_name, provider_id)

    def call_row(self, account_name: str, provider_id: str) -> CallRow | None:
        with self._errors():
            row = pg_listing.call_row(self._conn, account_name, provider_id)
            return pg_figures.with_figures(self._conn, [row])[0] if row else None

    # -- conversation figures and the report (api.FigureStore; call_figures, schema v3) -------------
    def save_figures(self, account_id: int, figures: dict[str, CallFigures]) -> None:
        """Written by `team serve` (the service role); a desktop's login may not (UserFacingError)."""
        if figures:
            self._write(pg_figures.save_figures, account_id, figures)

    def call_figures(self, account_name: str, provider_id: str) -> CallFigures | None:
        return self._run(pg_figures.call_figures, account_name, provider_id)

    def report_in_parts(self, f: CallFilter) -> Iterator[CallReport]:
        """The whole report read once, given as the calls per day first (agents and durations
        empty) and then whole, as the SQLite store gives it: the archive's GROUP BYs run in one
        snapshot on the server, so there is no quicker first part to hand out early here."""
        whole = self.report(f)
        yield CallReport(whole.calls, whole.days, [], [])
        yield whole

    def report(self, f: CallFilter) -> CallReport:
        """Read as of one moment: its GROUP BYs share one snapshot (REPEATABLE READ), so a page
        that `team serve` writes meanwhile is in all of them or in none."""
        with self._errors():
            if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                return pg_figures.report(self._conn, f)  # inside the caller's transaction: its snapshot
            with self._conn.transaction():
                self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return pg_figures.report(self._conn, f)

    # -- search -------------------------------------------------------------------------------------
    def search(self, query: str, *, account: str | None = None, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        with self._errors(), self._snapshot():
            return pg_search.search(self._conn, query, account=account, limit=limit, offset=offset)

    # -- media, notes, tags ---------------------------------------------------------------------------
    def record_media(self, account_id: int, recording_provider_id: str, path: str, size: int, sha256: str) -> None:
        """`path`: the object key in the team's bucket."""
        self._write(pg_notes.record_media, account_id, recording_provider_id, path, size, sha256)

    def forget_media(self, account_id: int, recording_provider_id: str) -> None:
        self._write(pg_notes.forget_media, account_id, recording_provider_id)

    def media_totals(self) -> tuple[int, int]:
        return self._run(pg_notes.media_totals)

    def media_for_call(self, account_name: str, provider_id: str) -> list[MediaFile]:
        return self._run(pg_notes.media_for_call, account_name, provider_id)

    def add_note(self, account_name: str, provider_id: str, offset_ms: int | None, text: str) -> AuthoredNote:
        return self._write(pg_notes.add_note, account_name, provider_id, offset_ms, text)

    def notes(self, account_name: str, provider_id: str) -> list[AuthoredNote]:
        return self._run(pg_notes.notes, account_name, provider_id)

    def update_note(self, note_id: int, text: str) -> None:
        self._write(pg_notes.update_note, note_id, text)

    def delete_note(self, note_id: int) -> None:
        self._write(pg_notes.delete_note, note_id)

    def add_tag(self, account_name: str, provider_id: str, tag: str) -> str:
        return self._write(pg_notes.add_tag, account_name, provider_id, tag)

    def remove_tag(self, account_name: str, provider_id: str, tag: str) -> None:
        self._write(pg_notes.remove_tag, account_name, provider_id, tag)

    def tags(self, account_name: str, provider_id: str) -> list[str]:
        return self._run(pg_notes.tags, account_name, provider_id)

    def all_tags(self) -> list[str]:
        return self._run(pg_notes.all_tags)

    # -- team only: sealed secrets, settings, leases (see pg_team.py) --------------------------------
    def set_sealed_secret(self, account_id: int, sealed: bytes) -> None:
        self._run(pg_team.set_sealed_secret, account_id, sealed)

    def sealed_secret(self, account_id: int) -> bytes | None:
        return self._run(pg_team.sealed_secret, account_id)

    def reseal_secret(self, account_id: int, holder: str, sealed: bytes) -> bool:
        """`team serve`: seal back a rotated credential of an account it holds the lease on."""
        return self._run(pg_team.reseal_secret, account_id, holder, sealed)

    def team_setting(self, key: str) -> bytes | None:
        return self._run(admin.team_setting, key)

    def set_team_setting(self, key: str, value: bytes) -> None:
        self._run(admin.set_team_setting, key, value)

    def grant(self, user: str, accounts: list[str]) -> list[str]:
        """Let the database user `user` see these accounts (admin.grant); an admin's store."""
        return self._run(admin.grant, user, accounts)

    def revoke(self, user: str, accounts: list[str] | None = None) -> int:
        return self._run(admin.revoke, user, accounts)

    def acquire_lease(self, holder: str, ttl_ms: int, now: int | None = None) -> int | None:
        return self._run(pg_team.acquire_lease, holder, ttl_ms, now)

    def renew_lease(self, account_id: int, holder: str, ttl_ms: int, now: int | None = None) -> bool:
        return self._run(pg_team.renew_lease, account_id, holder, ttl_ms, now)

    def release_lease(self, account_id: int, holder: str, due_ms: int) -> None:
        self._run(pg_team.release_lease, account_id, holder, due_ms)

    def unarchived_recordings(self, account_id: int, limit: int = 500) -> list[tuple[str, str]]:
        """(call id, recording id) pairs listed but not yet in object storage (`team serve`)."""
        return self._run(pg_team.unarchived_recordings, account_id, limit)
