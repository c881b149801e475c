"""`recbrowser export (CALL... | --search QUERY | --since ISO --until ISO) --to DIR_OR_ZIP ...`"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.cli.args import MAX_WORKERS, iso_arg, whole_number
from recbrowser.cli.common import ProgressLine, UsageError
from recbrowser.services import accounts as account_service
from recbrowser.services.export import ExportOptions, ExportProgress, ExportSummary, run_export, select_calls
from recbrowser.services.export_names import DEFAULT_TEMPLATE, FIELD_NAMES
from recbrowser.services.export_options import AUDIO_CHOICES
from recbrowser.services.peaks_keeper import keeping_peaks
from recbrowser.services.transcript_formats import FORMATS
from recbrowser.store import CallFilter

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export calls (recordings, transcripts, manifest) to a folder or a ZIP",
        description="Export calls to a folder or a .zip file, with manifest.csv and manifest.json. "
        "Re-running the same export finishes what an interrupted one left and checks what is there.",
    )
    p.add_argument("calls", nargs="*", metavar="CALL", help="call references as `calls` prints them")
    p.add_argument("--search", metavar="QUERY", help="every call whose transcript or summary matches")
    p.add_argument("--since", type=iso_arg, help="calls that started at or after this time")
    p.add_argument("--until", type=iso_arg, help="calls that started before this time")
    p.add_argument("--account", help="only this account's calls (with --search or --since/--until)")
    p.add_argument("--number", help="with --since/--until: part of the caller's or callee's number")
    p.add_argument("--direction", choices=["inbound", "outbound", "internal"])
    p.add_argument("--status")
    p.add_argument("--to", required=True, metavar="DIR_OR_ZIP", help="a folder, or a file name ending in .zip")
    p.add_argument("--audio", choices=AUDIO_CHOICES, default="original", help="keep the original file or convert")
    p.add_argument("--transcripts", default="txt", metavar="FORMATS",
                   help=f"comma-separated, from {','.join(FORMATS)}; 'none' for no transcripts (default: txt)")
    p.add_argument("--name", default=DEFAULT_TEMPLATE, metavar="TEMPLATE",
                   help=f"file-name template; fields: {', '.join(FIELD_NAMES)} (default: %(default)s)")
    p.add_argument("--workers", type=whole_number(1, MAX_WORKERS, 4),
                   help=f"audio conversion processes, 1 to {MAX_WORKERS} (default: one per CPU core)")
    p.add_argument("--redact-pii", action="store_true",
                   help="mask card numbers, phone numbers and e-mail addresses in transcripts, summaries and notes")
    p.add_argument("--redact-call-numbers", action="store_true",
                   help="also mask each call's own from/to numbers everywhere, file names included (implies --redact-pii)")
    p.set_defaults(handler=cmd_export)


def _transcripts(text: str) -> tuple[str, ...]:
    if text.strip().lower() in ("", "none"):
        return ()
    chosen = tuple(dict.fromkeys(t.strip().lower() for t in text.split(",") if t.strip()))
    unknown = [t for t in chosen if t not in FORMATS]
    if unknown:
        raise UsageError(f"--transcripts {unknown[0]!r}: choose from {','.join(FORMATS)} or none")
    return chosen


def cmd_export(args, store: CallStore, dd) -> int:
    ways = [bool(args.calls), bool(args.search), args.since is not None or args.until is not None]
    if sum(ways) != 1:
        raise UsageError("export takes CALL references, or --search QUERY, or --since/--until (exactly one of these)")
    if args.account:
        account_service.get_account(store, args.account)
    call_filter = CallFilter(account=args.account, since_ms=args.since, until_ms=args.until, number=args.number,
                             direction=args.direction, status=args.status)
    refs = select_calls(store, refs=args.calls or None, query=args.search,
                        call_filter=call_filter if not args.calls else None)
    options = ExportOptions(audio=args.audio, transcripts=_transcripts(args.transcripts), template=args.name,
                            workers=args.workers, redact_pii=args.redact_pii or args.redact_call_numbers,
                            redact_call_numbers=args.redact_call_numbers)
    bar = ProgressLine()

    def progress(p: ExportProgress) -> None:
        bar.show(_progress_text(p), final=p.calls_done == p.calls_total)

    try:
        with keeping_peaks(dd.media, dd.peaks):  # the recordings it fetches open their strip at once later
            summary = run_export(store, refs, Path(args.to), options, media_root=dd.media,
                                 # A team archive's recordings come from its object storage, not the provider.
                                 open_provider=(lambda account: None) if dd.team else account_service.open_provider,
                                 progress=progress)
    finally:
        bar.done()
    _print_summary(summary, len(refs))
    return 1 if summary.failed else 0


def _print_summary(s: ExportSummary, total: int) -> None:
    if s.location is not None:
        print(f"The export of {total} calls is in {s.location}")
    updated = f"; {len(s.updated)} with notes, tags or details brought up to date" if s.updated else ""
    print(f"{len(s.exported)} exported, {len(s.skipped)} skipped (already there, checked{updated}), {len(s.failed)} failed.")
    for o in s.exported:
        if o.reason:
            print(f"  {o.ref}: transcript only ({o.reason})")
    for o in s.failed:
        print(f"recbrowser: {o.ref} failed: {o.reason}", file=sys.stderr)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _progress_text(p: ExportProgress) -> str:
    final = p.calls_done == p.calls_total
    eta = f", about {int(p.eta_s)} s left" if p.eta_s is not None and not final else ""
    return f"export: {p.calls_done}/{p.calls_total} calls, {_human(p.bytes_done)} of {_human(p.bytes_total)}{eta}"
