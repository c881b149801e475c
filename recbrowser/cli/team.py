"""`recbrowser team init|connect|list|remove|grant|revoke`: setting up team archives, and this
computer's connection profiles for them.

`team init --db URL --media s3://BUCKET[/PREFIX] ... --secrets-stdin [--key-file PATH]` (the
admin, once) sets an archive up (recbrowser/team/archive_setup.py). `team connect NAME --db URL
--media s3://BUCKET[/PREFIX] [--s3-endpoint URL] [--s3-region R] --secrets-stdin [--key-file PATH]`
reads {"password", "access_key", "secret_key"} from stdin into the keyring; the rest goes to a
0600 file in the data folder. init, connect, list and remove open no archive (`without_archive`);
`--team NAME team grant|revoke USER ACCOUNT...` run on the admin's archive.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from recbrowser.cli.common import UsageError, stdin_text

SECRETS_EXAMPLE = '{"password": "...", "access_key": "...", "secret_key": "..."}'


def register(sub: argparse._SubParsersAction) -> None:
    team = sub.add_parser("team", help="connect this desktop to a shared team archive (PostgreSQL + S3)")
    actions = team.add_subparsers(dest="action", metavar="ACTION", required=True)

    i = actions.add_parser("init", help="create or update a team archive's schema and roles, check its bucket, "
                                        "make the team key pair (the admin, once)")
    i.add_argument("--db", required=True, metavar="POSTGRES_URL",
                   help="postgresql://OWNER@HOST:5432/DBNAME, the database's owner, without the password")
    i.add_argument("--media", required=True, metavar="s3://BUCKET[/PREFIX]", help="where the archive's recordings go")
    i.add_argument("--s3-endpoint", metavar="URL", help="the S3 server (default: AWS)")
    i.add_argument("--s3-region", metavar="R")
    i.add_argument("--secrets-stdin", action="store_true", required=True, help=f"read {SECRETS_EXAMPLE} from stdin")
    i.add_argument("--key-file", metavar="PATH",
                   help="write the team's private key to this new 0600 file (default: a file in the data folder, "
                        "where `team serve` on this computer finds it)")
    i.set_defaults(handler=cmd_init, without_archive=True)

    for action, verb in (("grant", "let a database user see these accounts' calls"),
                         ("revoke", "stop a database user seeing these accounts' calls")):
        g = actions.add_parser(action, help=f"{verb} (an admin, with --team)")
        g.add_argument("user", metavar="USER", help="a PostgreSQL login role")
        g.add_argument("accounts", metavar="ACCOUNT", nargs="+")
        g.set_defaults(handler=cmd_grant if action == "grant" else cmd_revoke)

    c = actions.add_parser("connect", help="save a team archive profile; secrets are read from stdin as one JSON object")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--db", required=True, metavar="POSTGRES_URL",
                   help="postgresql://USER@HOST:5432/DBNAME, without the password")
    c.add_argument("--media", required=True, metavar="s3://BUCKET[/PREFIX]", help="where the archive's recordings are")
    c.add_argument("--s3-endpoint", metavar="URL", help="the S3 server, e.g. https://minio.example.com:9000 (default: AWS)")
    c.add_argument("--s3-region", metavar="R")
    c.add_argument("--secrets-stdin", action="store_true", required=True, help=f"read {SECRETS_EXAMPLE} from stdin")
    c.add_argument("--key-file", metavar="PATH",
                   help="a serving host: put the team's private key from this 0600 file (`team init --key-file`) "
                        "into this host's keyring, beside the profile's secrets")
    c.set_defaults(handler=cmd_connect, without_archive=True)

    ls = actions.add_parser("list", help="list this desktop's team archive profiles")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_list, without_archive=True)

    rm = actions.add_parser("remove", help="remove a team profile and its keyring entry (the archive is untouched)")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(handler=cmd_remove, without_archive=True)

    sv = actions.add_parser("serve", help="with --team NAME: the headless worker that syncs the archive's accounts "
                                          "and archives their recordings (run one or more)")
    sv.add_argument("--once", action="store_true", help="one pass over the accounts due now, then exit")
    sv.add_argument("--interval", type=_seconds, default=900.0, metavar="SECONDS",
                    help="how often each account is synced (default 900)")
    sv.add_argument("--lease", type=_seconds, default=300.0, metavar="SECONDS",
                    help="how long another worker waits for the accounts of one that died (default 300)")
    sv.add_argument("--key-file", type=Path, metavar="PATH",
                    help="the team's private key file (default: this host's keyring, then the file `team init` "
                         "wrote in this data folder)")
    sv.set_defaults(handler=cmd_serve)


def read_secrets() -> dict[str, str]:
    try:
        data = json.loads(stdin_text() or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError(f"--secrets-stdin expects one JSON object of strings, e.g. {SECRETS_EXAMPLE}")
    return data


def cmd_init(args: argparse.Namespace, store, dd) -> int:
    from recbrowser.team.archive_setup import init_team

    key_file = Path(args.key_file).expanduser().resolve() if args.key_file else None
    done = init_team(args.db, args.media, read_secrets(), s3_endpoint=args.s3_endpoint, s3_region=args.s3_region,
                     key_file=key_file, data_root=dd.root)
    print(f"The team archive is ready (schema {done.version}); its bucket {args.media} is writable.")
    if not done.new_key:
        print("It already has a team key pair: kept (provider secrets stay sealed to it).")
    else:
        here = "; `team serve` on this computer finds it there" if key_file is None else ""
        print(f"The team's private key is in {done.key_file} (0600){here}. For each other serving host, copy it "
              "there over a private channel and run `recbrowser team connect NAME ... --key-file PATH`; keep a "
              "backup: it is the only key that opens the provider secrets.")
    print("Next: `recbrowser team connect NAME --db URL --media ... --secrets-stdin` on each desktop and serving host, "
          "then `recbrowser --team NAME team grant USER ACCOUNT...`.")
    return 0


def _team_store(store):
    if not hasattr(store, "grant"):
        raise UsageError("team grant and revoke work on a team archive: add --team NAME (an admin's profile).")
    return store


def cmd_grant(args: argparse.Namespace, store, dd) -> int:
    granted = _team_store(store).grant(args.user, args.accounts)
    print(f"{args.user} now sees the calls of {', '.join(granted)}.")
    return 0


def cmd_revoke(args: argparse.Namespace, store, dd) -> int:
    gone = _team_store(store).revoke(args.user, args.accounts)
    print(f"{args.user} no longer sees the calls of {', '.join(args.accounts)} ({gone} grant(s) removed).")
    return 0


def cmd_connect(args: argparse.Namespace, store, dd) -> int:
    from recbrowser.team import profiles, sealing

    # Read before anything is saved: a key file that cannot be used leaves no half-made profile.
    private_key = sealing.read_key_file(Path(args.key_file).expanduser()) if args.key_file else None
    profile = profiles.connect(dd, args.name, args.db, args.media, read_secrets(),
                               s3_endpoint=args.s3_endpoint, s3_region=args.s3_region)
    if private_key is not None:
        sealing.save_private_key(profile.keyring_entry, private_key)
        print("The team's private key is in this host's keyring now: `team serve` can unseal provider secrets.")
    print(f"Saved team profile '{profile.name}' ({profile.media_url}); its secrets are in the system keyring. "
          f"Use it with `recbrowser --team {profile.name} ...`.")
    return 0


def cmd_list(args: argparse.Namespace, store, dd) -> int:
    from recbrowser.team import profiles

    found = profiles.list_profiles(dd)
    if args.json:
        print(json.dumps({"profiles": [{"name": p.name, "db": p.db_url, "media": p.media_url,
                                        "s3_endpoint": p.s3_endpoint, "s3_region": p.s3_region} for p in found]}))
    elif not found:
        print("No team profiles yet: add one with `recbrowser team connect NAME --db URL --media s3://BUCKET --secrets-stdin`.")
    else:
        for p in found:
            print(f"{p.name}\t{p.db_url}\t{p.media_url}\t{p.s3_endpoint or 'AWS S3'}")
    return 0


def cmd_remove(args: argparse.Namespace, store, dd) -> int:
    from recbrowser.team import profiles

    profiles.remove_profile(dd, args.name)
    print(f"Removed team profile '{args.name}' and its keyring entry (the team archive itself is untouched).")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def cmd_serve(args: argparse.Namespace, store, dd) -> int:
    """Runs until SIGTERM or Ctrl-C: the page being written is finished, the lease released, exit 0."""
    import signal

    from recbrowser.team.serve import ServeOptions, open_worker

    team = getattr(args, "team", None) or os.environ.get("RECBROWSER_TEAM")
    if not team:
        raise UsageError("team serve works on a team archive: name its profile with --team NAME (or RECBROWSER_TEAM).")
    options = ServeOptions(interval_s=args.interval, lease_s=args.lease, once=args.once)
    worker = open_worker(dd, team, key_file=args.key_file, options=options)
    # A service's journal (systemd) is its stderr: each account's outcome and each fault, one line.
    for handler in logging.getLogger("recbrowser").handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(min(handler.level, logging.INFO))
            handler.addFilter(lambda r: r.levelno >= logging.WARNING or r.name == "recbrowser.team.serve")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    print(f"Serving team archive '{team}' as {options.holder}"
          + (" (one pass)." if args.once else f" (each account every {args.interval:g} s; stop with SIGTERM)."),
          file=sys.stderr, flush=True)
    worker.run()
    return 0
