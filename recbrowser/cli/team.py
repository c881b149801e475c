"""`recbrowser team connect|list|remove`: this desktop's connection profiles for team archives.

`team connect NAME --db URL --media s3://BUCKET[/PREFIX] [--s3-endpoint URL] [--s3-region R]
--secrets-stdin` reads {"password", "access_key", "secret_key"} from stdin into the keyring;
the rest goes to a 0600 file in the data folder.
"""

from __future__ import annotations

import argparse
import json
import sys

from recbrowser.cli.common import UsageError

SECRETS_EXAMPLE = '{"password": "...", "access_key": "...", "secret_key": "..."}'


def register(sub: argparse._SubParsersAction) -> None:
    team = sub.add_parser("team", help="connect this desktop to a shared team archive (PostgreSQL + S3)")
    actions = team.add_subparsers(dest="action", metavar="ACTION", required=True)

    c = actions.add_parser("connect", help="save a team archive profile; secrets are read from stdin as one JSON object")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--db", required=True, metavar="POSTGRES_URL",
                   help="postgresql://USER@HOST:5432/DBNAME, without the password")
    c.add_argument("--media", required=True, metavar="s3://BUCKET[/PREFIX]", help="where the archive's recordings are")
    c.add_argument("--s3-endpoint", metavar="URL", help="the S3 server, e.g. https://minio.example.com:9000 (default: AWS)")
    c.add_argument("--s3-region", metavar="R")
    c.add_argument("--secrets-stdin", action="store_true", required=True, help=f"read {SECRETS_EXAMPLE} from stdin")
    c.set_defaults(handler=cmd_connect, without_archive=True)

    ls = actions.add_parser("list", help="list this desktop's team archive profiles")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_list, without_archive=True)

    rm = actions.add_parser("remove", help="remove a team profile and its keyring entry (the archive is untouched)")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(handler=cmd_remove, without_archive=True)


def read_secrets() -> dict[str, str]:
    try:
        data = json.loads(sys.stdin.read() or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError(f"--secrets-stdin expects one JSON object of strings, e.g. {SECRETS_EXAMPLE}")
    return data


def cmd_connect(args: argparse.Namespace, store, dd) -> int:
    from recbrowser.team import profiles

    profile = profiles.connect(dd, args.name, args.db, args.media, read_secrets(),
                               s3_endpoint=args.s3_endpoint, s3_region=args.s3_region)
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
