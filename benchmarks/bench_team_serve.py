"""Provider requests per synced call with 1, 2 and 3 `team serve` workers, and after one of two
workers is killed with SIGKILL mid-sync (issue 18: 1.0x, no call fetched twice).

Real PostgreSQL and SeaweedFS, the five provider emulators on loopback, each worker its own
process. Requests are counted at the emulators (every request, incl. sign-in, listing,
transcripts and recordings). `./run bench team_serve [--calls N]` (it runs under a private
keyring, where the serving host's profile keeps its secrets).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.serve_helpers import (  # noqa: E402
    PROVIDERS,
    all_served,
    archived_calls,
    drop_logins,
    media_rows,
    mid_sync_holder,
    start_serve,
    stop,
    wait_for,
)

from recbrowser.demo.team_setup import set_up_team_archive  # noqa: E402
from recbrowser.emulators import start_emulators  # noqa: E402
from recbrowser.paths import data_dir, ensure  # noqa: E402
from recbrowser.team import profiles  # noqa: E402
from recbrowser.team.postgres_server import PostgresServer  # noqa: E402
from recbrowser.team.s3_server import S3Server  # noqa: E402

SLOW = "slow:seconds=0.05,times=0"


def fresh_db(pg: PostgresServer) -> str:
    name = f"b_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return pg.url.rsplit("/", 1)[0] + "/" + name


def one_run(pg, s3, root: Path, calls: int, workers: int, kill: bool) -> dict:
    url = fresh_db(pg)
    dd = ensure(data_dir(root / uuid.uuid4().hex[:6]))
    servers = start_emulators(PROVIDERS, calls, [SLOW] if kill else [])
    archive = set_up_team_archive(dd, pg, s3, servers, owner_url=url, dbname=url.rsplit("/", 1)[1], bucket="media",
                                  key_folder=root, name=f"b{uuid.uuid4().hex[:6]}")
    logs = [root / f"serve-{uuid.uuid4().hex[:6]}.log" for _ in range(workers)]
    started = time.perf_counter()
    try:
        if not kill:
            procs = [start_serve(dd.root, archive, log, "--once") for log in logs]
            codes = [p.wait(600) for p in procs]
            assert codes == [0] * workers, (codes, [log.read_text()[-2000:] for log in logs])
        else:
            procs = [start_serve(dd.root, archive, log, lease_s=3) for log in logs]
            _, holder = wait_for(lambda: mid_sync_holder(url), what="a sync in progress")
            victim = next(p for p in procs if holder.endswith(f":{p.pid}"))
            victim.send_signal(signal.SIGKILL)
            victim.wait(30)
            wait_for(lambda: all_served(url), timeout_s=600, what="every account served", step_s=0.2)
            for p in procs:
                if p is not victim:
                    assert stop(p) == 0
        seconds = time.perf_counter() - started
        assert all_served(url)
        synced = sum(len(ids) for ids in archived_calls(url).values())
        return {"requests": sum(s.counters["requests"] for s in servers), "calls": synced,
                "recordings": len(media_rows(url)), "seconds": seconds}
    finally:
        for s in servers:
            s.stop()
        drop_logins(url, archive.logins)
        for name in (archive.serve_profile, archive.desk_profile):
            profiles.remove_profile(dd, name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=60, help="calls per emulator (five emulators)")
    args = ap.parse_args()
    with PostgresServer() as pg, S3Server(buckets=("media",)) as s3, tempfile.TemporaryDirectory() as tmp:
        rows = []
        for workers, kill in ((1, False), (2, False), (3, False), (2, True)):
            r = one_run(pg, s3, Path(tmp), args.calls, workers, kill)
            rows.append((workers, kill, r))
        base = rows[0][2]["requests"] / rows[0][2]["calls"]
        print(f"team serve, five emulators x {args.calls} calls; requests counted at the emulators")
        print(f"{'workers':>8} {'SIGKILL':>8} {'calls':>6} {'recordings':>10} {'requests':>9} {'req/call':>9} {'vs 1':>6} {'s':>6}")
        for workers, kill, r in rows:
            per = r["requests"] / r["calls"]
            print(f"{workers:>8} {'one' if kill else '-':>8} {r['calls']:>6} {r['recordings']:>10} {r['requests']:>9} "
                  f"{per:>9.3f} {per / base:>5.3f}x {r['seconds']:>6.1f}")


if __name__ == "__main__":
    main()
