"""Provider accounts on a team archive: settings in PostgreSQL, secrets sealed to the serving hosts.

An admin adds an account from their own desktop; its secrets are sealed (sealing.seal) to the
team's public key, kept in the archive's team settings, and stored as that blob only: nothing
goes to this computer's keyring, nothing readable to PostgreSQL or a supervisor. Only a host
holding the team's private key (`team serve`) can unseal them.
"""

from __future__ import annotations

from typing import Any

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError

PUBLIC_KEY = "sealing_public_key"  # store.postgres.PUBLIC_KEY, without loading psycopg here


def is_team_archive(store: Any) -> bool:
    """Whether `store` is a team archive (it keeps sealed secrets) rather than a local cache."""
    return hasattr(store, "set_sealed_secret")


def no_such_call(store: Any, ref: str) -> str:
    """The sentence for a CALL ref the store does not have (or, on a team archive, does not show
    this login: row-level security hides the calls of accounts not granted to it)."""
    if is_team_archive(store):
        return (f"No call {ref} in the team archive that your login can see; `recbrowser calls` lists the refs "
                "(an admin grants more accounts with `recbrowser team grant`).")
    return f"No call {ref} in the cache; `recbrowser calls` lists the refs."


def add_account(store: Any, cls: type, provider: str, name: str, settings: dict[str, str],
                secrets: dict[str, str]) -> Account:
    """The account and its sealed secrets in one transaction: both kept, or neither."""
    from recbrowser.team import sealing  # PyNaCl: loaded by a team archive's accounts only

    public_key = store.team_setting(PUBLIC_KEY)
    if public_key is None:
        raise UserFacingError("This team archive has no team key yet, so provider secrets cannot be sealed: "
                              "ask your admin to run `recbrowser team init` again.")
    sealed = sealing.seal(secrets, public_key)
    defaults = {f.key: f.default for f in cls.settings_schema if f.default and not f.secret}
    with store.transaction():
        account = store.add_account(Account(name=name, provider=provider, settings={**defaults, **settings}))
        store.set_sealed_secret(account.id, sealed)
    return account
