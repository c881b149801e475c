"""Numbered migrations of the team archive's PostgreSQL schema (the SQLite cache's discipline).

`MIGRATIONS[i]` takes the schema from version i to i + 1; to change the schema, append one
(never edit a released one). Each step runs in one transaction with its version bump: PostgreSQL's
DDL is transactional, so a failed or killed step leaves the archive at the step before. An
advisory lock makes two `team init` at once take turns; the version is re-read under it.
An archive written by a newer recbrowser is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import psycopg
from psycopg import sql

from recbrowser.errors import SchemaTooNew
from recbrowser.store.postgres import schema_v1, schema_v2, schema_v3

Migration = Callable[[psycopg.Connection], None]

# pg_advisory_xact_lock key: "recbrowser" as a number, so other applications' locks don't collide.
LOCK_KEY = 0x7265_6362_726F_7773


def v1_initial(conn: psycopg.Connection) -> None:
    conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (0)")
    conn.execute("GRANT SELECT ON schema_version TO " + ", ".join(schema_v1.ROLES))
    for statement in schema_v1.statements():
        conn.execute(statement.encode())  # bytes: our own SQL, sent as is (no placeholders)


def v2_provider_insights(conn: psycopg.Connection) -> None:
    for statement in schema_v2.statements():
        conn.execute(statement.encode())


def v3_call_figures(conn: psycopg.Connection) -> None:
    for statement in schema_v3.statements():
        conn.execute(statement.encode())


MIGRATIONS: list[Migration] = [v1_initial, v2_provider_insights, v3_call_figures]


def current_version(conn: psycopg.Connection) -> int:
    """The archive's schema version: 0 for a database without one."""
    found = conn.execute("SELECT to_regclass('public.schema_version') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0) if row else 0


def refuse_newer(version: int, known: int) -> None:
    if version > known:
        raise SchemaTooNew(
            f"This team archive was written by a newer recbrowser (schema {version}; this version knows {known}): "
            "update recbrowser on this computer."
        )


def check_version(conn: psycopg.Connection, migrations: Sequence[Migration] | None = None) -> int:
    """For every connection of the app (not only `team init`): the archive's version, after
    refusing a newer one; an older one is left for `team init` to migrate."""
    version = current_version(conn)
    refuse_newer(version, len(MIGRATIONS if migrations is None else migrations))
    return version


def ensure_roles(conn: psycopg.Connection) -> None:
    """The three NOLOGIN group roles (cluster-wide, so they may exist from another archive).
    admin may hand the supervisor role to users (`team grant`): ADMIN OPTION on it."""
    for role in schema_v1.ROLES:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    conn.execute(sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(
        sql.Identifier(schema_v1.SUPERVISOR), sql.Identifier(schema_v1.ADMIN)))


def migrate(conn: psycopg.Connection, migrations: Sequence[Migration] | None = None) -> int:
    """Bring the archive to the newest schema; returns the new version. `conn` must be in
    autocommit mode (each step opens its own transaction)."""
    steps = MIGRATIONS if migrations is None else migrations
    target = len(steps)
    version = check_version(conn, steps)
    for number in range(version, target):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            now = current_version(conn)  # another init may have migrated while we waited
            refuse_newer(now, target)
            if now > number:
                continue
            steps[number](conn)
            conn.execute("UPDATE schema_version SET version = %s", (number + 1,))
    return target
