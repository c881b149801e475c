"""Team connection profiles: how this desktop (or serving host) reaches a team archive.

`recbrowser team connect NAME ...` saves one profile: the non-secret parts (database URL
without a password, `s3://BUCKET[/PREFIX]`, S3 endpoint and region) in a 0600 JSON file in
the data folder, the secrets (`password`, `access_key`, `secret_key`) in the OS keyring under
an entry named by the profile and a random id kept in that file, so two data folders may each
have a profile of the same name. Secrets never appear on the command line: a URL carrying a
password is refused.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets as random
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from recbrowser import credentials
from recbrowser.errors import UserFacingError
from recbrowser.paths import DataDir
from recbrowser.redact import register_secret
from recbrowser.team.media_store import MediaStore, parse_endpoint, parse_media_url

log = logging.getLogger("recbrowser.team.profiles")

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SECRET_KEYS = ("password", "access_key", "secret_key")
REQUIRED_KEYS = ("access_key", "secret_key")


class ProfileError(UserFacingError):
    pass


@dataclass(frozen=True)
class TeamProfile:
    name: str
    db_url: str  # never with a password: that is in the keyring
    media_url: str  # s3://BUCKET[/PREFIX]
    s3_endpoint: str | None = None  # None: AWS S3
    s3_region: str | None = None
    keyring_entry: str = ""  # the OS keyring entry holding this profile's secrets

    @property
    def bucket(self) -> str:
        return parse_media_url(self.media_url)[0]

    @property
    def prefix(self) -> str:
        return parse_media_url(self.media_url)[1]


def profiles_dir(dd: DataDir) -> Path:
    return dd.root / "team-profiles"


def profile_path(dd: DataDir, name: str) -> Path:
    return profiles_dir(dd) / f"{check_name(name)}.json"


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ProfileError(f"{name!r} is not a team profile name; use up to 64 letters, digits, dots, "
                           "hyphens or underscores, starting with a letter or digit.")
    return name


def check_db_url(url: str) -> str:
    """A PostgreSQL URL with no password in it (the password goes to the keyring)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("postgresql", "postgres"):
        raise ProfileError("--db must be a PostgreSQL address like postgresql://USER@HOST:5432/DBNAME.")
    query = {k.lower() for k in parse_qs(parts.query, keep_blank_values=True)}
    if parts.password is not None or "password" in query:
        raise ProfileError('The --db address has a password in it; leave it out and pass it in --secrets-stdin '
                           'as "password" (secrets never go on the command line, where other users can see them).')
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        raise ProfileError("The --db address has a port that is not a number; use postgresql://USER@HOST:5432/DBNAME.") from None
    return url.strip()


def check_secrets(secrets: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(secrets) - set(SECRET_KEYS))
    if unknown:
        raise ProfileError(f"--secrets-stdin has unknown keys ({', '.join(unknown)}); it takes only "
                           f"{', '.join(SECRET_KEYS)}.")
    missing = [k for k in REQUIRED_KEYS if not secrets.get(k)]
    if missing:
        raise ProfileError(f"--secrets-stdin lacks {' and '.join(missing)}: a team profile needs the S3 key pair "
                           'as {"access_key": "...", "secret_key": "..."} (and "password" for the database).')
    return {k: v for k, v in secrets.items() if v}


def connect(dd: DataDir, name: str, db_url: str, media_url: str, secrets: dict[str, str], *,
            s3_endpoint: str | None = None, s3_region: str | None = None) -> TeamProfile:
    """Save (or replace) profile NAME: everything is checked before anything is written; the
    secrets go to the keyring first, then the file that points at them."""
    check_name(name)
    check_db_url(db_url)
    bucket, prefix = parse_media_url(media_url)
    if s3_endpoint:
        parse_endpoint(s3_endpoint)
    secrets = check_secrets(secrets)
    for value in secrets.values():
        register_secret(value)  # masked in every log line from here on
    old = _read(dd, name)
    entry = old.keyring_entry if old else f"{name}@{random.token_hex(6)}"
    profile = TeamProfile(name, db_url.strip(), "s3://" + "/".join(p for p in (bucket, prefix) if p),
                          s3_endpoint.strip().rstrip("/") if s3_endpoint else None, s3_region or None, entry)
    credentials.save_team_secrets(entry, secrets)
    _write(profile_path(dd, name), profile)
    return profile


def list_profiles(dd: DataDir) -> list[TeamProfile]:
    folder = profiles_dir(dd)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append(_parse(path))
        except ProfileError as e:
            log.warning("%s", e)
    return found


def load_profile(dd: DataDir, name: str) -> TeamProfile:
    profile = _read(dd, name)
    if profile is None:
        raise ProfileError(f"There is no team profile '{name}'; see `recbrowser team list`, or make it with "
                           "`recbrowser team connect`.")
    return profile


def load_secrets(profile: TeamProfile) -> dict[str, str]:
    secrets = credentials.load_team_secrets(profile.keyring_entry)
    for value in secrets.values():
        register_secret(value)
    return secrets


def open_media(profile: TeamProfile) -> MediaStore:
    """The profile's object storage, with the key pair from the keyring."""
    secrets = load_secrets(profile)
    return MediaStore(profile.bucket, profile.prefix, access_key=secrets["access_key"],
                      secret_key=secrets["secret_key"], endpoint=profile.s3_endpoint, region=profile.s3_region)


def remove_profile(dd: DataDir, name: str) -> None:
    """Delete the profile's keyring entry, then its file: interrupted in between, the file
    still names the entry, so running it again finishes the job."""
    path = profile_path(dd, name)
    if not path.exists():
        load_profile(dd, name)  # raises: no such profile
    try:
        profile: TeamProfile | None = _parse(path)
    except ProfileError:
        profile = None  # damaged: the entry it named cannot be read back; the file still goes
    if profile is not None:
        from recbrowser.team import sealing

        sealing.delete_private_key(profile.keyring_entry)  # a serving host's copy of the team key, if any
        credentials.delete_team_secrets(profile.keyring_entry)
    path.unlink(missing_ok=True)


# -- the file ---------------------------------------------------------------------------------
def _read(dd: DataDir, name: str) -> TeamProfile | None:
    path = profile_path(dd, name)
    return _parse(path) if path.exists() else None


def _parse(path: Path) -> TeamProfile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        profile = TeamProfile(**data)
        parse_media_url(profile.media_url)
        if profile.name != path.stem or not profile.keyring_entry:
            raise ValueError
    except (OSError, ValueError, TypeError, UserFacingError):
        raise ProfileError(f"The team profile file {path} is damaged; run `recbrowser team connect {path.stem} ...` again.") from None
    return profile


def _write(path: Path, profile: TeamProfile) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(profile), f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
