"""What `team init`, `team grant` and `team revoke` do, as functions (the CLI is cli_team.py's).

Role names always go through `psycopg.sql.Identifier`: a user name is never pasted into SQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

import psycopg
from psycopg import sql

from recbrowser.errors import UserFacingError
from recbrowser.store.accounts import now_ms
from recbrowser.store.postgres import schema
from recbrowser.store.postgres.connection import connect
from recbrowser.store.postgres.schema_v1 import ADMIN, ROLES, SERVICE, SUPERVISOR

PUBLIC_KEY = "sealing_public_key"  # team_settings key of the team's public sealing key
ARCHIVE_ID = "archive_id"  # team_settings key of the archive's random id (PgStore.cache_id)


def _conn(conn_or_url: psycopg.Connection | str) -> tuple[psycopg.Connection, bool]:
    if isinstance(conn_or_url, str):
        return connect(conn_or_url), True
    return conn_or_url, False


def init_archive(conn_or_url: psycopg.Connection | str, *, public_key: bytes | None = None,
                 migrations: Sequence[schema.Migration] | None = None) -> int:
    """Create or migrate the archive's schema and its roles; returns the schema version.
    Run as the database's owner (or a superuser): it owns the tables, and only it may ever
    rewrite the audit log. `public_key`: the team's public sealing key, stored for every client."""
    conn, own = _conn(conn_or_url)
    try:
        schema.check_version(conn, migrations)  # refuse a newer archive before writing anything
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (schema.LOCK_KEY,))
            try:
                schema.ensure_roles(conn)
            except psycopg.errors.InsufficientPrivilege:
                raise UserFacingError(
                    "This database user may not create roles: run `team init` as the database's owner with CREATEROLE, "
                    "or a superuser."
                ) from None
        version = schema.migrate(conn, migrations)
        if team_setting(conn, ARCHIVE_ID) is None:
            set_team_setting(conn, ARCHIVE_ID, secrets.token_hex(16).encode())
        if public_key is not None:
            set_team_setting(conn, PUBLIC_KEY, public_key)
        return version
    finally:
        if own:
            conn.close()


def set_team_setting(conn: psycopg.Connection, key: str, value: bytes) -> None:
    conn.execute(
        "INSERT INTO team_settings (key, value, updated_ms) VALUES (%s, %s, %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
        (key, value, now_ms()),
    )


def team_setting(conn: psycopg.Connection, key: str) -> bytes | None:
    row = conn.execute("SELECT value FROM team_settings WHERE key = %s", (key,)).fetchone()
    return bytes(row[0]) if row else None


def _require_user(conn: psycopg.Connection, user: str) -> None:
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone():
        raise UserFacingError(
            f"There is no database user '{user}': create it first (CREATE ROLE \"{user}\" LOGIN PASSWORD ...), "
            "then grant it accounts."
        )
    if user in ROLES:
        raise UserFacingError(f"'{user}' is one of recbrowser's group roles: grant accounts to a person's database user.")


def _account_ids(conn: psycopg.Connection, accounts: Iterable[str]) -> dict[str, int]:
    names = list(dict.fromkeys(accounts))
    found = dict(conn.execute("SELECT name, id FROM accounts WHERE name = ANY(%s)", (names,)).fetchall())
    missing = [n for n in names if n not in found]
    if missing:
        raise UserFacingError(
            f"There is no account {', '.join(repr(m) for m in missing)} in the team archive: "
            "`recbrowser --team NAME accounts` lists them."
        )
    return {n: found[n] for n in names}


def has_team_role(conn: psycopg.Connection, user: str) -> bool:
    return bool(conn.execute(
        "SELECT bool_or(pg_has_role(%s, r, 'MEMBER')) FROM unnest(%s::text[]) r", (user, list(ROLES))
    ).fetchone()[0])


def grant(conn: psycopg.Connection, user: str, accounts: Iterable[str]) -> list[str]:
    """Let `user` see these accounts; gives the user the supervisor role if it has none of
    recbrowser's roles. Idempotent. Returns the account names granted."""
    _require_user(conn, user)
    with conn.transaction():
        ids = _account_ids(conn, accounts)
        if not has_team_role(conn, user):
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(SUPERVISOR), sql.Identifier(user)))
        now = now_ms()
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO grants (account_id, db_user, granted_ms) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                [(i, user, now) for i in ids.values()],
            )
    return list(ids)


def revoke(conn: psycopg.Connection, user: str, accounts: Iterable[str] | None = None) -> int:
    """Stop `user` seeing these accounts (all of them when None); returns how many grants went.
    The supervisor role stays: with no grants it sees nothing."""
    with conn.transaction():
        if accounts is None:
            cur = conn.execute("DELETE FROM grants WHERE db_user = %s", (user,))
        else:
            ids = _account_ids(conn, accounts)
            cur = conn.execute("DELETE FROM grants WHERE db_user = %s AND account_id = ANY(%s::bigint[])", (user, list(ids.values())))
    return cur.rowcount


def make_service(conn: psycopg.Connection, user: str) -> None:
    """Give a login role the service role (the one `team serve` connects as)."""
    _require_user(conn, user)
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(SERVICE), sql.Identifier(user)))


def make_admin(conn: psycopg.Connection, user: str) -> None:
    _require_user(conn, user)
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(ADMIN), sql.Identifier(user)))


def create_login(conn: psycopg.Connection, user: str, password: str) -> None:
    """A new PostgreSQL login role (what a DBA does before `team grant`; the demo's service login)."""
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(user), sql.Literal(password)))
