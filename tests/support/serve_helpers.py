"""`team serve` as separate processes over a real archive (PostgreSQL + SeaweedFS) and the five
provider emulators on loopback, shared by tests/team/test_team_serve.py and the serve benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from recbrowser.demo.team_setup import TeamArchive
from recbrowser.services.sync import FIRST_SYNC_DAYS, STATE_RUN, STATE_SYNCED_UNTIL
from support.paths import REPO

PROVIDERS = ["yeastar", "bandwidth", "wildix", "dialgen", "voki"]


def start_serve(dd_root: Path, archive: TeamArchive, log: Path, *extra: str, lease_s: float = 3.0) -> subprocess.Popen:
    """One `recbrowser team serve` process (RECBROWSER_TEAM names its profile); stderr to `log`."""
    env = {**os.environ, "RECBROWSER_TEAM": archive.serve_profile, "RECBROWSER_DATA_DIR": str(dd_root),
           "PYTHONPATH": str(REPO), "RECBROWSER_MAX_RPS": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "recbrowser", "team", "serve", "--key-file", str(archive.key_file),
         "--lease", str(lease_s), "--interval", "600", *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"), cwd=REPO)


def wait_for(condition, timeout_s: float = 120.0, what: str = "the condition", step_s: float = 0.02):
    """Poll until `condition()` is truthy (its value is returned); fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step_s)
    raise AssertionError(f"timed out waiting for {what}")


def mid_sync_holder(owner_url: str) -> tuple[str, str] | None:
    """(account, lease holder) of an account whose sync has written a page but not finished."""
    with psycopg.connect(owner_url) as conn:
        row = conn.execute(
            "SELECT a.name, l.holder FROM sync_state s JOIN accounts a ON a.id = s.account_id "
            "JOIN leases l ON l.account_id = s.account_id "
            "WHERE s.key = %s AND l.holder <> '' LIMIT 1", (STATE_RUN,)).fetchone()
    return (row[0], row[1]) if row else None


def all_served(owner_url: str) -> bool:
    """Every account synced to the end, and every listed recording archived."""
    with psycopg.connect(owner_url) as conn:
        accounts = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        synced = conn.execute("SELECT count(*) FROM sync_state WHERE key = %s", (STATE_SYNCED_UNTIL,)).fetchone()[0]
        running = conn.execute("SELECT count(*) FROM sync_state WHERE key = %s", (STATE_RUN,)).fetchone()[0]
        missing = conn.execute(
            "SELECT count(*) FROM recordings r JOIN calls c ON c.account_id = r.account_id AND c.id = r.call_id "
            "WHERE c.has_audio AND NOT EXISTS (SELECT 1 FROM media_files m WHERE m.account_id = r.account_id "
            "AND m.recording_provider_id = r.provider_id)").fetchone()[0]
    return accounts > 0 and synced == accounts and running == 0 and missing == 0


def archived_calls(owner_url: str) -> dict[str, list[str]]:
    """Account name -> the provider ids of its calls in the archive (a list: duplicates would show)."""
    with psycopg.connect(owner_url) as conn:
        rows = conn.execute("SELECT a.name, c.provider_id FROM calls c JOIN accounts a ON a.id = c.account_id").fetchall()
    out: dict[str, list[str]] = {}
    for name, pid in rows:
        out.setdefault(name, []).append(pid)
    return out


def media_rows(owner_url: str) -> list[tuple[str, str, str, str, int]]:
    """(account, call id, recording id, sha256, size) of every archived recording."""
    with psycopg.connect(owner_url) as conn:
        return conn.execute(
            "SELECT a.name, c.provider_id, r.provider_id, m.sha256, m.size FROM media_files m "
            "JOIN recordings r ON r.account_id = m.account_id AND r.provider_id = m.recording_provider_id "
            "JOIN calls c ON c.account_id = r.account_id AND c.id = r.call_id "
            "JOIN accounts a ON a.id = m.account_id").fetchall()


def provider_calls(archive: TeamArchive) -> dict[str, set[str]]:
    """What each emulator holds for the first sync's window, listed by a fresh connector."""
    from recbrowser.domain import Account
    from recbrowser.services.accounts import open_provider

    now = int(time.time() * 1000)
    out = {}
    for name, server in archive.accounts.items():
        info = server.describe()
        provider = open_provider(Account(name=name, provider=info["provider"], settings=info["settings"], id=1),
                                 info["secrets"])
        try:
            if hasattr(provider, "sign_in"):
                provider.sign_in()
            out[name] = {c.provider_id for page in provider.list_calls(now - FIRST_SYNC_DAYS * 86_400_000, now)
                         for c in page.calls}
        finally:
            provider.close()
    return out


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 60.0) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout_s)


def drop_logins(owner_url: str, logins: list[str]) -> None:
    from psycopg import sql

    with psycopg.connect(owner_url, autocommit=True) as conn:
        for name in logins:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def serve_once(data_dir, archive: TeamArchive, log: Path) -> str:
    """One `team serve --once` process to its end (exit 0, no traceback); its log."""
    worker = start_serve(data_dir.root, archive, log, "--once")
    assert worker.wait(240) == 0
    text = log.read_text()
    assert "Traceback" not in text, text
    return text
