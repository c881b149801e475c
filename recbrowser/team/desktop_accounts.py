"""A team archive's accounts as a supervisor's desktop sees them: it never reaches a provider
(only the serving hosts hold the provider secrets), so syncing and testing say so in one
sentence, each account's last sync comes from the archive's sync state, and secrets typed again
are sealed to the serving hosts like new ones (recbrowser/team/accounts.py), never kept here."""

from __future__ import annotations

from typing import Any

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.providers.base import provider_class
from recbrowser.services.accounts import validate
from recbrowser.services.sync import STATE_SYNCED_UNTIL
from recbrowser.team.accounts import PUBLIC_KEY


def served_sentence(team: str) -> str:
    """Why a desktop does not sync a team archive (the CLI's `sync` and the window say it alike)."""
    return (f"The team archive '{team}' is synced by its serving hosts (`recbrowser --team {team} team serve`), "
            "not from a desktop: its calls show here as they arrive.")


def untestable_sentence(name: str) -> str:
    """Why a desktop cannot test a team archive's account: it holds none of its provider secrets."""
    return (f"Account '{name}' is reached only by the team's serving hosts (its provider secrets are sealed to "
            "them): its last sync by them shows in the Accounts panel.")


def last_syncs(store: Any) -> dict[str, int | None]:
    """Account name -> up to when the serving hosts last synced it in full (epoch ms; None: not
    yet), from the archive's sync state: one small read per account."""
    out: dict[str, int | None] = {}
    for account in store.accounts():
        value = store.get_state(account.id, STATE_SYNCED_UNTIL)
        out[account.name] = int(value) if value else None
    return out


def check_edit(provider: str, name: str, settings: dict[str, str], secrets: dict[str, str]) -> type:
    """services.accounts.validate for an edit: the secrets not typed again stay sealed in the
    archive, so they count as there."""
    try:
        sealed = {f.key: "sealed" for f in provider_class(provider).settings_schema if f.secret}
    except KeyError:
        sealed = {}
    return validate(provider, name, settings, {**sealed, **secrets})


def replace_secrets(store: Any, account: Account, secrets: dict[str, str]) -> None:
    """New secrets for an account, sealed to the serving hosts: all of them, since a desktop
    cannot read the sealed ones to keep those not typed again."""
    from recbrowser.team import sealing  # PyNaCl: only when secrets are typed again

    validate(account.provider, account.name, account.settings, secrets)  # every required secret is there
    public_key = store.team_setting(PUBLIC_KEY)
    if public_key is None:
        raise UserFacingError("This team archive has no team key yet, so provider secrets cannot be sealed: "
                              "ask your admin to run `recbrowser team init` again.")
    assert account.id is not None
    store.set_sealed_secret(account.id, sealing.seal(secrets, public_key))
