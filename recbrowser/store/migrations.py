"""Numbered schema migrations.

`MIGRATIONS[i]` takes the schema from version i to i + 1. To change the schema, append a
function (never edit a released one), add `tests/fixtures/schema_v<N>.sql` made by the
previous version, and a test that opens it. Before migrating an existing file, a consistent
copy is written next to it as `<name>.bak-v<old>`.

Each step is one transaction with its version bump: a crash (or a kill) halfway through a step
leaves the file at the step before, and the next open runs that step again. On a big cache an
update takes seconds (the copy, then the index builds): `progress(what, fraction)` is told how
far it is, from the thread that migrates (the window shows it; the CLI prints one line).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.errors import SchemaTooNew, StoreError
from recbrowser.store.database import (
    backup,
    configure,
    connect,
    damaged_cache,
    is_read_only,
    not_a_cache,
    read_only,
    restrict_mode,
)
from recbrowser.store.search_schema import v9_prefix_indexes

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.db import ForeignKey

# sqlite_utils (and the click, pluggy, pygments it pulls in: ~240 ms) is imported only when a
# migration runs, not by every process that opens an up-to-date cache (the window's start-up).
Migration = Callable[["Database"], None]
# (what is being done, in words for the user; how much of the whole update is done, 0 to 1)
Progress = Callable[[str, float], None]


def _fk(table: str, column: str, other: str, on_delete: str = "CASCADE") -> ForeignKey:
    from sqlite_utils.db import ForeignKey

    return ForeignKey(table=table, column=column, other_table=other, other_column="id", on_delete=on_delete)


def v1_initial(db: Database) -> None:
    def create(name: str, columns: dict, **kw) -> None:
        # create_table_sql, not table.create(): sqlite-utils' write methods commit on their
        # own, and a migration has to be one transaction with its version bump.
        db.execute(db.create_table_sql(name, columns, **kw))

    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version (version) VALUES (0)")
    create(
        "accounts",
        {"id": int, "name": str, "provider": str, "settings_json": str, "created_ms": int},
        pk="id",
        not_null=["name", "provider", "settings_json", "created_ms"],
    )
    db.execute("CREATE UNIQUE INDEX accounts_name ON accounts(name)")
    create(
        "sync_state",
        {"account_id": int, "key": str, "value": str, "updated_ms": int},
        pk=("account_id", "key"),
        foreign_keys=[_fk("sync_state", "account_id", "accounts")],
        not_null=["account_id", "key", "value", "updated_ms"],
    )
    text = ["direction", "from_number", "from_name", "to_number", "to_name", "agent", "status", "audio_reason", "transcript_status", "summary"]
    create(
        "calls",
        {
            "id": int, "account_id": int, "provider_id": str, "start_ms": int, "direction": str,
            "from_number": str, "from_name": str, "to_number": str, "to_name": str, "agent": str,
            "status": str, "duration_ms": int, "ring_ms": int, "talk_ms": int, "hold_ms": int,
            "has_audio": int, "audio_reason": str, "transcript_status": str, "summary": str,
            "leg_count": int, "raw_json": str, "first_seen_ms": int, "updated_ms": int,
        },
        pk="id",
        foreign_keys=[_fk("calls", "account_id", "accounts")],
        not_null=["account_id", "provider_id", "start_ms", "has_audio", "leg_count", "first_seen_ms", "updated_ms", *text],
        defaults={**dict.fromkeys(text, ""), "has_audio": 0, "leg_count": 0},
    )
    # Identity of a call: (account, provider's id). Upserts target this index.
    db.execute("CREATE UNIQUE INDEX calls_identity ON calls(account_id, provider_id)")
    # Keyset paging: each index ends in the rowid, so (value, id) order is an index walk.
    db.execute("CREATE INDEX calls_start ON calls(start_ms)")
    db.execute("CREATE INDEX calls_account_start ON calls(account_id, start_ms)")
    db.execute("CREATE INDEX calls_duration ON calls(ifnull(duration_ms, -1))")
    db.execute("CREATE INDEX calls_from ON calls(from_number)")
    db.execute("CREATE INDEX calls_to ON calls(to_number)")
    db.execute("CREATE INDEX calls_status ON calls(status)")
    create(
        "legs",
        {
            "id": int, "call_id": int, "idx": int, "provider_id": str, "start_ms": int,
            "from_number": str, "from_name": str, "to_number": str, "to_name": str,
            "status": str, "duration_ms": int, "talk_ms": int,
        },
        pk="id",
        foreign_keys=[_fk("legs", "call_id", "calls")],
        not_null=["call_id", "idx"],
    )
    db.execute("CREATE INDEX legs_call ON legs(call_id, idx)")
    create(
        "recordings",
        {
            "id": int, "call_id": int, "account_id": int, "provider_id": str, "file_name": str,
            "format": str, "size": int, "duration_ms": int, "start_ms": int, "expires_ms": int,
            "leg": str, "raw_json": str,
        },
        pk="id",
        foreign_keys=[_fk("recordings", "call_id", "calls")],
        not_null=["call_id", "account_id", "provider_id"],
    )
    db.execute("CREATE UNIQUE INDEX recordings_identity ON recordings(account_id, provider_id)")
    db.execute("CREATE INDEX recordings_call ON recordings(call_id)")
    db.execute("CREATE INDEX recordings_expires ON recordings(expires_ms) WHERE expires_ms IS NOT NULL")
    # Keyed by the recording's identity, not its row id: re-syncing a call replaces its
    # recordings rows, and must never forget what was downloaded.
    create(
        "media_files",
        {"account_id": int, "recording_provider_id": str, "path": str, "size": int, "sha256": str, "downloaded_ms": int},
        pk=("account_id", "recording_provider_id"),
        foreign_keys=[_fk("media_files", "account_id", "accounts")],
        not_null=["account_id", "recording_provider_id", "path", "size", "sha256", "downloaded_ms"],
    )
    create(
        "segments",
        {
            "id": int, "call_id": int, "seq": int, "leg": str, "speaker": str, "role": str,
            "start_ms": int, "end_ms": int, "text": str, "confidence": float,
        },
        pk="id",
        foreign_keys=[_fk("segments", "call_id", "calls")],
        not_null=["call_id", "seq", "text"],
    )
    db.execute("CREATE INDEX segments_call ON segments(call_id, seq)")
    create(
        "notes",
        {"id": int, "call_id": int, "offset_ms": int, "text": str, "created_ms": int},
        pk="id",
        foreign_keys=[_fk("notes", "call_id", "calls")],
        not_null=["call_id", "text", "created_ms"],
    )
    db.execute("CREATE INDEX notes_call ON notes(call_id, offset_ms)")
    create(
        "tags",
        {"call_id": int, "tag": str},
        pk=("call_id", "tag"),
        foreign_keys=[_fk("tags", "call_id", "calls")],
        not_null=["call_id", "tag"],
    )
    db.execute("CREATE INDEX tags_tag ON tags(tag)")
    _v1_fts(db)


def _v1_fts(db: Database) -> None:
    # External-content FTS5 tables: the text is stored once (in segments / calls) and
    # snippet() reads it from there.
    #
    # Inserts are indexed by the writer (calls.upsert_calls), one INSERT ... SELECT per page
    # in the same transaction: an AFTER INSERT trigger makes FTS5 flush its pending terms
    # for every row, which is 3x slower for bulk ingest. Deletes and updates (rare: account
    # removal via FK cascade, a re-synced transcript or summary) keep triggers, so no path
    # that removes or changes text can leave the index stale.
    tokenize = "tokenize = 'unicode61 remove_diacritics 2'"
    db.execute(f"CREATE VIRTUAL TABLE segments_fts USING fts5(text, content='segments', content_rowid='id', {tokenize})")
    db.execute("""CREATE TRIGGER segments_fts_ad AFTER DELETE ON segments BEGIN
        INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text); END""")
    db.execute("""CREATE TRIGGER segments_fts_au AFTER UPDATE OF text ON segments BEGIN
        INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text); END""")
    # Summaries: only non-empty ones are indexed, and a re-sync that leaves the summary
    # as it was does no FTS work at all.
    db.execute(f"CREATE VIRTUAL TABLE summaries_fts USING fts5(summary, content='calls', content_rowid='id', {tokenize})")
    db.execute("""CREATE TRIGGER summaries_fts_ad AFTER DELETE ON calls WHEN old.summary != '' BEGIN
        INSERT INTO summaries_fts(summaries_fts, rowid, summary) VALUES ('delete', old.id, old.summary); END""")
    db.execute("""CREATE TRIGGER summaries_fts_au AFTER UPDATE OF summary ON calls WHEN old.summary IS NOT new.summary BEGIN
        INSERT INTO summaries_fts(summaries_fts, rowid, summary) SELECT 'delete', old.id, old.summary WHERE old.summary != '';
        INSERT INTO summaries_fts(rowid, summary) SELECT new.id, new.summary WHERE new.summary != ''; END""")


def v2_provider_deletions(db: Database) -> None:
    """What the user deleted at the provider from recbrowser (e.g. Bandwidth's irreversible
    deletes). A re-sync rewrites recordings rows and their raw JSON from the provider's answer,
    and the provider may still list a deleted recording for a day or two (or stop listing it
    at once): this table is local fact that sync never touches, keyed like media_files by the
    recording's identity, so the mark and its reason outlive every re-sync."""
    db.execute(
        "CREATE TABLE provider_deletions ("
        " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
        " recording_provider_id TEXT NOT NULL,"
        " what TEXT NOT NULL,"  # 'media', 'recording' or 'transcription'
        " deleted_ms INTEGER NOT NULL,"
        " reason TEXT NOT NULL,"
        " PRIMARY KEY (account_id, recording_provider_id, what))"
    )


def v3_sort_indexes(db: Database) -> None:
    """The call list sorts by every column: one index per new sort expression (listing.SORT_SQL),
    each ending in the rowid like the v1 ones, so a page stays an index walk at any depth. The
    account sort walks calls_account_start, which v1 has."""
    db.execute("CREATE INDEX calls_direction ON calls(direction)")
    db.execute("CREATE INDEX calls_agent ON calls(agent)")
    db.execute("CREATE INDEX calls_has_audio ON calls(has_audio)")
    db.execute(
        "CREATE INDEX calls_transcript ON calls("
        "(CASE transcript_status WHEN 'available' THEN 2 WHEN 'pending' THEN 1 ELSE 0 END))"
    )


def v4_audit_log(db: Database) -> None:
    """Who listened to, downloaded, exported or deleted which call, and when (USERS.md #12).
    Account and call are kept as names, not foreign keys: the trail must outlive the removal
    of an account. Append-only: the triggers turn any UPDATE or DELETE into an error, so no
    code path (or bug) can rewrite history; the file is still the user's, so this is a local
    record, not tamper-proof evidence."""
    db.execute(
        "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, user TEXT NOT NULL,"
        " action TEXT NOT NULL, account TEXT NOT NULL, call_id TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')"
    )
    db.execute("CREATE INDEX audit_call ON audit_log(account, call_id, at_ms)")
    db.execute("CREATE INDEX audit_at ON audit_log(at_ms)")
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def v5_start_filters_index(db: Database) -> None:
    """Jumps in a filtered list sorted by start time (the default): one index holding start time
    and the columns the filter bar filters on by value, so `listing.cursors_at` steps over index
    entries only, instead of reading a row for each (a second per scrollbar drag in the middle
    of a million calls, 30 ms with it). Counts of such filters read it too.

    And tags in any case (the tag filter and add_tag compare them COLLATE NOCASE, which the
    v1 index cannot answer): a tag on a few calls is then listed from its own entries."""
    db.execute(
        "CREATE INDEX calls_start_filters ON calls(start_ms, direction, status, has_audio, transcript_status, account_id)"
    )
    db.execute("CREATE INDEX tags_tag_nocase ON tags(tag COLLATE NOCASE)")


def v6_cache_id(db: Database) -> None:
    """A random id for this cache, made once: the keyring keys each account's secrets by it and
    the account name, so two data folders with an account of the same name keep their own."""
    import uuid

    db.execute("CREATE TABLE cache_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO cache_meta (key, value) VALUES ('cache_id', ?)", [uuid.uuid4().hex])


def v7_provider_insights(db: Database) -> None:
    """What the providers say about a call beyond the basics, in columns of their own so the
    list, the filters and the export can use them (they were only in raw JSON, if at all):
    sentiment, queue, department, the provider's tags (a JSON list, apart from the user's own
    tags), the transcript's language, other labelled facts (details_json), and per leg the
    ring and hold time and the provider's call type. ADD COLUMN with a constant default does
    not rewrite the table; the two indexes serve the queue and sentiment filters."""
    for column, default in (("sentiment", "''"), ("queue", "''"), ("department", "''"), ("provider_tags", "'[]'"),
                            ("language", "''"), ("details_json", "'{}'")):
        db.execute(f"ALTER TABLE calls ADD COLUMN {column} TEXT NOT NULL DEFAULT {default}")
    db.execute("ALTER TABLE legs ADD COLUMN ring_ms INTEGER")
    db.execute("ALTER TABLE legs ADD COLUMN hold_ms INTEGER")
    db.execute("ALTER TABLE legs ADD COLUMN call_type TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX calls_queue ON calls(queue)")
    db.execute("CREATE INDEX calls_sentiment ON calls(sentiment)")


def v8_call_figures(db: Database) -> None:
    """Conversation figures per call (talk shares, silence, overtalk, hold...), computed from the
    transcript and the audio by services/conversation.py: local derived data, one row a call,
    gone with the call. The shares the filter bar filters on are stored (as percent) and
    indexed; the report's per-agent averages read them by call id."""
    db.execute(
        "CREATE TABLE call_figures ("
        " call_id INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,"
        " span_ms INTEGER NOT NULL, agent_talk_ms INTEGER NOT NULL, caller_talk_ms INTEGER NOT NULL,"
        " other_talk_ms INTEGER NOT NULL, agent_talk_pct REAL, silence_pct REAL,"
        " longest_monologue_ms INTEGER NOT NULL, longest_monologue_by TEXT NOT NULL,"
        " silence_ms INTEGER NOT NULL, overtalk_count INTEGER NOT NULL, overtalk_ms INTEGER NOT NULL,"
        " hold_ms INTEGER, words INTEGER NOT NULL,"
        " from_audio INTEGER NOT NULL DEFAULT 0, computed_ms INTEGER NOT NULL)"
    )
    # The silence share the report averages per agent is on the call's row too (save_figures
    # writes it; sync's upsert leaves it alone), next to v7's provider sentiment: the report then
    # reads one covering index instead of a million lookups into call_figures (1.7 s at 1M calls).
    db.execute("ALTER TABLE calls ADD COLUMN silence_pct REAL")
    db.execute("CREATE INDEX call_figures_silence ON call_figures(silence_pct)")
    db.execute("CREATE INDEX call_figures_agent_talk ON call_figures(agent_talk_pct)")
    for sql in REPORT_INDEXES:
        db.execute(sql)


# The report's GROUP BYs read these instead of the table (store/figures.py): calls per UTC day,
# account and status in index order (no sort of a million rows); per agent and duration from
# one covering index, the filter bar's columns included.
REPORT_INDEXES = (
    "CREATE INDEX calls_report_days ON calls(start_ms / 86400000, account_id, status, start_ms)",
    "CREATE INDEX calls_report_agents ON calls(agent, duration_ms, talk_ms, hold_ms, silence_pct, sentiment, start_ms, "
    "account_id, status)",
)


MIGRATIONS: list[Migration] = [
    v1_initial, v2_provider_deletions, v3_sort_indexes, v4_audit_log, v5_start_filters_index, v6_cache_id,
    v7_provider_insights, v8_call_figures, v9_prefix_indexes,
]

# For the progress estimate only: how many indexes over calls each step builds (by position in
# MIGRATIONS), and what one costs against copying the file: building one index is ~12 SQLite
# instructions (~1 µs) a call; the copy ~20 µs a 4 KiB page (measured at a million calls).
INDEXES_BUILT = {2: 4, 4: 1, 6: 2, 7: 2, 8: 42}  # v9 re-indexes the text: 42 s at a million calls
OPS_PER_CALL = 12
TICKS = {8: 0.22}  # FTS5 tokenizes in C, between the instructions the handler counts (measured)
COPY_UNITS_PER_PAGE = 20
REPORT_EVERY_S = 0.1


def current_version(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version (0 for an empty file), read without writing anything."""
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            return 0
        if "schema_version" not in names:
            raise StoreError(
                f"{path} is an SQLite database but not a recbrowser cache: pass --data-dir to use another folder."
            )
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.DatabaseError as e:
        raise StoreError(damaged_cache(path) if "malformed" in str(e) else not_a_cache(path)) from None
    return int(row[0] or 0)


def refuse_newer(version: int, known: int) -> None:
    if version > known:
        raise SchemaTooNew(
            f"This cache was written by a newer recbrowser (schema {version}; this version knows {known}): "
            "update recbrowser, or pass --data-dir to use another folder."
        )


def pending(path: str | Path, migrations: Sequence[Migration] | None = None) -> int:
    """How many migrations opening this file would run (0 for a new or up-to-date cache), read
    without writing anything. Errors (damaged file, newer schema) are left to the open."""
    path = Path(path).expanduser()
    if not path.exists():
        return 0
    try:
        with read_only(path) as conn:
            version = current_version(conn, path)
    except (sqlite3.Error, StoreError):
        return 0
    return max(0, len(MIGRATIONS if migrations is None else migrations) - version) if version else 0


def calls_in(path: str | Path) -> int:
    """Calls in a cache, counted without writing (0 when unreadable): is this update a long one?"""
    try:
        with read_only(path) as conn:
            return int(conn.execute("SELECT count(*) FROM calls").fetchone()[0])
    except sqlite3.Error:
        return 0


def open_cache(path: str | Path, migrations: Sequence[Migration] | None = None,
               progress: Progress | None = None) -> sqlite3.Connection:
    """Connect, check, configure and migrate: a connection to an up-to-date cache (what
    Store.open does, with `progress` told how an update goes)."""
    path = Path(path).expanduser()
    conn = connect(path)
    try:
        # Everything up to the version check only reads, so a file we refuse is left as it was.
        version = current_version(conn, path)
        refuse_newer(version, len(MIGRATIONS if migrations is None else migrations))
        configure(conn, path)
        migrate(conn, path, version, migrations, progress)
        if not is_read_only(path):
            restrict_mode(path)
    except sqlite3.DatabaseError as e:
        conn.close()
        if "locked" in str(e) or "busy" in str(e):
            raise StoreError(f"The cache {path} is busy in another program: close it and try again.") from None
        if "malformed" in str(e):
            raise StoreError(damaged_cache(path)) from None
        if "readonly" in str(e):
            raise StoreError(f"The cache {path} is read-only here and this recbrowser must update it first: run it "
                             "once as the folder's owner, or pass --data-dir with a folder you can write to.") from None
        raise StoreError(not_a_cache(path)) from None
    except BaseException:
        conn.close()
        raise
    return conn


def upgrade(path: str | Path, progress: Progress | None = None) -> None:
    """Bring the cache at `path` to this version's schema (nothing when it is already there)."""
    open_cache(path, progress=progress).close()


BIG_CACHE = 100_000  # calls: from here an update takes seconds (a million: ~8 s), so the CLI says so


def announce(path: str | Path, say: Callable[[str], None]) -> None:
    """Before the open that updates a big cache: one line, so a command that waits says why."""
    version = len(MIGRATIONS) - pending(path)
    if version < len(MIGRATIONS) and (calls := calls_in(path)) >= BIG_CACHE:
        name = Path(path).name
        say(f"recbrowser: updating the call cache for this version ({calls:,} calls, a copy kept as "
            f"{name}.bak-v{version}); this can take a minute…")


class _Meter:
    """Turns the copy's pages and the index builds' SQLite instructions into one fraction."""

    def __init__(self, report: Progress, units: list[float]) -> None:
        self.report, self.units = report, units
        self.done, self.part, self.label, self.last = 0.0, 0, "", 0.0

    def start(self, part: int, label: str) -> None:
        self.part, self.label, self.done = part, label, sum(self.units[:part])
        self.tell(0.0, force=True)

    def tell(self, within: float, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= REPORT_EVERY_S:
            self.last = now
            total = sum(self.units) or 1.0
            self.report(self.label, min(1.0, (self.done + min(within, 0.99) * self.units[self.part]) / total))


def migrate(conn: sqlite3.Connection, path: Path, version: int, migrations: Sequence[Migration] | None = None,
            progress: Progress | None = None) -> int:
    """Bring the file from `version` to the newest schema; returns the new version."""
    steps = MIGRATIONS if migrations is None else migrations
    target = len(steps)
    refuse_newer(version, target)
    if version == target:
        return version
    meter = None
    if progress is not None:
        calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0] if version > 0 else 0
        pages = conn.execute("PRAGMA page_count").fetchone()[0] if version > 0 else 0
        units = [pages * COPY_UNITS_PER_PAGE] + [max(1, INDEXES_BUILT.get(n, 0) * calls) for n in range(version, target)]
        meter = _Meter(progress, units)
    if version > 0:
        copy = path.with_name(f"{path.name}.bak-v{version}")
        if meter:
            meter.start(0, f"Keeping a copy of the cache as it was ({copy.name})")
        backup(conn, copy, None if meter is None else lambda done, total: meter.tell(done / max(total, 1)))
    from sqlite_utils import Database  # only here: see the note on Migration

    db = Database(conn, execute_plugins=False, recursive_triggers=False)
    for number in range(version, target):
        if meter:
            part = number - version + 1
            meter.start(part, f"Updating the cache: step {part} of {target - version}")
            expected = meter.units[part] * OPS_PER_CALL * TICKS.get(number, 1.0) / 1000  # handler calls
            ticks = [0]

            def tick(ticks=ticks, expected=expected) -> int:
                ticks[0] += 1
                meter.tell(ticks[0] / expected)
                return 0

            conn.set_progress_handler(tick, 1000)
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            now = current_version(conn, path)
            if now > number:
                conn.execute("COMMIT")
                continue
            steps[number](db)
            conn.execute("UPDATE schema_version SET version = ?", (number + 1,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.set_progress_handler(None, 0)
    if meter:
        meter.report("The cache is up to date", 1.0)
    return target
