"""`--team NAME`: the store location "team:NAME" is the team archive of profile NAME.

`use_team(data_dir, name)` checks that the profile exists, registers the "team" scheme with
`recbrowser.store.register_opener` and returns the data dir whose `database` is "team:NAME":
from then on `open_store(data_dir.database)` (the CLI, the window, each worker thread) opens
the PostgreSQL archive with the profile's login, read from the keyring when a store opens. The
media cache, settings and logs stay in the data dir. Nothing here loads for the SQLite default.
"""

from __future__ import annotations

from dataclasses import replace

from recbrowser.paths import DataDir
from recbrowser.store import register_opener

SCHEME = "team"
_HOMES: dict[str, DataDir] = {}  # "team:NAME" -> the data dir its profile is in (use_team)


def location_of(name: str) -> str:
    return f"{SCHEME}:{name}"


def profile_name(location: str) -> str:
    return str(location).partition(":")[2]


def team_opener(dd: DataDir, location: str):  # -> recbrowser.store.postgres.PgOpener
    from recbrowser.store.postgres import PgOpener
    from recbrowser.team import profiles

    def login() -> tuple[str, str | None]:
        profile = profiles.load_profile(dd, profile_name(location))
        return profile.db_url, profiles.load_secrets(profile).get("password")

    return PgOpener(location, login)


def use_team(dd: DataDir, name: str) -> DataDir:
    """The data dir whose database is the team archive of profile `name` (which must exist)."""
    from recbrowser.team import profiles

    profiles.load_profile(dd, name)  # one sentence now when there is no such profile
    home = replace(dd, team=None)
    _HOMES[location_of(name)] = home
    register_opener(SCHEME, lambda location: team_opener(home, location))
    return replace(dd, team=name)


def open_media(location: object):  # -> recbrowser.team.media_store.MediaStore
    """The object storage of the team archive at `location` ("team:NAME"), with the profile's
    key pair from the keyring."""
    from recbrowser.team import profiles

    text = str(location)
    home = _HOMES.get(text)
    if home is None:
        raise profiles.ProfileError(f"{text} is not a team archive opened with --team: its media cannot be reached.")
    return profiles.open_media(profiles.load_profile(home, profile_name(text)))
