"""`recbrowser download CALL... [--to DIR]`: recordings into the media cache."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.cli.common import load_call
from recbrowser.errors import UserFacingError

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("download", help="download calls' recordings into the media cache")
    d.add_argument("calls", nargs="+", metavar="CALL")
    d.add_argument("--to", metavar="DIR", help="also copy the files into DIR")
    d.set_defaults(handler=cmd_download)


def cmd_download(args, store: CallStore, dd) -> int:
    from recbrowser.errors import DiskFull
    from recbrowser.services import accounts as account_service
    from recbrowser.services.copy_out import copy_to_folder, prepare_folder
    from recbrowser.services.downloads import download_call
    from recbrowser.services.peaks_keeper import keeping_peaks

    target = prepare_folder(Path(args.to).expanduser()) if args.to else None
    failed = 0
    providers: dict[str, object] = {}
    try:
        with keeping_peaks(dd.media, dd.peaks):  # each strip opens at once later, computed meanwhile
            for ref in args.calls:
                try:
                    account_name, call = load_call(store, ref)
                    account = account_service.get_account(store, account_name)
                    if account_name not in providers:  # a team archive's media come from its object storage
                        providers[account_name] = None if dd.team else account_service.open_provider(account)
                    files = download_call(store, account, providers[account_name], call, dd.media)
                except UserFacingError as e:
                    failed += 1
                    print(f"recbrowser: {ref}: {e}", file=sys.stderr)
                    continue
                for f in files:
                    path = f.path
                    if target:
                        try:
                            path = copy_to_folder(f.path, target, f.size, f.sha256)[0]
                        except DiskFull:
                            raise  # the next call would not fit either
                        except UserFacingError as e:
                            failed += 1
                            print(f"recbrowser: {ref}: {e}", file=sys.stderr)
                            continue
                    state = "downloaded" if f.fresh else "already in the cache"
                    print(f"{ref}\t{path}\t{f.size} bytes\t{state}")
    finally:
        for p in providers.values():
            if p is not None:
                p.close()
    files, size = store.media_totals()
    noun = "recording" if files == 1 else "recordings"
    print(f"Media cache: {files:,} {noun}, {size / 1_048_576:,.1f} MB in {dd.media}", file=sys.stderr)
    return 1 if failed else 0
