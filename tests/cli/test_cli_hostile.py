"""The command line under hostile and unlucky use: each case is one sentence on stderr and exit
1 (2 for usage), never a Python traceback. Real files, real SQLite, real pipes."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cli_helpers import run
from support.yeastar_helpers import add_emulated_account, sync

import recbrowser
from recbrowser.cli import main
from recbrowser.store import Store


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recbrowser", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, **kw)


def attempt(capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """One in-process run: its exit status (argparse's included), stdout and stderr. An
    exception that escapes main() is a traceback the user would have seen: the test fails."""
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 2
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("recbrowser")]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


@pytest.fixture
def synced_cache(data_dir, yeastar):
    with Store.open(data_dir.database) as store:
        account = add_emulated_account(store, yeastar)
        assert sync(store, account, yeastar).ok
    return data_dir


# -- a damaged cache ------------------------------------------------------------------------------
def _damage_a_middle_page_of_calls(database: Path) -> None:
    """Overwrite one leaf page of the calls table, in the middle of the file, with garbage."""
    with sqlite3.connect(database) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = [p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = 'calls' AND pagetype = 'leaf' ORDER BY pageno")]
        total = con.execute("PRAGMA page_count").fetchone()[0]
    page = pages[len(pages) // 2]
    assert 1 < page < total
    with database.open("r+b") as fh:
        fh.seek((page - 1) * page_size)
        fh.write(b"\xa5" * page_size)


@pytest.mark.parametrize("with_backup", [True, False])
def test_a_cache_damaged_in_the_middle_is_named_with_how_to_restore_and_never_written(synced_cache, with_backup):
    database = synced_cache.database
    con = sqlite3.connect(database)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    if with_backup:  # what the migrations keep before they update a cache
        shutil.copy(database, database.with_name(database.name + ".bak-v4"))
    _damage_a_middle_page_of_calls(database)
    before = database.read_bytes()
    for args in (["calls", "--limit", "500"], ["search", "refund"], ["calls", "--json", "--limit", "500"]):
        done = cli(*args)
        assert done.returncode == 1, done
        line = one_sentence(done.stderr)
        assert "damaged" in line and "malformed" in line and str(database) in line
        if with_backup:
            assert f"{database}.bak-v4" in line and "cp " in line
        else:
            assert "move it away" in line
    assert database.read_bytes() == before


def test_a_cache_damaged_in_its_table_of_contents_is_refused_with_the_same_advice(synced_cache):
    database = synced_cache.database
    con = sqlite3.connect(database)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copy(database, database.with_name(database.name + ".bak-v4"))
    with database.open("r+b") as fh:  # page 1 after its 100-byte header: the schema's b-tree
        fh.seek(100)
        fh.write(b"\xa5" * 400)
    before = database.read_bytes()
    done = cli("calls")
    assert done.returncode == 1
    line = one_sentence(done.stderr)
    assert "damaged" in line and f"{database}.bak-v4" in line
    assert database.read_bytes() == before


# -- a cache busy in another process -------------------------------------------------------------
def test_a_cache_locked_by_another_program_says_busy_and_a_retry_works(capsys, monkeypatch, synced_cache, yeastar):
    from recbrowser.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(synced_cache.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another recbrowser in the middle of writing a page
    try:
        code, _, err = attempt(capsys, ["archive", "--within", "1"])  # reads: unaffected
        assert code == 0, err
        code, _, err = attempt(capsys, ["accounts", "remove", "hq"])
        assert code == 1
        assert "busy" in one_sentence(err) and "try again" in err
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Store.open(synced_cache.database) as store:
        assert store.account("hq") is not None  # nothing half-done
    code, out, err = attempt(capsys, ["calls", "--json", "--limit", "5"])
    assert code == 0 and json.loads(out)["calls"]


# -- a read-only data folder ---------------------------------------------------------------------
def test_a_read_only_data_folder_reads_and_says_why_it_cannot_write(synced_cache):
    """The data folder of another user, readable but not writable (as root, the commands run as
    nobody: root may write anywhere)."""
    drop: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="recbrowser-ro-"))
    try:
        home = base / "data"
        home.mkdir()
        with sqlite3.connect(synced_cache.database) as src, sqlite3.connect(home / synced_cache.database.name) as copy:
            src.backup(copy)
        (home / "logs").mkdir()
        (home / "media").mkdir()
        if os.geteuid() == 0:
            assert shutil.which("setpriv"), "setpriv (util-linux) is needed to run as an unprivileged user"
            drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        for p in [home, *home.iterdir()]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        base.chmod(0o755)
        before = {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()}
        # The code under test, whatever an earlier test left in os.environ.
        checkout = str(Path(recbrowser.__file__).resolve().parents[1])
        env = {**os.environ, "RECBROWSER_DATA_DIR": str(home), "HOME": str(base), "PYTHONPATH": checkout}

        def as_other(*args):
            return subprocess.run([*drop, sys.executable, "-m", "recbrowser", *args], capture_output=True,
                                  text=True, env=env, timeout=60, cwd=base)

        calls = as_other("calls", "--json", "--limit", "500")
        assert calls.returncode == 0, calls.stderr
        assert len(json.loads(calls.stdout)["calls"]) == 30
        assert as_other("search", "refund").returncode == 0
        removed = as_other("accounts", "remove", "hq")
        assert removed.returncode == 1
        assert "read-only" in one_sentence(removed.stderr) and "--data-dir" in removed.stderr
        assert {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()} == before
    finally:
        for p in base.rglob("*"):
            p.chmod(0o700)
        shutil.rmtree(base, ignore_errors=True)


# -- output closed early -------------------------------------------------------------------------
def test_output_piped_into_a_reader_that_stops_early_ends_quietly(synced_cache):
    """`recbrowser calls | head -1`, with a real pipe: closed after the first bytes of an output
    larger than a pipe holds (64 KiB), and closed before anything was written."""
    from recbrowser.domain import Call, Party

    with Store.open(synced_cache.database) as store:
        hq = store.account("hq")
        store.upsert_calls(hq.id, [Call(provider_id=f"bulk{i}", start_ms=1_700_000_000_000 + i * 60_000, direction="inbound",
                                        from_party=Party(number=f"+4930{i:07d}"), to_party=Party(number="201"))
                                   for i in range(2000)])
    for args in (["calls", "--limit", "2000"], ["calls", "--json", "--limit", "2000"]):
        for read_first in (True, False):
            proc = subprocess.Popen([sys.executable, "-m", "recbrowser", *args], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            if read_first:
                assert proc.stdout.read(1)
            proc.stdout.close()
            err = proc.stderr.read().decode()
            assert proc.wait(60) in (0, 1) and err == "", err


# -- arguments -----------------------------------------------------------------------------------
def test_a_query_that_starts_with_a_dash_is_a_query(capsys, synced_cache):
    code, out, err = attempt(capsys, ["search", "refund", "-card", "--json"])
    assert code == 0, err
    hits = json.loads(out)
    assert hits["query"] == "refund -card" and hits["hits"]
    assert all("card" not in h["text"].lower() for h in hits["hits"])
    code, out, err = attempt(capsys, ["search", "--limit", "3", "-refund"])
    assert code == 1 and "Type a word to search for" in one_sentence(err)
    code, _, err = attempt(capsys, ["search", "-refund", "--bogus=1"])
    assert code == 1 and "Traceback" not in err


@pytest.mark.parametrize("command", ["calls", "sync", "export"])
def test_since_later_than_until_says_so(capsys, data_dir, command, tmp_path):
    extra = ["--to", str(tmp_path / "out")] if command == "export" else []
    code, _, err = attempt(capsys, [command, "--since", "2026-05-10", "--until", "2026-05-01", *extra])
    assert code == 2 and "--since must be earlier than --until" in err


@pytest.mark.parametrize("argv", [
    ["calls", "--limit", "99999999999999999999"], ["search", "refund", "--limit", "99999999999999999999"],
    ["calls", "--limit", "-1"], ["audit", "--limit", "1e9"],
    ["archive", "--within", "nan"], ["archive", "--within", "inf"], ["archive", "--within", "1e308"],
    ["archive", "--within", "-3"], ["archive", "--within", "0"],
    ["export", "--since", "2026-01-01", "--to", "x", "--workers", "0"],
    ["export", "--since", "2026-01-01", "--to", "x", "--workers", "-5"],
    ["export", "--since", "2026-01-01", "--to", "x", "--workers", "100000"],
    ["calls", "--since", "0001-01-01"],
])
def test_numbers_a_command_cannot_use_are_usage_errors(capsys, data_dir, argv):
    code, _, err = attempt(capsys, argv)
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("recbrowser")


@pytest.mark.parametrize(("extra", "name", "message"), [
    (["--set", "timezone=Mars/Olympus"], "hq", "is not a time zone name"),
    (["--set", "timezone=Europe"], "hq", "is not a time zone name"),
    (["--set", "time_format=HH:mm"], "hq", "is not a PBX date format"),
    ([], "hq\x1b[31m", "control characters"),
    ([], "hq\u202ex", "control characters"),
    ([], "hq\tx", "control characters"),
])
def test_accounts_add_refuses_settings_and_names_that_cannot_work(capsys, data_dir, yeastar, extra, name, message):
    sets = [x for k, v in yeastar.account_settings().items() for x in ("--set", f"{k}={v}")]
    code, _, err = attempt(capsys, ["accounts", "add", "yeastar", "--name", name, *sets, *extra])
    assert code == 1 and message in one_sentence(err)
    assert attempt(capsys, ["accounts", "list", "--json"])[1] == '{"accounts": []}\n'


def test_an_empty_base_url_is_refused_not_the_vendors_cloud(capsys, data_dir):
    code, _, err = attempt(capsys, ["accounts", "add", "bandwidth", "--name", "bw", "--set", "base_url=",
                                    "--set", "account_id=9900000"])
    assert code == 1 and "base_url is empty" in one_sentence(err)


def test_secrets_that_are_not_utf8_are_refused_without_showing_them(data_dir, yeastar):
    sets = [x for k, v in yeastar.account_settings().items() for x in ("--set", f"{k}={v}")]
    done = subprocess.run([sys.executable, "-m", "recbrowser", "accounts", "add", "yeastar", "--name", "hq", *sets,
                           "--secrets-stdin"], input=b'{"client_secret": "s3cr\xff\xfet"}', capture_output=True,
                          timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 2 and "not valid UTF-8" in one_sentence(err) and "s3cr" not in err


# -- every command, hostile arguments ------------------------------------------------------------
def _commands() -> list[str]:
    from recbrowser.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(sub.choices)


HOSTILE = ["", "-", "--", "-refund", "nan", "inf", "-inf", "1e308", "-5", "0", "99999999999999999999",
           "0001-01-01", "9999-12-31T23:59:59", "2026-13-45", "hq/", "/", "hq/../../etc/passwd", "no-slash",
           "\x00", "\x1b[2J", "\u202e", "\udcff", "é" * 300, "'; DROP TABLE calls; --", '"', "*", "NEAR(", "a OR",
           "--json", "--limit", "--since", "--until", "--account", "--to", "--within", "--workers", "--name",
           "--set", "=", "KEY=", "timezone=Mars/Olympus", "base_url="]
SKIP = {"emulate"}  # serves until interrupted: its arguments are covered by its own tests


def test_the_hostile_table_covers_every_command():
    assert {"accounts", "sync", "calls", "search", "show", "download", "export", "archive", "audit"} <= set(_commands())


def _check(capsys, argv: list[str], tmp: Path) -> None:
    argv = [a.replace("@TMP", str(tmp)) for a in argv]
    code, out, err = attempt(capsys, argv, stdin='{"client_secret": "x"}')
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err and "Unexpected error" not in err, (argv, err)
    if code:
        assert err.strip(), argv


@pytest.mark.parametrize("command", [c for c in _commands() if c not in SKIP])
def test_every_command_with_each_hostile_argument_gives_a_sentence(capsys, synced_cache, tmp_path, command):
    for value in HOSTILE:
        for argv in ([command, value], [command, "--to", str(tmp_path / "out"), value], [command, "--limit", value],
                     [command, value, "--since", value], [command, "hq/1", value]):
            _check(capsys, argv, tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from([c for c in _commands() if c not in SKIP]),
       words=st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), max_size=5))
def test_hypothesis_argv_never_gives_a_traceback(capsys, synced_cache, tmp_path, command, words):
    _check(capsys, [command, *words], tmp_path)


def test_cases_the_table_does_not_reach_still_give_one_sentence(capsys, synced_cache, tmp_path):
    sets = ["--set", "base_url=http://127.0.0.1:9", "--set", "client_id=a"]
    for argv in (["accounts", "add", "nope", "--name", "x"], ["accounts", "add", "yeastar", "--name", "x", *sets,
                 "--set", "time_format=YYYY"], ["accounts", "test", "ghost"], ["accounts", "remove", "ghost"],
                 ["download", "hq/1", "--to", "/proc/nope"], ["export", "hq/1", "--to", "/proc/x.zip"]):
        _check(capsys, argv, tmp_path)
    assert run(capsys, "calls", "--limit", "1")[0] == 0


def test_a_data_folder_that_is_a_file_is_named(capsys, tmp_path):
    (tmp_path / "a-file").write_text("mine")
    for folder in (tmp_path / "a-file", tmp_path / "a-file" / "data"):
        code, _, err = attempt(capsys, ["--data-dir", str(folder), "calls"])
        assert code == 1 and "not a folder" in one_sentence(err)
    assert (tmp_path / "a-file").read_text() == "mine"


def test_an_error_logged_with_its_traceback_shows_one_line_on_the_terminal_and_all_in_the_file(capsys, tmp_path):
    """A service that logs an unforeseen failure (sync's "stopped on an unexpected error") used
    to print the whole traceback on the terminal, where the log's stderr handler shows errors."""
    import logging

    from recbrowser.logs import setup_logging

    setup_logging(tmp_path)
    try:
        try:
            {}["missing"]
        except KeyError:
            logging.getLogger("recbrowser.sync").exception("sync hq failed unexpectedly")
    finally:
        setup_logging(None)
    err = capsys.readouterr().err
    assert "sync hq failed unexpectedly" in err and "Traceback" not in err and "KeyError" not in err
    logged = (tmp_path / "recbrowser.log").read_text(encoding="utf-8")
    assert "Traceback" in logged and "KeyError: 'missing'" in logged
