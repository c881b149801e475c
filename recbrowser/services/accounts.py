"""Accounts: settings in the store, secrets in the keyring, kept in step."""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from recbrowser import credentials
from recbrowser.domain import Account
from recbrowser.errors import CredentialError, UserFacingError
from recbrowser.providers import plain_http
from recbrowser.providers.base import Provider, provider_class
from recbrowser.providers.timeparse import strptime_format, zone

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def validate(provider: str, name: str, settings: dict[str, str], secrets: dict[str, str]) -> type:
    try:
        cls = provider_class(provider)
    except KeyError as e:
        raise UserFacingError(str(e.args[0])) from None
    # '/' separates account and call in a CALL ref; a trailing '#N' is how long secrets are chunked.
    if not name or "/" in name or name != name.strip() or re.search(r"#\d+$", name):
        raise UserFacingError("An account name must be non-empty, without '/', a trailing '#number' or surrounding spaces.")
    if any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") for ch in name):
        # Control and format characters (escape codes, bidi overrides) would rewrite the terminal
        # or make two names look alike in lists and file names.
        raise UserFacingError("An account name cannot contain control characters (escape codes, tabs, "
                              "direction overrides): use letters, digits, spaces and punctuation.")
    fields = {f.key: f for f in cls.settings_schema}
    for key in settings:
        if key not in fields:
            known = ", ".join(f.key for f in cls.settings_schema if not f.secret)
            raise UserFacingError(f"{cls.title} accounts have no setting {key!r}; the settings are: {known}.")
        if fields[key].secret:
            raise UserFacingError(f"{key} is a secret: pass it with --secrets-stdin, never on the command line.")
        if not settings[key].strip():
            # An empty base_url would quietly mean the vendor's cloud, not the PBX the user meant.
            raise UserFacingError(f"The setting {key} is empty: give it a value, or leave it out to use the default.")
    _check_time_settings(settings)
    _check_addresses(settings)
    kept = set(getattr(cls, "kept_secrets", ()))  # tokens the connector keeps in the entry itself
    for key in secrets:
        if key in kept:
            continue
        if key not in fields or not fields[key].secret:
            known = ", ".join(f.key for f in cls.settings_schema if f.secret)
            raise UserFacingError(f"{cls.title} accounts have no secret {key!r}; the secrets are: {known}.")
    missing = [f.key for f in cls.settings_schema if f.required and not (settings.get(f.key) or secrets.get(f.key))]
    if missing:
        raise UserFacingError(f"A {cls.title} account needs {', '.join(missing)}.")
    return cls


def _check_addresses(settings: dict[str, str]) -> None:
    """An http:// address to another computer is refused now: the secrets would travel in clear."""
    for key, value in settings.items():
        if key.endswith("_url") and plain_http.in_clear(value):
            raise UserFacingError(f"The setting {key}: {plain_http.refusal(value)}.")


def _check_time_settings(settings: dict[str, str]) -> None:
    """A time zone or PBX time format that does not exist is refused now, not at the first sync."""
    try:
        if settings.get("timezone"):
            zone(settings["timezone"])
        if settings.get("time_format"):
            strptime_format(settings["time_format"])
    except ValueError as e:
        raise UserFacingError(str(e)) from None


def add_account(store: CallStore, provider: str, name: str, settings: dict[str, str], secrets: dict[str, str]) -> Account:
    """Secrets go to the keyring first: if the keyring refuses, nothing is stored at all. On a
    team archive they are sealed to its serving hosts instead (recbrowser/team/accounts.py)."""
    cls = validate(provider, name, settings, secrets)
    if store.account(name) is not None:
        raise UserFacingError(f"An account named '{name}' already exists.")
    from recbrowser.team import accounts as team_accounts  # small; loads nothing of psycopg

    if team_accounts.is_team_archive(store):
        return team_accounts.add_account(store, cls, provider, name, settings, secrets)
    defaults = {f.key: f.default for f in cls.settings_schema if f.default and not f.secret}
    cache_id = store.cache_id
    credentials.save_secrets(name, secrets, cache_id=cache_id)
    try:
        return store.add_account(Account(name=name, provider=provider, settings={**defaults, **settings}))
    except BaseException:
        credentials.delete_secrets(name, cache_id=cache_id)
        raise


def remove_account(store: CallStore, name: str) -> None:
    """All or nothing: the cached calls are deleted in a transaction that commits only once the
    secret is gone, so a keyring that refuses leaves everything as it was, a cache that cannot
    be written (read-only) refuses before the secret is touched, and a retry after any failure
    finishes the job."""
    if store.account(name) is None:
        raise UserFacingError(f"There is no account named '{name}'.")
    from recbrowser.team import accounts as team_accounts

    if team_accounts.is_team_archive(store):  # its sealed secrets go with it (ON DELETE CASCADE)
        store.remove_account(name)
        return
    with store.transaction():
        store.remove_account(name)
        try:
            credentials.delete_secrets(name, cache_id=store.cache_id)
        except CredentialError as e:
            reason = str(e)
            raise type(e)(f"Account '{name}' was not removed, and nothing of it was deleted: "
                          f"{reason[:1].lower()}{reason[1:]}") from None


def load_secrets(account: Account) -> dict[str, str]:
    """The account's secrets from the keyring, under its cache's key."""
    return credentials.load_secrets(account.name, cache_id=account.cache_id or None)


def save_secrets(account: Account, secrets: dict[str, str]) -> None:
    credentials.save_secrets(account.name, secrets, cache_id=account.cache_id or None)


def get_account(store: CallStore, name: str) -> Account:
    account = store.account(name)
    if account is None:
        names = ", ".join(a.name for a in store.accounts()) or "none yet: add one with `recbrowser accounts add`"
        raise UserFacingError(f"There is no account named '{name}' (accounts: {names}).")
    return account


def only_account(store: CallStore, provider: str, name: str | None) -> Account:
    """The named account, or the only account of this provider when no name is given."""
    if name:
        return get_account(store, name)
    matching = [a for a in store.accounts() if a.provider == provider]
    if len(matching) == 1:
        return matching[0]
    title = provider_class(provider).title
    names = ", ".join(a.name for a in matching)
    raise UserFacingError(
        f"Name the {title} account with --account"
        + (f" (one of: {names})." if names else f"; add one first with `recbrowser accounts add {provider} --name NAME ...`.")
    )


def open_provider(account: Account, secrets: dict[str, str] | None = None, *,
                  keep_secret: Callable[[str, str], None] | None = None) -> Provider:
    """A connector for the account, with its secrets from the keyring unless given.

    Given `secrets` come from elsewhere (demo or test secrets, or a team archive's sealed blob
    that `team serve` unsealed); `keep_secret` then receives a credential the provider rotates
    (Voki's refresh token), where the caller keeps it. Without it the rotated value lives only
    as long as the connector."""
    cls = provider_class(account.provider)
    rotates = "keep_secret" in inspect.signature(cls).parameters
    if secrets is not None:
        return cls(account, secrets, keep_secret=keep_secret) if rotates and keep_secret else cls(account, secrets)
    secrets = load_secrets(account)
    if not rotates:
        return cls(account, secrets)

    def keep_in_keyring(name: str, value: str) -> None:
        # A provider that rotates a credential (Voki's refresh token) hands the new one here.
        current = load_secrets(account)
        if current.get(name) != value:
            save_secrets(account, {**current, name: value})

    return cls(account, secrets, keep_secret=keep_in_keyring)
