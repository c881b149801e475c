"""Opening the cache file: checks before any write, pragmas, 0600, explicit transactions.

The connection runs in autocommit mode (`isolation_level=None`); every write goes through
`Database.transaction()`, which issues one BEGIN IMMEDIATE ... COMMIT (so a concurrent writer
in another process waits on the busy timeout instead of failing halfway through a page).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from recbrowser.errors import StoreError

BUSY_TIMEOUT_S = 10.0
SQLITE_MAGIC = b"SQLite format 3\x00"
PRIVATE = 0o600
BACKUP_PAGES = 4096  # pages copied between two progress reports (16 MiB)


def connect(path: Path) -> sqlite3.Connection:
    """Connect without writing anything; the caller inspects the file before changing it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _check_header(path)
    if not path.exists():
        # Create the file ourselves with 0600: SQLite gives -wal and -shm the mode of the main
        # file, so this one open covers all three (no process-wide umask change needed).
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE))
    try:
        if is_read_only(path):
            # A folder the user may read but not write (a colleague's, a mounted backup): SQLite
            # could not create the -shm beside it, so read it as a file nobody changes meanwhile.
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as e:
        raise StoreError(f"Cannot open the cache {path} ({e}): check the folder's permissions, or pass --data-dir to use another folder.") from None
    return conn


def is_read_only(path: Path) -> bool:
    """Whether this user may read the cache but not change it (file or folder not writable)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK))


def open_reader(path: Path, cache_mb: int = 16) -> sqlite3.Connection:
    """A connection that only reads (workers' reads of the call list, one at a time, in any
    thread of a pool), to a cache that a Store.open has already checked and migrated;
    `interrupt()` stops its query from any thread."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    conn.execute(f"PRAGMA cache_size = {-int(cache_mb) * 1024}")
    return conn


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A short look at a cache without writing to it (its version, a count) before, or beside,
    the open that may update it."""
    conn = sqlite3.connect(f"{Path(path).expanduser().as_uri()}?mode=ro", uri=True, timeout=1.0)
    try:
        yield conn
    finally:
        conn.close()


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite gets a chance to touch it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"Cannot read the cache {path} ({e.strerror}): check its permissions, or pass --data-dir to use another folder.") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(not_a_cache(path))


def not_a_cache(path: Path) -> str:
    return (
        f"{path} is not a recbrowser cache (it is damaged or not an SQLite database): "
        "move it away to start a fresh cache, or pass --data-dir to use another folder."
    )


def backups_of(database: Path) -> list[Path]:
    """The copies each migration keeps (`calls.db.bak-v3` ...), newest schema first."""
    def version(p: Path) -> int:
        tail = p.name.rsplit("-v", 1)[-1]
        return int(tail) if tail.isdigit() else -1

    return sorted(database.parent.glob(f"{database.name}.bak-v*"), key=version, reverse=True)


def damaged_cache(database: Path) -> str:
    """What to say about a cache SQLite reports as malformed: it is left as it is, and this is
    how to get back the copy the last update kept (or start afresh)."""
    copies = backups_of(database)
    if copies:
        restore = (f"to go back to the copy kept before the last update, close recbrowser and replace it with "
                   f"{copies[0]} (e.g. `cp {copies[0]} {database}`, then run `recbrowser sync`)")
    else:
        restore = "move it away and run `recbrowser sync` to build a fresh cache (downloaded media files are kept)"
    return f"The cache {database} is damaged (database disk image is malformed) and was left as it is: {restore}."


def failure_sentence(error: BaseException, database: Path | None) -> str | None:
    """One sentence for an SQLite error no caller caught (damaged, busy, read-only, cannot be
    opened), or None when `error` is not SQLite's."""
    if not isinstance(error, sqlite3.DatabaseError):
        return None
    where = database if database is not None else "the cache"
    text = str(error).lower()
    if "malformed" in text or "corrupt" in text or "not a database" in text:
        return damaged_cache(database) if database is not None else f"The cache is damaged ({error})."
    if "locked" in text or "busy" in text:
        return f"The cache {where} is busy in another program (a sync or the window): wait for it, or close it, and try again."
    if "readonly" in text or "read-only" in text:
        return (f"The cache {where} is read-only here: reading works, but this command changes it; "
                "run it as the folder's owner or pass --data-dir with a folder you can write to.")
    if "unable to open" in text:
        return f"Cannot open the cache {where}: check the folder's permissions, or pass --data-dir to use another folder."
    return None


def configure(conn: sqlite3.Connection, path: Path) -> None:
    """Pragmas for a file we are allowed to write (called after the version check)."""
    if is_read_only(path):
        return  # nothing to set on a file we only read; a write says "read-only" when it comes
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(f"The cache {path} cannot use write-ahead logging (journal mode {mode}): put it on a local disk with --data-dir.")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: keeps the FTS and paging indexes hot
    # Checkpoint every ~80 MB of WAL instead of 4 MB: a synced page dirties index pages all
    # over the file, and checkpointing less often copies each hot page once, not per page
    # (ingest +15%; the WAL is truncated back when the last connection closes).
    conn.execute("PRAGMA wal_autocheckpoint = 20000")
    restrict_mode(path)


def restrict_mode(path: Path) -> None:
    """0600 for the database and its -wal/-shm (an older file may have been created looser)."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if stat.S_IMODE(p.stat().st_mode) != PRIVATE:
                p.chmod(PRIVATE)
        except FileNotFoundError:
            pass


def backup(conn: sqlite3.Connection, target: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """A consistent copy through SQLite's backup API (a plain copy of a WAL file can be torn).
    `progress(pages copied, pages in all)` is told as it goes (a million calls: 1.4 GB, ~7 s)."""
    if target.exists():
        target.unlink()
    os.close(os.open(target, os.O_CREAT | os.O_RDWR, PRIVATE))
    dst = sqlite3.connect(target)
    try:
        if progress is None:
            conn.backup(dst)
        else:
            conn.backup(dst, pages=BACKUP_PAGES, progress=lambda _status, left, total: progress(total - left, total))
    finally:
        dst.close()


class Transactions:
    """BEGIN IMMEDIATE ... COMMIT around the outermost `transaction()`; inner ones are no-ops."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.depth:
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self.depth = 1
        try:
            yield
        except BaseException:
            self.depth = 0
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.depth = 0
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
