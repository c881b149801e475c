"""`recbrowser accounts add|list|remove|test`: the provider accounts."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from recbrowser.cli.common import UsageError, open_signed_in, read_secrets
from recbrowser.errors import UserFacingError

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    acc = sub.add_parser("accounts", help="add, list, remove or test provider accounts")
    acc_sub = acc.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = acc_sub.add_parser("add", help="add an account; secrets are read from stdin as one JSON object")
    add.add_argument("provider")
    add.add_argument("--name", required=True)
    add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a non-secret setting")
    add.add_argument("--secrets-stdin", action="store_true", help='read {"secret_name": "value"} from stdin')
    lst = acc_sub.add_parser("list", help="list accounts")
    lst.add_argument("--json", action="store_true")
    for action in ("remove", "test"):
        acc_sub.add_parser(action, help=f"{action} an account").add_argument("name")
    acc.set_defaults(handler=cmd_accounts)


def cmd_accounts(args, store: CallStore, dd) -> int:
    from recbrowser.services import accounts as account_service

    if args.action == "add":
        settings = {}
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--set {item!r}: use KEY=VALUE")
            settings[key.strip()] = value
        secrets = read_secrets() if args.secrets_stdin else {}
        account = account_service.add_account(store, args.provider, args.name, settings, secrets)
        where = "sealed to the team's serving hosts" if dd.team else "in the system keyring"
        print(f"Added {account.provider} account '{account.name}'; its secrets are {where}.")
    elif args.action == "list":
        accounts = store.accounts()
        if args.json:
            print(json.dumps({"accounts": [{"name": a.name, "provider": a.provider, "settings": a.settings} for a in accounts]}))
        elif not accounts:
            print("No accounts yet: add one with `recbrowser accounts add PROVIDER --name NAME ...`.")
        else:
            for a in accounts:
                print(f"{a.name}\t{a.provider}\t{a.settings.get('base_url', '')}")
    elif args.action == "remove":
        account_service.remove_account(store, args.name)
        if dd.team:
            print(f"Removed account '{args.name}' from the team archive, with its calls and sealed secrets.")
        else:
            print(f"Removed account '{args.name}', its cached calls and its keyring entry (downloaded media files are kept).")
    elif args.action == "test":
        account = account_service.get_account(store, args.name)
        if dd.team:  # the desktop holds no provider secret of a team archive's account
            from recbrowser.team.desktop_accounts import untestable_sentence

            raise UserFacingError(untestable_sentence(account.name))
        provider = open_signed_in(account)
        try:
            print(provider.test_credentials())
        finally:
            provider.close()
    return 0
