"""`recbrowser audit [CALL] [--account NAME] [--since ISO] [--limit N] [--json]`: the local trail
of who played, downloaded, exported or deleted which call."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from recbrowser.cli.args import MAX_LIMIT, iso_arg, whole_number
from recbrowser.cli.format import local_time
from recbrowser.domain import call_ref

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="show who played, downloaded, exported or deleted which call (local audit log, newest first)",
    )
    p.add_argument("call", nargs="?", metavar="CALL", help="only this call (a ref as `calls` prints it)")
    p.add_argument("--account", help="only this account")
    p.add_argument("--since", type=iso_arg, help="only entries from this time on (ISO 8601, e.g. 2026-11-01)")
    p.add_argument("--limit", type=whole_number(1, MAX_LIMIT, 200), default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_audit)


def cmd_audit(args: argparse.Namespace, store: CallStore, dd) -> int:
    account, call_id = args.account, None
    if args.call:
        account, sep, call_id = args.call.partition("/")
        if not sep or not call_id:
            print(f"recbrowser: {args.call!r} is not a call ref; refs look like ACCOUNT/CALL_ID (see `recbrowser calls`).",
                  file=sys.stderr)
            return 2
    rows = store.audit_log(account, call_id, args.since, args.limit)
    if args.json:
        print(json.dumps({"entries": [{**asdict(e), "ref": call_ref(e.account, e.call_id)} for e in rows]},
                         ensure_ascii=False))
        return 0
    for e in rows:
        detail = f"\t{e.detail}" if e.detail else ""
        print(f"{local_time(e.at_ms)}\t{e.user}\t{e.action}\t{call_ref(e.account, e.call_id)}{detail}")
    if not rows:
        print("No audit entries match.", file=sys.stderr)
    return 0
