"""The command-line contract, driven as a user would: real keyring, real emulator, real files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from support.cli_helpers import add_account, run, set_args

from recbrowser.cli import main


def test_readme_flow_add_sync_calls_search_show_download(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    code, out, err = add_account(capsys, monkeypatch, yeastar, account_name)
    assert code == 0, err
    assert "keyring" in out

    code, out, _ = run(capsys, "accounts", "test", account_name)
    assert code == 0 and "Connected to the Yeastar PBX" in out

    code, out, err = run(capsys, "sync")
    assert code == 0, err
    assert f"{account_name}:" in out and "calls synced" in out

    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    listing = json.loads(out)
    assert listing["total"] == len(listing["calls"]) > 0
    starts = [c["start_ms"] for c in listing["calls"]]
    assert starts == sorted(starts, reverse=True)
    assert all(c["ref"].startswith(account_name + "/") for c in listing["calls"])

    code, out, _ = run(capsys, "search", "refund", "--json")
    hits = json.loads(out)["hits"]
    assert code == 0 and hits and all("[" in h["snippet"] for h in hits)

    ref = hits[0]["ref"]
    code, out, _ = run(capsys, "show", ref, "--json")
    shown = json.loads(out)
    assert shown["ref"] == ref and shown["segments"]
    assert any("refund" in s["text"].lower() for s in shown["segments"])

    with_audio = next(c for c in listing["calls"] if c["audio"] == "at provider")
    code, out, err = run(capsys, "download", with_audio["ref"], "--to", str(tmp_path / "out"))
    assert code == 0, err
    assert "Media cache: 1 recording," in err
    path = out.split("\t")[1]
    assert os.path.getsize(path) > 0 and path.startswith(str(tmp_path / "out"))

    code, out, _ = run(capsys, "calls", "--json", "--has-audio", "--limit", "500")
    assert any(c["audio"] == "downloaded" for c in json.loads(out)["calls"])


def test_user_errors_exit_1_with_one_line_and_usage_errors_exit_2(capsys, data_dir):
    code, _, err = run(capsys, "show", "nope/123")
    assert code == 1 and err.count("\n") == 1 and "No call nope/123" in err
    code, _, err = run(capsys, "show", "no-slash")
    assert code == 1 and "ACCOUNT/CALL_ID" in err
    code, _, err = run(capsys, "sync", "--account", "ghost")
    assert code == 1 and "no account named 'ghost'" in err
    with pytest.raises(SystemExit) as e:
        main(["calls", "--since", "last tuesday"])
    assert e.value.code == 2


def test_secrets_on_the_command_line_are_refused(capsys, data_dir, yeastar, account_name):
    code, _, err = run(capsys, "accounts", "add", "yeastar", "--name", account_name,
                       "--set", "base_url=http://x", "--set", "client_id=a", "--set", "client_secret=oops")
    assert code == 1 and "--secrets-stdin" in err and "oops" not in err


def test_a_cache_from_a_newer_recbrowser_is_refused_and_left_alone(capsys, data_dir):
    main(["calls"])
    capsys.readouterr()
    con = sqlite3.connect(data_dir.database)
    from recbrowser.store import migrations

    newest = len(migrations.MIGRATIONS)
    con.execute("UPDATE schema_version SET version = ?", (newest + 5,))
    con.commit()
    con.close()
    before = data_dir.database.read_bytes()
    code, _, err = run(capsys, "calls")
    assert code == 1 and "newer recbrowser" in err
    assert data_dir.database.read_bytes() == before


def _cli(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "recbrowser", *args], capture_output=True, text=True,
                          env=env or os.environ.copy(), timeout=120, **kw)


def test_no_keyring_backend_says_what_to_install_and_stores_nothing(data_dir, yeastar):
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    sets = set_args(yeastar.account_settings())
    r = _cli("accounts", "add", "yeastar", "--name", "nokeyring", *sets, "--secrets-stdin",
             input=json.dumps(yeastar.secrets()), env=env)
    assert r.returncode == 1
    assert "install" in r.stderr.lower() and r.stderr.count("\n") == 1
    assert yeastar.secrets()["client_secret"] not in r.stderr
    assert "nokeyring" not in _cli("accounts", "list").stdout


def test_emulate_prints_one_json_line_with_settings_and_secrets(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "recbrowser", "emulate", "--calls", "5"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        info = json.loads(line)["emulators"][0]
        assert info["provider"] == "yeastar"
        assert info["base_url"].startswith("http://127.0.0.1:")
        assert {"client_id", "base_url"} <= set(info["settings"]) and "client_secret" in info["secrets"]
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0


def test_ctrl_c_during_sync_then_sync_again_leaves_no_gap_and_no_duplicate(data_dir, account_name, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from recbrowser.emulators import server as server_module
    from recbrowser.emulators.yeastar import YeastarEmulator

    # Once five calls are stored, the emulator holds its next answer until the test lets go: the
    # Ctrl-C is sure to land mid-sync, however fast or slow the machine.
    holding, release = threading.Event(), threading.Event()

    def gate(_seconds: float) -> None:
        if not release.is_set() and _count(data_dir) >= 5:
            holding.set()
            release.wait(60)

    monkeypatch.setattr(server_module, "time", SimpleNamespace(sleep=gate, time=time.time, monotonic=time.monotonic))
    with YeastarEmulator(calls=40, seed=11, faults=["slow:seconds=0,times=0"]) as emu:
        sets = set_args(emu.account_settings())
        assert _cli("accounts", "add", "yeastar", "--name", account_name, *sets, "--secrets-stdin",
                    input=json.dumps(emu.secrets())).returncode == 0
        proc = subprocess.Popen([sys.executable, "-m", "recbrowser", "sync"], stderr=subprocess.PIPE, text=True)
        try:
            assert holding.wait(60), "the sync never stored five calls"
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            release.set()
        assert proc.returncode == 130, err
        assert "run the command again" in err
        partial = _count(data_dir)
        assert partial >= 5
        emu.clear_faults()
        again = _cli("sync")
        assert again.returncode == 0, again.stderr
        listing = json.loads(_cli("calls", "--json", "--limit", "1000").stdout)
        ids = [c["call_id"] for c in listing["calls"]]
        assert len(ids) == len(set(ids)) == listing["total"] > partial
        assert set(ids) == emu.call_ids_between(*_window(listing))


def _count(data_dir) -> int:
    if not data_dir.database.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{data_dir.database}?mode=ro", uri=True, timeout=1)
        n = con.execute("SELECT count(*) FROM calls").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


def _window(listing):
    now = int(time.time() * 1000)
    return now - 30 * 86_400_000, now


def test_plain_start_skips_the_command_modules_but_help_and_commands_have_them(capsys):
    from recbrowser.startup import names_a_command

    # `recbrowser` and its top-level options open the window: no command parsers needed.
    assert not names_a_command([])
    assert not names_a_command(["--data-dir", "export", "--verbose"])  # a folder named "export"
    assert not names_a_command(["--demo", "--screenshot", "shot.png"])
    assert names_a_command(["--data-dir", "x", "export", "--query", "refund"])
    assert names_a_command(["--help"])
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("export", "archive", "audit", "bandwidth", "import"):
        assert command in out


def test_a_core_command_runs_without_importing_the_other_commands(data_dir):
    # `recbrowser calls` in a script: the export, archive, audit... parsers (and the export
    # service they import) are not loaded; `export --help` and a typo still see every command.
    probe = ("import sys, contextlib, io\nfrom recbrowser.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()): code = main(sys.argv[1:])\n"
             "print(code, 'recbrowser.cli.export' in sys.modules, 'recbrowser.services.export' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", probe, "--data-dir", str(data_dir.root), "calls"],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["0", "False", "False"], run.stderr[-1000:]
    helped = subprocess.run([sys.executable, "-m", "recbrowser", "export", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert helped.returncode == 0 and "--to DIR_OR_ZIP" in helped.stdout
    typo = subprocess.run([sys.executable, "-m", "recbrowser", "exprot"], capture_output=True, text=True, timeout=60)
    assert typo.returncode == 2 and "'export'" in typo.stderr and "'audit'" in typo.stderr


def test_a_mistyped_option_without_a_command_shows_the_usage_with_the_commands(capsys):
    # The window's short parser has no commands; its error still shows the whole usage.
    with pytest.raises(SystemExit) as stopped:
        main(["--verbsoe"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "unrecognized arguments: --verbsoe" in err and "COMMAND ..." in err


def test_a_command_runs_with_the_garbage_collector_on(capsys, data_dir):
    import gc

    gc.disable()  # as recbrowser/__main__.py leaves it for a window's start-up
    try:
        code, _out, _err = run(capsys, "calls")
        assert code == 0 and gc.isenabled()
    finally:
        gc.enable()
