"""`recbrowser import wildix-webhooks FILE [--account NAME]`.

`import` is a command group: each module that imports something adds its own action to it
with `import_actions(subparsers)`, whichever module registers first (e.g. a future
`import dialgen-calls`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.services import accounts as account_service
from recbrowser.services.wildix_webhooks import import_file

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

_ACTIONS = "recbrowser_import_actions"  # where the group's sub-parsers hang on the `import` parser


def import_actions(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The `import` group's sub-parsers, creating the group on first use."""
    group = sub.choices.get("import")
    if group is None:
        group = sub.add_parser("import", help="import calls or transcripts from files (exported webhooks, dumps)")
        setattr(group, _ACTIONS, group.add_subparsers(dest="import_kind", metavar="KIND", required=True))
    return getattr(group, _ACTIONS)


def register(sub: argparse._SubParsersAction) -> None:
    p = import_actions(sub).add_parser(
        "wildix-webhooks",
        help="import Wildix webhook events saved by a relay (JSON, JSON array or JSON lines)",
        description="Imports call:completed, call:transcription:completed and call:transcription:text:completed "
        "events; importing the same file again changes nothing. Lines that are not events are skipped and counted.",
    )
    p.add_argument("file", type=Path, help="the exported events")
    p.add_argument("--account", help="the Wildix account to file the calls under (default: the only one)")
    p.set_defaults(handler=cmd_import_wildix_webhooks)


def cmd_import_wildix_webhooks(args: argparse.Namespace, store: CallStore, dd: object) -> int:
    account = account_service.only_account(store, "wildix", args.account)
    result = import_file(store, account, args.file)
    print(result.summary(account.name))
    return 0
