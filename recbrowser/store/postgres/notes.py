"""Accounts, sync state, media records, notes, tags and the audit log on PostgreSQL.

Notes and tags carry their author: the database user (a column default, checked by a policy),
never a name the client sends. The audit log records the database user the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.store.accounts import _check_settings, now_ms
from recbrowser.store.audit import AuditEntry
from recbrowser.store.media import clean_note, clean_tag
from recbrowser.store.postgres.calls import call_key
from recbrowser.store.records import MediaFile, Note


@dataclass
class AuthoredNote(Note):
    """A note in the team archive: shared with everyone who sees the call, with its author."""

    author: str = ""


# -- accounts -------------------------------------------------------------------------------------
def add_account(conn: psycopg.Connection, account: Account) -> Account:
    settings = _check_settings(account)
    try:
        row = conn.execute("INSERT INTO accounts (name, provider, settings, created_ms) VALUES (%s, %s, %s::jsonb, %s) "
                           "RETURNING id", (account.name, account.provider, settings, now_ms())).fetchone()
    except psycopg.errors.UniqueViolation:
        raise UserFacingError(f"An account named '{account.name}' already exists.") from None
    return Account(name=account.name, provider=account.provider, settings=dict(account.settings), id=row[0] if row else None)


def accounts(conn: psycopg.Connection) -> list[Account]:
    return [Account(id=r[0], name=r[1], provider=r[2], settings=dict(r[3]))
            for r in conn.execute("SELECT id, name, provider, settings FROM accounts ORDER BY name")]


def account(conn: psycopg.Connection, name: str) -> Account | None:
    r = conn.execute("SELECT id, name, provider, settings FROM accounts WHERE name = %s", (name,)).fetchone()
    return Account(id=r[0], name=r[1], provider=r[2], settings=dict(r[3])) if r else None


def update_account(conn: psycopg.Connection, account: Account) -> None:
    settings = _check_settings(account)
    if account.id is None:
        raise UserFacingError(f"Account '{account.name}' has no id: read it from the archive before updating it.")
    try:
        cur = conn.execute("UPDATE accounts SET name = %s, provider = %s, settings = %s::jsonb WHERE id = %s",
                           (account.name, account.provider, settings, account.id))
    except psycopg.errors.UniqueViolation:
        raise UserFacingError(f"An account named '{account.name}' already exists.") from None
    if cur.rowcount == 0:
        raise UserFacingError(f"There is no account '{account.name}' in the team archive any more.")


def remove_account(conn: psycopg.Connection, name: str) -> None:
    # ON DELETE CASCADE removes its calls and everything under them, grants, lease, secret.
    conn.execute("DELETE FROM accounts WHERE name = %s", (name,))


def get_state(conn: psycopg.Connection, account_id: int, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE account_id = %s AND key = %s", (account_id, key)).fetchone()
    return row[0] if row else None


def set_state(conn: psycopg.Connection, account_id: int, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM sync_state WHERE account_id = %s AND key = %s", (account_id, key))
        return
    conn.execute(
        "INSERT INTO sync_state (account_id, key, value, updated_ms) VALUES (%s, %s, %s, %s) ON CONFLICT (account_id, key) "
        "DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms", (account_id, key, value, now_ms()))


# -- media (objects in S3, addressed by SHA-256) -----------------------------------------------------
def record_media(conn: psycopg.Connection, account_id: int, recording_provider_id: str, object_key: str, size: int,
                 sha256: str) -> None:
    conn.execute(
        "INSERT INTO media_files (account_id, recording_provider_id, object_key, size, sha256, stored_ms) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account_id, recording_provider_id) DO UPDATE SET "
        "object_key = excluded.object_key, size = excluded.size, sha256 = excluded.sha256, stored_ms = excluded.stored_ms",
        (account_id, recording_provider_id, object_key, size, sha256.lower(), now_ms()))


def forget_media(conn: psycopg.Connection, account_id: int, recording_provider_id: str) -> None:
    conn.execute("DELETE FROM media_files WHERE account_id = %s AND recording_provider_id = %s",
                 (account_id, recording_provider_id))


def media_totals(conn: psycopg.Connection) -> tuple[int, int]:
    files, size = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM media_files").fetchone()
    return int(files), int(size)


def media_for_call(conn: psycopg.Connection, account_name: str, provider_id: str) -> list[MediaFile]:
    """MediaFile.path is the object key in the team's bucket."""
    rows = conn.execute(
        "SELECT m.recording_provider_id, m.object_key, m.size, m.sha256 FROM calls c JOIN accounts a ON a.id = c.account_id "
        "JOIN recordings r ON r.account_id = c.account_id AND r.call_id = c.id "
        "JOIN media_files m ON m.account_id = r.account_id AND m.recording_provider_id = r.provider_id "
        "WHERE a.name = %s AND c.provider_id = %s ORDER BY r.start_ms NULLS FIRST, r.seq", (account_name, provider_id))
    return [MediaFile(*r) for r in rows]


# -- notes and tags ---------------------------------------------------------------------------------
def _require_call(conn: psycopg.Connection, account_name: str, provider_id: str) -> tuple[int, int]:
    key = call_key(conn, account_name, provider_id)
    if key is None:
        raise UserFacingError(f"No call {account_name}/{provider_id} in the team archive; `recbrowser calls` lists the refs.")
    return key


def add_note(conn: psycopg.Connection, account_name: str, provider_id: str, offset_ms: int | None, text: str) -> AuthoredNote:
    text = clean_note(text)
    account_id, call_id = _require_call(conn, account_name, provider_id)
    offset_ms = max(0, int(offset_ms)) if offset_ms is not None else None
    created = now_ms()
    row = conn.execute("INSERT INTO notes (account_id, call_id, offset_ms, text, created_ms) VALUES (%s, %s, %s, %s, %s) "
                       "RETURNING id, author", (account_id, call_id, offset_ms, text, created)).fetchone()
    return AuthoredNote(id=row[0], offset_ms=offset_ms, text=text, created_ms=created, author=row[1])


def notes(conn: psycopg.Connection, account_name: str, provider_id: str) -> list[AuthoredNote]:
    key = call_key(conn, account_name, provider_id)
    if key is None:
        return []
    rows = conn.execute("SELECT id, offset_ms, text, created_ms, author FROM notes WHERE account_id = %s AND call_id = %s "
                        "ORDER BY offset_ms NULLS LAST, id", key)
    return [AuthoredNote(*r) for r in rows]


def _author(conn: psycopg.Connection, table: str, where: str, params: tuple) -> str | None:
    row = conn.execute(f"SELECT author FROM {table} WHERE {where}", params).fetchone()
    return row[0] if row else None


def update_note(conn: psycopg.Connection, note_id: int, text: str) -> None:
    text = clean_note(text)
    if conn.execute("UPDATE notes SET text = %s WHERE id = %s", (text, note_id)).rowcount == 0:
        author = _author(conn, "notes", "id = %s", (note_id,))
        if author is not None:
            raise UserFacingError(f"This note was written by {author}; only they can change it.")
        raise UserFacingError("That note was deleted in the meantime; add it again.")


def delete_note(conn: psycopg.Connection, note_id: int) -> None:
    if conn.execute("DELETE FROM notes WHERE id = %s", (note_id,)).rowcount == 0:
        author = _author(conn, "notes", "id = %s", (note_id,))
        if author is not None:
            raise UserFacingError(f"This note was written by {author}; only they or an admin can delete it.")


def add_tag(conn: psycopg.Connection, account_name: str, provider_id: str, tag: str) -> str:
    """Tag the call; a tag already used on a visible call, in another case, is reused as spelled there."""
    tag = clean_tag(tag)
    account_id, call_id = _require_call(conn, account_name, provider_id)
    known = conn.execute("SELECT tag FROM tags WHERE tag_key = lower(%s) LIMIT 1", (tag,)).fetchone()
    tag = known[0] if known else tag
    conn.execute("INSERT INTO tags (account_id, call_id, tag) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                 (account_id, call_id, tag))
    return tag


def remove_tag(conn: psycopg.Connection, account_name: str, provider_id: str, tag: str) -> None:
    key = call_key(conn, account_name, provider_id)
    if key is None:
        return
    where, params = "account_id = %s AND call_id = %s AND tag = %s", (*key, tag)
    if conn.execute(f"DELETE FROM tags WHERE {where}", params).rowcount == 0:
        author = _author(conn, "tags", where, params)
        if author is not None:
            raise UserFacingError(f"The tag '{tag}' was added by {author}; only they or an admin can remove it.")


def tags(conn: psycopg.Connection, account_name: str, provider_id: str) -> list[str]:
    key = call_key(conn, account_name, provider_id)
    if key is None:
        return []
    return [r[0] for r in conn.execute('SELECT tag FROM tags WHERE account_id = %s AND call_id = %s ORDER BY tag COLLATE "C"', key)]


def all_tags(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute('SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC, lower(tag) COLLATE "C", tag COLLATE "C"')
    return [r[0] for r in rows]


# -- audit log --------------------------------------------------------------------------------------
def log_access(conn: psycopg.Connection, entries: list[AuditEntry]) -> None:
    """Append; the account id is looked up by name (0 when the account is gone: the trail stays)."""
    ids = dict(conn.execute("SELECT name, id FROM accounts WHERE name = ANY(%s)",
                            (list({e.account for e in entries}),)).fetchall())
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO audit_log (account_id, at_ms, client_user, action, account, call_id, detail) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(ids.get(e.account, 0), e.at_ms, e.user, e.action, e.account, e.call_id, e.detail) for e in entries])


def audit_log(conn: psycopg.Connection, account: str | None = None, call_id: str | None = None,
              since_ms: int | None = None, limit: int = 1000) -> list[AuditEntry]:
    """Newest first; `user` is the database user who did it."""
    where, args = [], []
    for clause, value in (("account = %s", account), ("call_id = %s", call_id), ("at_ms >= %s", since_ms)):
        if value is not None:
            where.append(clause)
            args.append(value)
    sql = "SELECT at_ms, db_user, action, account, call_id, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [AuditEntry(*r) for r in conn.execute(sql + " ORDER BY at_ms DESC, id DESC LIMIT %s", (*args, limit))]
