"""The team archive in PostgreSQL. Outside store/, the team's modules use only this face:
PgStore with its team-only methods (leases, sealed secrets, team settings), the admin's set-up
functions, the team setting that holds the public sealing key, and the connection string with
a password."""

from recbrowser.store.postgres.admin import PUBLIC_KEY, create_login, grant, init_archive, make_service
from recbrowser.store.postgres.connection import ArchiveUnreachable, with_password
from recbrowser.store.postgres.store import PgStore

__all__ = ["PUBLIC_KEY", "ArchiveUnreachable", "PgStore", "create_login", "grant", "init_archive", "make_service",
           "with_password"]
