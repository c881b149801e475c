"""The team-archive benchmarks' data set: the same calls in PostgreSQL and in a SQLite cache,
kept on disk between runs (generating and writing a million calls takes many minutes on a
shared machine).

    .venv/bin/python benchmarks/team_pg_data.py [--calls 1000000] [--dir /work/bench-data-pg]

Builds, once, in DIR:
  pg/       a PostgreSQL cluster (fsync off, as the tests' servers; run as `nobody` when root)
            with two databases: `archive`, written through PgStore.upsert_calls by a service
            login under row-level security, one transaction per page of 1,000 calls (as
            `team serve` writes a synced page), and `bare`, the same rows by a bare COPY as the
            owner (no RLS, no upsert, explicit ids), one transaction per page too;
  sqlite/   the same calls in the desktop's SQLite cache, through Store.upsert_calls (a data folder
            the window opens: sqlite/recbrowser.sqlite3).
The calls are benchmarks/gen_data.py's (seed 1: 5 sentences each, known word frequencies),
page p going to account `acct{p % ACCOUNTS}`: five accounts whose calls interleave in time.
The three writers take each generated page in turn, so load on the shared machine hits them
alike and the ratio holds; generating the calls is not timed. The ingest figures are printed
and kept in DIR/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_data import Generator  # noqa: E402

from recbrowser.domain import Account, Call  # noqa: E402
from recbrowser.store import Store  # noqa: E402
from recbrowser.store.calls import _json  # noqa: E402
from recbrowser.store.postgres import admin  # noqa: E402
from recbrowser.store.postgres.store import PgStore  # noqa: E402
from recbrowser.team.postgres_server import PostgresServer  # noqa: E402

DIR = Path("/work/bench-data-pg")
ACCOUNTS = 5
PAGE = 1000
SHARED_BUFFERS = "2GB"
SERVICE, READER, PASSWORD = "bench_serve", "bench_reader", "bench"


class KeptServer(PostgresServer):
    """A PostgresServer whose cluster lives in `home` and survives stop(): the data set is reused."""

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home

    def start(self) -> KeptServer:
        from recbrowser.team.postgres_server import find_bin_dir

        bin_dir = find_bin_dir()
        fresh = not (self.home / "data").exists()
        self._prepare()
        pw = self.home.parent / "superuser"
        if fresh:
            self._initdb(bin_dir)
            pw.touch(0o600)
            pw.write_text(self.password)
        self.password = pw.read_text()
        self._launch(bin_dir)
        return self

    def _prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.parent.chmod(0o755)
        super()._prepare()  # sets the run-as prefix; its temporary folder is not used
        shutil.rmtree(self.folder, ignore_errors=True)  # type: ignore[arg-type]
        self.folder = self.home
        if self._owner:
            os.chown(self.home, *self._owner)

    def _launch(self, bin_dir: Path) -> None:
        # As PostgresServer's, with room for the data set in PostgreSQL's own cache: the tests'
        # 128 MB would send most reads of a 7 GB archive to the OS (a server for a team would be
        # given ~25% of its memory; the machine has 23 GB).
        (self.home / "server.log").unlink(missing_ok=True)  # readiness is read from its tail: not last run's
        popen = subprocess.Popen

        def with_buffers(argv, *a, **kw):
            return popen([*argv, "-c", f"shared_buffers={SHARED_BUFFERS}"], *a, **kw)

        subprocess.Popen = with_buffers  # type: ignore[misc]
        try:
            super()._launch(bin_dir)
        finally:
            subprocess.Popen = popen  # type: ignore[misc]

    def stop(self) -> None:
        self._terminate()

    def db(self, name: str, user: str = "postgres", password: str | None = None) -> str:
        return f"postgresql://{user}:{password or self.password}@127.0.0.1:{self.port}/{name}"


def account_of(page: int) -> str:
    return f"acct{page % ACCOUNTS}"


def copy_page(conn: psycopg.Connection, account_id: int, first_id: int, calls: list[Call]) -> None:
    """The rows upsert_calls writes for a page of new calls, by a bare COPY per table."""
    cur = conn.cursor()
    with cur.copy("COPY calls (account_id, id, provider_id, start_ms, direction, from_number, from_name, to_number, "
                  "to_name, agent, status, duration_ms, talk_ms, has_audio, transcript_status, leg_count, raw, "
                  "first_seen_ms, updated_ms) FROM STDIN") as copy:
        for k, c in enumerate(calls):
            copy.write_row((account_id, first_id + k, c.provider_id, c.start_ms, c.direction, c.from_party.number,
                            c.from_party.name, c.to_party.number, c.to_party.name, c.agent, c.status, c.duration_ms,
                            c.talk_ms, c.has_audio, c.transcript_status, len(c.legs), _json(c.raw), 0, 0))
    with cur.copy("COPY legs (account_id, call_id, seq, idx, provider_id, start_ms, from_number, from_name, to_number, "
                  "to_name, status, duration_ms, talk_ms) FROM STDIN") as copy:
        for k, c in enumerate(calls):
            for seq, g in enumerate(c.legs):
                copy.write_row((account_id, first_id + k, seq, g.index, g.provider_id, g.start_ms, g.from_party.number,
                                g.from_party.name, g.to_party.number, g.to_party.name, g.status, g.duration_ms, g.talk_ms))
    with cur.copy("COPY recordings (account_id, provider_id, call_id, file_name, format, size, duration_ms, raw, seq) "
                  "FROM STDIN") as copy:
        for k, c in enumerate(calls):
            for seq, r in enumerate(c.recordings):
                copy.write_row((account_id, r.provider_id, first_id + k, r.file_name, r.format, r.size, r.duration_ms,
                                _json(r.raw), seq))
    with cur.copy("COPY segments (account_id, call_id, seq, leg, speaker, role, start_ms, end_ms, text) FROM STDIN") as copy:
        for k, c in enumerate(calls):
            for seq, s in enumerate(c.segments or []):
                copy.write_row((account_id, first_id + k, seq, s.leg, s.speaker, s.role, s.start_ms, s.end_ms, s.text))


def build(server: KeptServer, home: Path, n_calls: int) -> dict:
    with psycopg.connect(server.db("postgres"), autocommit=True) as conn:
        for name in ("archive", "bare"):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        for role in (SERVICE, READER):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(PASSWORD)))
    archive, bare = server.db("archive"), server.db("bare")
    admin.init_archive(archive)
    admin.init_archive(bare)
    names = [f"acct{a}" for a in range(ACCOUNTS)]
    with psycopg.connect(archive, autocommit=True) as conn:
        admin.make_service(conn, SERVICE)
    ids: dict[str, dict[str, int]] = {}
    for label, url in (("archive", archive), ("bare", bare)):
        with PgStore.open(url) as owner:
            ids[label] = {n: owner.add_account(Account(name=n, provider="yeastar")).id for n in names}  # type: ignore[misc]
    (home / "sqlite").mkdir(exist_ok=True)
    lite = Store.open(home / "sqlite" / "recbrowser.sqlite3")
    lite_ids = {n: lite.add_account(Account(name=n, provider="yeastar")).id for n in names}
    spent = {"store": 0.0, "copy": 0.0, "sqlite": 0.0}
    t0 = time.perf_counter()
    with PgStore.open(server.db("archive", SERVICE, PASSWORD)) as store, psycopg.connect(bare) as copy_conn:
        for p, page in enumerate(Generator(seed=1).pages(n_calls, PAGE)):
            name = account_of(p)
            t = time.perf_counter()
            with store.transaction():
                store.upsert_calls(ids["archive"][name], page)
            spent["store"] += time.perf_counter() - t
            t = time.perf_counter()
            copy_page(copy_conn, ids["bare"][name], p * PAGE + 1, page)
            copy_conn.commit()
            spent["copy"] += time.perf_counter() - t
            t = time.perf_counter()
            with lite.transaction():
                lite.upsert_calls(lite_ids[name], page)  # type: ignore[arg-type]
            spent["sqlite"] += time.perf_counter() - t
            if p % 50 == 49:
                print(f"  {(p + 1) * PAGE:,} calls, {time.perf_counter() - t0:.0f} s "
                      f"(store {spent['store']:.0f} s, copy {spent['copy']:.0f} s, sqlite {spent['sqlite']:.0f} s)",
                      file=sys.stderr)
    lite.close()
    with psycopg.connect(archive, autocommit=True) as conn:
        admin.grant(conn, READER, names)
        conn.execute("VACUUM ANALYZE")
    with psycopg.connect(bare, autocommit=True) as conn:
        conn.execute("SELECT setval(pg_get_serial_sequence('calls', 'id'), %s)", (n_calls + 1,))
    return {"calls": n_calls, "sentences": n_calls * 5, "accounts": ACCOUNTS, "page": PAGE,
            "seconds": spent, "load_after": os.getloadavg(), "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def report(figures: dict) -> str:
    s, c, q = (figures["seconds"][k] for k in ("store", "copy", "sqlite"))
    n = figures["calls"]
    return (f"ingest {n:,} calls / {figures['sentences']:,} sentences into {figures['accounts']} accounts, pages of "
            f"{figures['page']:,} (finished {figures['finished']}, load average after {figures['load_after'][0]:.2f}):\n"
            f"  PgStore.upsert_calls (service login, RLS) {n / s:,.0f} calls/s ({s:.0f} s)\n"
            f"  bare COPY of the same rows (owner)        {n / c:,.0f} calls/s ({c:.0f} s)\n"
            f"  ratio store / COPY                        {c / s:.2f}x\n"
            f"  SQLite Store.upsert_calls, same pages     {n / q:,.0f} calls/s ({q:.0f} s)")


def open_data(home: Path = DIR, n_calls: int = 1_000_000) -> tuple[KeptServer, dict]:
    """Start the kept cluster (building the data set first when it is not there yet)."""
    server = KeptServer(home / "pg").start()
    done = home / "ingest.json"
    if not done.exists():
        with psycopg.connect(server.db("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'archive'").fetchone():
                server.stop()
                raise SystemExit(f"{home} holds a half-built data set: delete it and run again.")
        figures = build(server, home, n_calls)
        done.write_text(json.dumps(figures))
    return server, json.loads(done.read_text())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=DIR)
    args = ap.parse_args()
    server, figures = open_data(args.dir, args.calls)
    server.stop()
    print(report(figures))


if __name__ == "__main__":
    main()
