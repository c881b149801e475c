"""A team archive set up on running servers, as an admin would: for `./run team-demo`, the
serve benchmark and the serve tests.

The admin's steps, in order: create the schema and roles with the team's public sealing key
(`team init`), write the private half to a 0600 key file for the serving hosts, add one account
per provider emulator with its secrets sealed to the team key (`accounts add` on the archive),
create a service login and a supervisor login (the DBA's part), grant the supervisor every
account, and save this host's profiles: one for `team serve` (service login, S3 write key) and
one for the desktop (supervisor login, S3 read-only key).
"""

from __future__ import annotations

import secrets as random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.domain import Account
from recbrowser.paths import DataDir
from recbrowser.store import open_store
from recbrowser.store.postgres import PUBLIC_KEY, PgStore, create_login, grant, init_archive, make_service
from recbrowser.team import profiles, sealing

if TYPE_CHECKING:
    from recbrowser.emulators.server import EmulatorServer
    from recbrowser.team.postgres_server import PostgresServer
    from recbrowser.team.s3_server import S3Server


@dataclass
class TeamArchive:
    serve_profile: str  # `recbrowser --team <this> team serve --key-file <key_file>`
    desk_profile: str  # `recbrowser --team <this> calls` (a supervisor granted every account)
    key_file: Path
    accounts: dict[str, EmulatorServer] = field(default_factory=dict)  # account name -> its emulator
    logins: list[str] = field(default_factory=list)  # the login roles made (to drop after a test)


def set_up_team_archive(dd: DataDir, pg: PostgresServer, s3: S3Server, emulators: list[EmulatorServer], *,
                        owner_url: str, dbname: str, bucket: str, key_folder: Path, name: str = "team") -> TeamArchive:
    """`owner_url`: the database's owner (or the superuser) on database `dbname` of `pg`."""
    # The local cache, made before the workers start: two processes creating one fresh SQLite
    # cache at the same moment make one of them fail as "busy" (switching it to WAL needs it alone).
    open_store(dd.database).close()
    public, private = sealing.new_key_pair()
    init_archive(owner_url, public_key=public)
    key_file = key_folder / f"{name}-team.key"
    sealing.write_key_file(key_file, private)
    archive = TeamArchive(f"{name}-serve", f"{name}-desk", key_file)
    with PgStore.open(owner_url) as owner:
        assert owner.team_setting(PUBLIC_KEY) == public
        for server in emulators:
            info = server.describe()
            account = owner.add_account(Account(name=f"{info['provider'].capitalize()} {name}",
                                                provider=info["provider"], settings=info["settings"]))
            assert account.id is not None
            owner.set_sealed_secret(account.id, sealing.seal(info["secrets"], public))
            archive.accounts[account.name] = server
        logins = {}
        for role in ("serve", "desk"):
            user, password = f"{name.replace('-', '_')}_{role}_{random.token_hex(3)}", random.token_urlsafe(12)
            create_login(owner.connection, user, password)
            logins[role] = (user, password)
            archive.logins.append(user)
        make_service(owner.connection, logins["serve"][0])
        grant(owner.connection, logins["desk"][0], list(archive.accounts))
    for role, keys in (("serve", s3.write_key), ("desk", s3.read_key)):
        user, password = logins[role]
        profiles.connect(dd, f"{name}-{role}", f"postgresql://{user}@127.0.0.1:{pg.port}/{dbname}", f"s3://{bucket}",
                         {"password": password, "access_key": keys.access_key, "secret_key": keys.secret_key},
                         s3_endpoint=s3.endpoint)
    return archive
