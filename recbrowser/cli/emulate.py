"""`recbrowser emulate [--provider NAME ...] [--calls N] [--fault SPEC ...]`: the provider
emulators on 127.0.0.1 until interrupted. It needs no cache: its handler takes the arguments only."""

from __future__ import annotations

import argparse
import json
import time

from recbrowser.cli.args import whole_number
from recbrowser.cli.common import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("emulate", help="run provider emulators on 127.0.0.1 until interrupted")
    e.add_argument("--provider", action="append", dest="providers", metavar="NAME")
    e.add_argument("--calls", type=whole_number(0, 100_000, 40), default=40)
    e.add_argument("--fault", action="append", default=[], metavar="SPEC", dest="faults")
    e.set_defaults(handler=cmd_emulate)


def cmd_emulate(args) -> int:
    from recbrowser.emulators import start_emulators

    try:
        servers = start_emulators(args.providers or ["yeastar"], args.calls, args.faults)
    except ValueError as e:  # an unknown provider or a fault spec we cannot read
        raise UsageError(str(e)) from None
    try:
        print(json.dumps({"emulators": [s.describe() for s in servers]}), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        for s in servers:
            s.stop()
