"""`recbrowser report [--since ISO] [--until ISO] [--account NAME] --to FILE.html|.png|.csv`: how
the calls of a period went (calls per day by account and status, missed and abandoned share, per
agent, call durations), from the store's aggregates."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.cli.args import iso_arg
from recbrowser.cli.common import UsageError
from recbrowser.errors import UserFacingError
from recbrowser.store import CallFilter

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

FORMATS = (".csv", ".html", ".png")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="a report of the calls of a period: CSV, HTML page or PNG chart",
                       description="Calls per day (by account and by status), the missed and abandoned share, "
                       "per agent (calls, average talk and hold, silence share, sentiment) and the call durations, "
                       "for the calls that started in the period. Days are UTC.")
    p.add_argument("--since", type=iso_arg)
    p.add_argument("--until", type=iso_arg)
    p.add_argument("--account")
    p.add_argument("--to", required=True, metavar="FILE", help="report.csv, report.html or report.png")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, store: CallStore, dd) -> int:
    from recbrowser.private import private_open
    from recbrowser.services import accounts as account_service
    from recbrowser.services import conversation, report

    target = Path(args.to).expanduser()
    kind = target.suffix.lower()
    if kind not in FORMATS:
        raise UsageError(f"--to {args.to}: name a .csv, .html or .png file.")
    if not target.parent.is_dir():
        raise UserFacingError(f"Cannot write {target}: the folder {target.parent} does not exist.")
    keeper = conversation.figure_store(store)
    if keeper is None:  # a store without conversation figures (store/api.py FigureStore); both stores keep them
        raise UserFacingError("This archive has no report: run recbrowser report on this computer's own cache "
                              "(without --team).")
    if args.account:
        account_service.get_account(store, args.account)
    data = keeper.report(CallFilter(account=args.account, since_ms=args.since, until_ms=args.until))
    title = "Calls" + (f" of {args.account}" if args.account else "") + _period(args.since, args.until)
    if kind == ".png":
        from recbrowser.cli import render_report_png  # the launcher: the only way into ui/

        render_report_png(data, title, target)
    else:
        text = report.csv_text(data) if kind == ".csv" else report.html_text(data, title)
        part = target.with_name(target.name + ".part")
        try:
            with private_open(part, "w", encoding="utf-8-sig" if kind == ".csv" else "utf-8", newline="") as f:
                f.write(text)
            os.replace(part, target)
        except OSError as e:
            part.unlink(missing_ok=True)
            raise UserFacingError(f"Cannot write {target}: {e.strerror or e}.") from None
    print(f"{data.calls:,} calls in the report: {target}")
    return 0


def _period(since: int | None, until: int | None) -> str:
    from recbrowser.cli.format import iso_utc

    if since is None and until is None:
        return ""
    return f", {iso_utc(since) or 'the start'} to {iso_utc(until) or 'now'}"
