"""Opening a connection to the team archive, with one clear sentence when it fails.

psycopg's own messages can be long and name libpq internals; a supervisor needs which host and
what to check. A password never appears: the URL is only ever shown as host:port/database.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from recbrowser.errors import StoreUnreachable

CONNECT_TIMEOUT_S = 10


class ArchiveUnreachable(StoreUnreachable):
    """The team archive's database cannot be reached or refuses the login."""


def where(url: str) -> str:
    """host:port/database of a PostgreSQL URL or conninfo, without user or password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the team archive"
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def with_password(url: str, password: str | None) -> str:
    """The URL (or conninfo) with this password added: what to connect with, never to show."""
    if not password:
        return url
    try:
        return make_conninfo(url, password=password)
    except psycopg.ProgrammingError:
        raise ArchiveUnreachable("The team archive's address is not a PostgreSQL URL: write it as "
                                 "postgresql://USER@HOST:PORT/DATABASE.") from None


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    """An autocommit connection (statements commit alone; `with conn.transaction()` groups them)."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, **kwargs)
    except psycopg.ProgrammingError:
        raise ArchiveUnreachable("The team archive's address is not a PostgreSQL URL: write it as "
                                 "postgresql://USER@HOST:PORT/DATABASE.") from None
    except psycopg.OperationalError as e:
        raise ArchiveUnreachable(explain(url, e)) from None


def explain(url: str, error: BaseException) -> str:
    text = str(error).lower()
    at = where(url)
    if "password authentication failed" in text or "no password supplied" in text:
        return f"The team archive at {at} refused the login: check the database user and its password in the team profile."
    if "does not exist" in text and "database" in text:
        return f"There is no database at {at}: check the database name, or ask your admin to run `recbrowser team init`."
    if "pg_hba" in text or "no pg_hba.conf entry" in text:
        return f"The team archive at {at} does not accept connections from this computer: ask your admin to allow it (pg_hba.conf)."
    return f"The team archive at {at} cannot be reached: check the host and port, and that PostgreSQL is running there."
