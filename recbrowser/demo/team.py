"""`./run team-demo [--headless]`: a team archive on this machine, end to end.

Starts a private PostgreSQL and a SeaweedFS S3 server, the five provider emulators, sets the
archive up as an admin would (schema, roles, team key, accounts with sealed secrets, a service
and a supervisor login: recbrowser/demo/team_setup.py), starts two `team serve` workers, waits
until they have synced and archived every account, then opens the window on the archive as the
supervisor. Headless (no display, or --headless) it prints what the CLI sees instead. Everything
it made is removed on the way out; the user's own data folder and keyring are never touched
(`./run` gives it a private keyring).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recbrowser.paths import data_dir, ensure

DEMO_CALLS = 60
WAIT_S = 300


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./run team-demo", description="a team archive with two serve workers")
    ap.add_argument("--headless", action="store_true", help="print what the CLI sees instead of opening the window")
    ap.add_argument("--calls", type=int, default=DEMO_CALLS, help="calls per provider emulator")
    args = ap.parse_args(argv)
    from recbrowser.startup import has_display

    return run_team_demo(headless=args.headless or not has_display(), calls=args.calls)


def run_team_demo(*, headless: bool, calls: int = DEMO_CALLS) -> int:
    from recbrowser.demo.team_setup import set_up_team_archive
    from recbrowser.emulators import EMULATORS, start_emulators
    from recbrowser.team import profiles
    from recbrowser.team.postgres_server import PostgresServer
    from recbrowser.team.s3_server import S3Server

    with tempfile.TemporaryDirectory(prefix="recbrowser-team-demo-") as tmp:
        dd = ensure(data_dir(Path(tmp) / "data"))
        say("starting PostgreSQL and SeaweedFS (S3)")
        with PostgresServer() as pg, S3Server(buckets=("media",)) as s3:
            servers = start_emulators(sorted(EMULATORS), calls, [])
            archive = None
            workers: list[subprocess.Popen] = []
            try:
                say("team init: schema, roles, team key; accounts with sealed secrets; a service and a supervisor login")
                archive = set_up_team_archive(dd, pg, s3, servers, owner_url=pg.url, dbname="postgres", bucket="media",
                                              key_folder=Path(tmp), name="demo")
                env = {**os.environ, "RECBROWSER_DATA_DIR": str(dd.root), "RECBROWSER_MAX_RPS": "0"}
                for _ in range(2):
                    workers.append(subprocess.Popen(
                        [sys.executable, "-m", "recbrowser", "team", "serve", "--key-file", str(archive.key_file)],
                        env={**env, "RECBROWSER_TEAM": archive.serve_profile}))
                say(f"two `team serve` workers (pids {', '.join(str(w.pid) for w in workers)}) sync "
                    f"{len(archive.accounts)} accounts and archive their recordings")
                if not wait_until_served(dd, archive.desk_profile, len(archive.accounts)):
                    say(f"the workers did not finish within {WAIT_S} s; showing what is there")
                desk_env = {**env, "RECBROWSER_TEAM": archive.desk_profile}
                if headless:
                    for command in (["accounts", "list"], ["calls", "--limit", "10"], ["search", "refund", "--limit", "5"]):
                        say(f"RECBROWSER_TEAM={archive.desk_profile} recbrowser {' '.join(command)}")
                        subprocess.run([sys.executable, "-m", "recbrowser", *command], env=desk_env, check=False)
                else:
                    say(f"opening the window on the team archive as the supervisor ({archive.desk_profile})")
                    subprocess.run([sys.executable, "-m", "recbrowser"], env=desk_env, check=False)
            finally:
                for w in workers:
                    w.send_signal(signal.SIGTERM)
                for w in workers:
                    w.wait(60)
                for s in servers:
                    s.stop()
                if archive is not None:
                    for name in (archive.serve_profile, archive.desk_profile):
                        profiles.remove_profile(dd, name)
    return 0


def wait_until_served(dd, desk_profile: str, accounts: int) -> bool:
    """Until the supervisor sees every account with its calls, each recording archived."""
    from recbrowser.store import CallFilter
    from recbrowser.store.postgres import PgStore, with_password
    from recbrowser.team import profiles

    profile = profiles.load_profile(dd, desk_profile)
    url = with_password(profile.db_url, profiles.load_secrets(profile).get("password"))
    deadline = time.monotonic() + WAIT_S
    last, steady = None, 0
    with PgStore.open(url) as store:
        while time.monotonic() < deadline:
            seen = store.accounts()
            counts = [store.count_calls(CallFilter(account=a.name)) for a in seen]
            files, _ = store.media_totals()
            now = (sum(counts), files)
            # Done when every account has its calls and nothing has changed for 3 s.
            steady = steady + 1 if now == last and len(seen) == accounts and all(counts) else 0
            last = now
            if steady >= 3:
                say(f"archived: {now[0]:,} calls, {files:,} recordings in object storage")
                return True
            time.sleep(1)
    return False


def say(text: str) -> None:
    print(f"==> {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
