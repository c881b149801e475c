"""`recbrowser archive [--within DAYS] [--account NAME] [--dry-run]`: keep local copies of the
recordings a provider is about to delete (Bandwidth after 30 days, Dialgen after 90)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from recbrowser.cli.args import MAX_DAYS, days_arg
from recbrowser.cli.format import local_time
from recbrowser.domain import call_ref
from recbrowser.services.archive import ArchiveProgress, archive_expiring, plan

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "archive",
        help="download the recordings that expire at their provider soon (archive before expiry)",
        description="Download every recording that the provider deletes within the given number of days and "
        "that is not in the media cache yet, soonest first. Run it after `sync` (e.g. daily from cron).",
    )
    p.add_argument("--within", type=days_arg, default=7, metavar="DAYS",
                   help=f"expiring within this many days, above 0 and up to {MAX_DAYS:,} (default 7)")
    p.add_argument("--account", help="only this account")
    p.add_argument("--dry-run", action="store_true", help="list what would be downloaded, download nothing")
    p.set_defaults(handler=cmd_archive)


def cmd_archive(args: argparse.Namespace, store: CallStore, dd) -> int:
    items = plan(store, args.within, args.account)
    if args.dry_run:
        for item in items:
            size = f"{item.size / 1_048_576:.1f} MB" if item.size else "size unknown"
            print(f"{call_ref(item.account, item.call_id)}\texpires {local_time(item.expires_ms)}\t{size}")
        print(f"{len(items):,} recordings expire within {args.within:g} days and are not downloaded.", file=sys.stderr)
        return 0
    if not items:
        print(f"Nothing to archive: no recording expires within {args.within:g} days without a local copy.")
        return 0

    def show(p: ArchiveProgress) -> None:
        print(f"{p.ref}\tarchived ({p.done}/{p.total})", flush=True)

    summary = archive_expiring(store, dd.media, args.within, account=args.account, progress=show)
    for ref, reason in summary.failed:
        print(f"recbrowser: {ref}: {reason}", file=sys.stderr)
    print(f"{summary.sentence()} Media cache: {dd.media}")
    return 1 if summary.failed or summary.stopped else 0
