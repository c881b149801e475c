"""The team archive on PostgreSQL: a second implementation of the store interface (api.CallStore).

What code outside store/ may use (tests/test_import_rules.py): the store and its opener, the
admin's functions that set an archive up, the team setting that holds the public sealing key,
the error for an unreachable archive, and the connection string with a password. Importing this
loads psycopg: only team commands and a `--team` window do (tests/test_startup_imports.py).
"""

from recbrowser.store.postgres.admin import ARCHIVE_ID, PUBLIC_KEY, create_login, grant, init_archive, make_service
from recbrowser.store.postgres.connection import ArchiveUnreachable, with_password
from recbrowser.store.postgres.opener import PgFirstCount, PgOpener
from recbrowser.store.postgres.store import PgStore

__all__ = ["ARCHIVE_ID", "PUBLIC_KEY", "ArchiveUnreachable", "PgFirstCount", "PgOpener", "PgStore", "create_login",
           "grant", "init_archive", "make_service",
           "with_password"]
