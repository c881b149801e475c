"""`recbrowser sync [--account NAME] [--since ISO] [--until ISO]`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from recbrowser.cli.args import iso_arg
from recbrowser.cli.common import ProgressLine, open_signed_in
from recbrowser.errors import UserFacingError

if TYPE_CHECKING:
    from recbrowser.services.sync import SyncProgress
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sync", help="fetch new calls and transcripts into the local cache")
    s.add_argument("--account")
    s.add_argument("--since", type=iso_arg)
    s.add_argument("--until", type=iso_arg)
    s.set_defaults(handler=cmd_sync)


def cmd_sync(args, store: CallStore, dd) -> int:
    from recbrowser.services import accounts as account_service
    from recbrowser.services.sync import sync_accounts

    if dd.team:
        from recbrowser.team.desktop_accounts import served_sentence

        raise UserFacingError(served_sentence(dd.team))
    accounts = [account_service.get_account(store, args.account)] if args.account else store.accounts()
    if not accounts:
        raise UserFacingError("No accounts yet: add one with `recbrowser accounts add PROVIDER --name NAME ...`.")
    bar = ProgressLine()

    def progress(p: SyncProgress) -> None:
        bar.show(f"{p.account}: {p.page} - {p.calls} calls, {p.new} new")

    results = sync_accounts(
        store, accounts, open_signed_in, since_ms=args.since, until_ms=args.until, progress=progress
    )
    bar.done()
    failed = 0
    for r in results:
        if r.error:
            failed += 1
            print(f"recbrowser: {r.error}", file=sys.stderr)
        else:
            print(f"{r.account}: {r.calls} calls synced, {r.new} new.")
            if r.unreadable:
                print(f"{r.account}: {r.unreadable_sentence()}")
    return 1 if failed else 0
