"""`recbrowser import KIND FILE [--account NAME]`: calls from files the providers' webhooks left.

    recbrowser import wildix-webhooks FILE   Wildix webhook events saved by a relay
    recbrowser import dialgen-calls FILE     Dialgen calls no batch lists (ids or onCallComplete payloads)

The `import` group is declared here, once; a new kind of import adds its parser below.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.services import accounts as account_service

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("import", help="import calls or transcripts from files (exported webhooks, dumps)")
    kinds = group.add_subparsers(dest="import_kind", metavar="KIND", required=True)

    p = kinds.add_parser(
        "wildix-webhooks",
        help="import Wildix webhook events saved by a relay (JSON, JSON array or JSON lines)",
        description="Imports call:completed, call:transcription:completed and call:transcription:text:completed "
        "events; importing the same file again changes nothing. Lines that are not events are skipped and counted.",
    )
    p.add_argument("file", type=Path, help="the exported events")
    p.add_argument("--account", help="the Wildix account to file the calls under (default: the only one)")
    p.set_defaults(handler=cmd_import_wildix_webhooks)

    p = kinds.add_parser(
        "dialgen-calls",
        help="add Dialgen calls by id or from saved onCallComplete webhook payloads (JSON or JSON lines)",
        description="Single dials and inbound calls are in no batch, so a sync cannot find them. Each line (or "
        "array item) is a call id or an onCallComplete payload; ids are read from the Dialgen API. Importing the "
        "same file again changes nothing; unreadable lines are skipped and counted.",
    )
    p.add_argument("file", type=Path, help="the call ids or webhook payloads")
    p.add_argument("--account", help="the Dialgen account to file the calls under (default: the only one)")
    p.set_defaults(handler=cmd_import_dialgen_calls)


def cmd_import_wildix_webhooks(args: argparse.Namespace, store: CallStore, dd: object) -> int:
    from recbrowser.services.wildix_webhooks import import_file

    account = account_service.only_account(store, "wildix", args.account)
    result = import_file(store, account, args.file)
    print(result.summary(account.name))
    return 0


def cmd_import_dialgen_calls(args: argparse.Namespace, store: CallStore, dd: object) -> int:
    from recbrowser.services.dialgen_import import import_file

    account = account_service.only_account(store, "dialgen", args.account)
    # Bare ids need the API (and the key from the keyring); payloads alone would not.
    provider = None
    try:
        provider = account_service.open_provider(account)
        result = import_file(store, account, args.file, provider)  # type: ignore[arg-type]
    finally:
        if provider is not None:
            provider.close()
    print(result.summary(account.name))
    return 0
