"""The team archive on PostgreSQL: a second implementation of the store interface (api.CallStore).

What code outside store/ may use (tests/test_import_rules.py): the store and its opener, the
admin's functions that set an archive up, and the error for an unreachable archive. Importing
this loads psycopg: only team commands and a `--team` window do (tests/test_startup_imports.py).
"""

from recbrowser.store.postgres.admin import ARCHIVE_ID, PUBLIC_KEY, init_archive
from recbrowser.store.postgres.connection import ArchiveUnreachable, with_password
from recbrowser.store.postgres.opener import PgFirstCount, PgOpener
from recbrowser.store.postgres.store import PgStore

__all__ = ["ARCHIVE_ID", "PUBLIC_KEY", "ArchiveUnreachable", "PgFirstCount", "PgOpener", "PgStore", "init_archive",
           "with_password"]
