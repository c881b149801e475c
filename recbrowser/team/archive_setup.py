"""`recbrowser team init`: set up (or bring up to date) a team archive, as its admin, once.

In this order, so a failure leaves nothing half made: the bucket must be writable with the
given key pair; the schema is created or migrated (a newer one is refused before anything is
written) with its roles; then the team's sealing key pair is made, unless the archive has one
already (a new pair would orphan every sealed provider secret). The private half is written to
a new 0600 key file (`--key-file`, else `sealing.default_key_file` in this data folder, where a
`team serve` on this computer finds it) before the public half is published, so no secret can
ever be sealed to a key nobody holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recbrowser.team import sealing
from recbrowser.team.media_store import MediaStore
from recbrowser.team.profiles import check_db_url, check_secrets


@dataclass(frozen=True)
class InitResult:
    version: int  # the schema version the archive is at now
    archive_id: str
    new_key: bool  # a key pair was made now (False: the archive had one)
    key_file: Path | None  # where the private half went (None: the archive had a key pair)


def init_team(db_url: str, media_url: str, secrets: dict[str, str], *, s3_endpoint: str | None = None,
              s3_region: str | None = None, key_file: Path | None = None, data_root: Path) -> InitResult:
    """`key_file`: where the new private half goes (None: the default file under `data_root`)."""
    from recbrowser.store.postgres import ARCHIVE_ID, PUBLIC_KEY, PgStore, init_archive, with_password

    check_db_url(db_url)
    secrets = check_secrets(secrets)
    if key_file is not None and key_file.exists():
        raise sealing.SealingError(f"{key_file} already exists; choose a new path for the team's private key "
                                   "(an existing file may hold the only key that opens the archive's secrets).")
    media = MediaStore.from_url(media_url, access_key=secrets["access_key"], secret_key=secrets["secret_key"],
                                endpoint=s3_endpoint, region=s3_region)
    media.check_bucket(writable=True)
    url = with_password(db_url, secrets.get("password"))
    version = init_archive(url)
    with PgStore.open(db_url, password=secrets.get("password")) as store:
        archive_id = (store.team_setting(ARCHIVE_ID) or b"").decode()
        if store.team_setting(PUBLIC_KEY) is not None:
            return InitResult(version, archive_id, False, None)
        key_file = key_file or sealing.default_key_file(data_root, archive_id)
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        public, private = sealing.new_key_pair()
        sealing.write_key_file(key_file, private)
        store.set_team_setting(PUBLIC_KEY, public)
        return InitResult(version, archive_id, True, key_file)
