"""`recbrowser bandwidth ACTION CALL...`: Bandwidth's per-call actions from the command line.

    recbrowser bandwidth transcribe CALL... [--recording ID]
    recbrowser bandwidth delete-transcription|delete-media|delete-recording CALL... [--recording ID] --yes-delete

Deletions are irreversible at Bandwidth, so they refuse to run (exit 2) without --yes-delete.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from recbrowser.domain import parse_call_ref
from recbrowser.errors import UserFacingError
from recbrowser.services import accounts as account_service
from recbrowser.services.bandwidth_actions import ACTIONS, DELETIONS, run_action

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

CONFIRM = "--yes-delete"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bandwidth", help="Bandwidth actions: request or delete a transcription, delete media or a recording")
    p.add_argument("action", choices=ACTIONS, help="what to do with each call's recordings")
    p.add_argument("calls", nargs="+", metavar="CALL", help="call refs as `recbrowser calls` prints them")
    p.add_argument("--recording", metavar="ID", help="only this recording of the call (default: each of its recordings)")
    p.add_argument(CONFIRM, dest="yes_delete", action="store_true",
                   help="confirm a deletion at Bandwidth; it cannot be undone there (the local copy is kept)")
    p.set_defaults(handler=cmd_bandwidth)


def cmd_bandwidth(args: argparse.Namespace, store: CallStore, dd: object) -> int:
    if args.action in DELETIONS and not args.yes_delete:
        print(f"recbrowser: {args.action} deletes data at Bandwidth and cannot be undone there; "
              f"add {CONFIRM} to confirm (the local copy and its metadata are kept).", file=sys.stderr)
        return 2
    failed = 0
    providers: dict[str, object] = {}
    try:
        for ref in args.calls:
            try:
                account_name, call_id = parse_call_ref(ref)
            except ValueError as e:
                print(f"recbrowser: {e}", file=sys.stderr)
                return 2
            try:
                account = account_service.get_account(store, account_name)
                if account.provider != "bandwidth":
                    raise UserFacingError(f"Account '{account_name}' is a {account.provider} account; "
                                          "`recbrowser bandwidth` works on Bandwidth accounts only.")
                if account_name not in providers:
                    providers[account_name] = account_service.open_provider(account)
                results = run_action(store, account, providers[account_name], call_id, args.action, args.recording)
            except UserFacingError as e:
                failed += 1
                print(f"recbrowser: {ref}: {e}", file=sys.stderr)
                continue
            for r in results:
                print(f"{r.call_ref}\t{r.recording_id}\t{r.message}")
    finally:
        for p in providers.values():
            p.close()  # type: ignore[attr-defined]
    return 1 if failed else 0
