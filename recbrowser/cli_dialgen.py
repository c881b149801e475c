"""`recbrowser import dialgen-calls FILE [--account NAME]`: Dialgen calls no batch lists.

Registered in the `import` group that cli_wildix.py creates on first use.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.cli_wildix import import_actions
from recbrowser.services import accounts as account_service
from recbrowser.services.dialgen_import import import_file

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    p = import_actions(sub).add_parser(
        "dialgen-calls",
        help="add Dialgen calls by id or from saved onCallComplete webhook payloads (JSON or JSON lines)",
        description="Single dials and inbound calls are in no batch, so a sync cannot find them. Each line (or "
        "array item) is a call id or an onCallComplete payload; ids are read from the Dialgen API. Importing the "
        "same file again changes nothing; unreadable lines are skipped and counted.",
    )
    p.add_argument("file", type=Path, help="the call ids or webhook payloads")
    p.add_argument("--account", help="the Dialgen account to file the calls under (default: the only one)")
    p.set_defaults(handler=cmd_import_dialgen_calls)


def cmd_import_dialgen_calls(args: argparse.Namespace, store: CallStore, dd: object) -> int:
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
