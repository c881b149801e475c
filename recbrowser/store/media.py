"""Downloaded media files and local notes/tags: data that sync never deletes or changes."""

from __future__ import annotations

import sqlite3

from recbrowser.errors import UserFacingError
from recbrowser.store.accounts import now_ms
from recbrowser.store.calls import call_id
from recbrowser.store.records import MediaFile, Note


def record_media(conn: sqlite3.Connection, account_id: int, recording_provider_id: str, path: str, size: int, sha256: str) -> None:
    # Keyed by (account, provider's recording id): the row outlives re-syncs of the call.
    conn.execute(
        "INSERT INTO media_files (account_id, recording_provider_id, path, size, sha256, downloaded_ms) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, recording_provider_id) DO UPDATE SET "
        "path = excluded.path, size = excluded.size, sha256 = excluded.sha256, downloaded_ms = excluded.downloaded_ms",
        (account_id, recording_provider_id, path, size, sha256, now_ms()),
    )


def forget_media(conn: sqlite3.Connection, account_id: int, recording_provider_id: str) -> None:
    conn.execute(
        "DELETE FROM media_files WHERE account_id = ? AND recording_provider_id = ?", (account_id, recording_provider_id)
    )


def media_totals(conn: sqlite3.Connection) -> tuple[int, int]:
    files, size = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM media_files").fetchone()
    return files, size


def media_for_call(conn: sqlite3.Connection, account_name: str, provider_id: str) -> list[MediaFile]:
    rows = conn.execute(
        "SELECT m.recording_provider_id, m.path, m.size, m.sha256 FROM calls c "
        "JOIN accounts a ON a.id = c.account_id "
        "JOIN recordings r ON r.call_id = c.id "
        "JOIN media_files m ON m.account_id = r.account_id AND m.recording_provider_id = r.provider_id "
        "WHERE a.name = ? AND c.provider_id = ? ORDER BY r.start_ms, r.id",
        (account_name, provider_id),
    )
    return [MediaFile(*r) for r in rows]


def _require_call(conn: sqlite3.Connection, account_name: str, provider_id: str) -> int:
    cid = call_id(conn, account_name, provider_id)
    if cid is None:
        raise UserFacingError(f"No call {account_name}/{provider_id} in the cache; `recbrowser calls` lists the refs.")
    return cid


MAX_NOTE = 5_000
MAX_TAG = 40


def clean_note(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise UserFacingError("A note needs some text: type what you want to remember about this moment.")
    if len(text) > MAX_NOTE:
        raise UserFacingError(f"A note holds at most {MAX_NOTE:,} characters; this one has {len(text):,}: shorten it.")
    return text


def clean_tag(tag: str) -> str:
    """One tag as stored: trimmed, inner spaces collapsed; commas separate tags where they are typed."""
    tag = " ".join((tag or "").split())
    if not tag:
        raise UserFacingError("A tag needs at least one letter.")
    if "," in tag:
        raise UserFacingError(f"A tag cannot hold a comma ('{tag}'): commas separate tags.")
    if len(tag) > MAX_TAG:
        raise UserFacingError(f"A tag holds at most {MAX_TAG} characters; shorten '{tag[:MAX_TAG]}…'.")
    return tag


def add_note(conn: sqlite3.Connection, account_name: str, provider_id: str, offset_ms: int | None, text: str) -> Note:
    text = clean_note(text)
    cid = _require_call(conn, account_name, provider_id)
    created = now_ms()
    offset_ms = max(0, int(offset_ms)) if offset_ms is not None else None
    cur = conn.execute(
        "INSERT INTO notes (call_id, offset_ms, text, created_ms) VALUES (?, ?, ?, ?)", (cid, offset_ms, text, created)
    )
    return Note(id=cur.lastrowid or 0, offset_ms=offset_ms, text=text, created_ms=created)


def update_note(conn: sqlite3.Connection, note_id: int, text: str) -> None:
    text = clean_note(text)
    if conn.execute("UPDATE notes SET text = ? WHERE id = ?", (text, note_id)).rowcount == 0:
        raise UserFacingError("That note was deleted in the meantime; add it again.")


def notes(conn: sqlite3.Connection, account_name: str, provider_id: str) -> list[Note]:
    cid = call_id(conn, account_name, provider_id)
    if cid is None:
        return []
    rows = conn.execute(
        "SELECT id, offset_ms, text, created_ms FROM notes WHERE call_id = ? ORDER BY offset_ms IS NULL, offset_ms, id",
        (cid,),
    )
    return [Note(*r) for r in rows]


def delete_note(conn: sqlite3.Connection, note_id: int) -> None:
    conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))


def add_tag(conn: sqlite3.Connection, account_name: str, provider_id: str, tag: str) -> str:
    """Tag the call; returns the tag as stored. A tag already used on any call, in another
    case, is reused as spelled there, so 'VIP' and 'vip' never become two tags."""
    tag = clean_tag(tag)
    cid = _require_call(conn, account_name, provider_id)
    known = conn.execute("SELECT tag FROM tags WHERE tag = ? COLLATE NOCASE LIMIT 1", (tag,)).fetchone()
    tag = known[0] if known else tag
    conn.execute("INSERT OR IGNORE INTO tags (call_id, tag) VALUES (?, ?)", (cid, tag))
    return tag


def remove_tag(conn: sqlite3.Connection, account_name: str, provider_id: str, tag: str) -> None:
    cid = call_id(conn, account_name, provider_id)
    if cid is not None:
        conn.execute("DELETE FROM tags WHERE call_id = ? AND tag = ?", (cid, tag))


def tags(conn: sqlite3.Connection, account_name: str, provider_id: str) -> list[str]:
    cid = call_id(conn, account_name, provider_id)
    if cid is None:
        return []
    return [r[0] for r in conn.execute("SELECT tag FROM tags WHERE call_id = ? ORDER BY tag", (cid,))]


def all_tags(conn: sqlite3.Connection) -> list[str]:
    """Every tag in use, the most used first: what the tag editor offers to complete."""
    rows = conn.execute("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC, tag COLLATE NOCASE")
    return [r[0] for r in rows]
