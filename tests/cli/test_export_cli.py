"""`recbrowser export` as a user runs it: real keyring, real emulator, real ffmpeg, real files.

Run with `./run test tests/cli/test_export_cli.py` (it starts the keyring these tests need).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.cli_helpers import add_account, run, set_args
from support.export_helpers import check_round_trip, leftovers, read_export, sha

from recbrowser.store import Store


def synced(capsys, monkeypatch, emu, name):
    code, _, err = add_account(capsys, monkeypatch, emu, name)
    assert code == 0, err
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    return json.loads(run(capsys, "calls", "--json", "--limit", "500")[1])["calls"]


def test_export_search_to_zip_downloads_converts_and_reports(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    synced(capsys, monkeypatch, yeastar, account_name)
    dest = tmp_path / "handover" / "refunds.zip"
    code, out, err = run(capsys, "export", "--search", "refund", "--to", str(dest), "--audio", "mp3",
                         "--transcripts", "txt,srt,vtt,json")
    assert code == 0, err
    assert f"is in {dest}" in out and "0 failed" in out
    assert "export:" in err and "calls" in err  # progress went to stderr
    with Store.open(data_dir.database) as store:
        manifest = check_round_trip(store, dest, "mp3")
        hits = {h.call_ref for h in store.search("refund", limit=500)}
    assert {r["ref"] for r in manifest["calls"]} == hits
    assert yeastar.media_requests > 0  # recordings were fetched with the keyring's secret first
    code, out, _ = run(capsys, "export", "--search", "refund", "--to", str(dest), "--audio", "mp3",
                       "--transcripts", "txt,srt,vtt,json")
    assert code == 0 and f"0 exported, {len(hits)} skipped" in out and "brought up to date" not in out
    account, call_id = sorted(hits)[0].split("/")
    with Store.open(data_dir.database) as store:
        store.add_tag(account, call_id, "handed over")
    code, out, _ = run(capsys, "export", "--search", "refund", "--to", str(dest), "--audio", "mp3",
                       "--transcripts", "txt,srt,vtt,json")
    assert code == 0 and "1 with notes, tags or details brought up to date" in out
    row = next(r for r in read_export(dest)[0]["calls"] if r["ref"] == sorted(hits)[0])
    assert row["tags"] == ["handed over"]
    assert leftovers(tmp_path) == []


def test_export_by_time_range_and_by_call_refs(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    calls = synced(capsys, monkeypatch, yeastar, account_name)
    starts = sorted(c["start_ms"] for c in calls)
    from datetime import UTC, datetime

    def iso(ms):
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat()

    code, out, err = run(capsys, "export", "--since", iso(starts[2]), "--until", iso(starts[6]), "--to", str(tmp_path / "week"),
                         "--name", "{account}-{date}-{call_id}")
    assert code == 0, err
    manifest, _ = read_export(tmp_path / "week")
    assert len(manifest["calls"]) == 4 and all(r["stem"].startswith(account_name) for r in manifest["calls"])
    refs = [c["ref"] for c in calls[:2]]
    code, out, err = run(capsys, "export", *refs, "--to", str(tmp_path / "two"), "--transcripts", "none")
    assert code == 0, err
    assert sorted(r["ref"] for r in read_export(tmp_path / "two")[0]["calls"]) == sorted(refs)


def test_bad_requests_exit_2_and_user_errors_exit_1_with_one_line(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    calls = synced(capsys, monkeypatch, yeastar, account_name)
    ref = calls[0]["ref"]
    (tmp_path / "file").write_text("x")
    usage = [["--to", str(tmp_path / "x")], [ref, "--search", "refund", "--to", str(tmp_path / "x")],
             [ref, "--to", str(tmp_path / "x"), "--transcripts", "pdf"]]
    for args in usage:
        try:
            code, _, err = run(capsys, "export", *args)
        except SystemExit as e:  # argparse's own usage errors
            code, err = e.code, capsys.readouterr().err
        assert code == 2, (args, err)
    for args, words in [([ref, "--to", str(tmp_path / "file")], "is a file"),
                        ([ref, "--to", str(tmp_path / "y"), "--name", "{nope}"], "unknown field"),
                        (["nobody/1", "--to", str(tmp_path / "y")], "No call nobody/1")]:
        code, out, err = run(capsys, "export", *args)
        assert code == 1 and words in err and err.count("\n") == 1, (args, err)


def test_a_failed_call_is_named_and_the_exit_status_is_1(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    calls = synced(capsys, monkeypatch, yeastar, account_name)
    refs = [c["ref"] for c in calls if c["audio"] == "at provider"][:3]
    assert run(capsys, "download", *refs)[0] == 0
    with Store.open(data_dir.database) as store:
        account = store.account(account_name)
        media = store.media_for_call(account_name, refs[1].split("/", 1)[1])[0]
        garbage = os.urandom(media.size)
        Path(media.path).write_bytes(garbage)
        store.record_media(account.id, media.recording_provider_id, media.path, media.size, sha(garbage))
    code, out, err = run(capsys, "export", *refs, "--to", str(tmp_path / "out"), "--audio", "wav")
    assert code == 1
    assert f"{refs[1]} failed: its recording cannot be decoded" in err
    assert "2 exported, 0 skipped" in out and "1 failed" in out


def test_ctrl_c_then_run_again_completes(data_dir, account_name, tmp_path):
    from recbrowser.emulators.yeastar import YeastarEmulator

    with YeastarEmulator(calls=14, seed=3, faults=["slow:seconds=0.4,times=0,path=/api/download"]) as emu:
        sets = set_args(emu.account_settings())
        add = [sys.executable, "-m", "recbrowser", "accounts", "add", "yeastar", "--name", account_name, *sets, "--secrets-stdin"]
        assert subprocess.run(add, input=json.dumps(emu.secrets()), text=True, capture_output=True).returncode == 0
        assert subprocess.run([sys.executable, "-m", "recbrowser", "sync"], capture_output=True).returncode == 0
        dest = tmp_path / "out.zip"
        cmd = [sys.executable, "-m", "recbrowser", "export", "--since", "2000-01-01", "--to", str(dest), "--audio", "mp3"]
        # A terminal's Ctrl-C reaches the whole process group: the export and its workers.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        journal = tmp_path / "out.zip.partial" / ".recbrowser-export.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and (
                not journal.exists() or journal.read_text().count('{"row"') < 2):
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "run the command again" in err and not dest.exists()
        emu.clear_faults()
        again = subprocess.run(cmd, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
        assert "skipped" in again.stdout and " 0 failed" in again.stdout
        with Store.open(data_dir.database) as store:
            check_round_trip(store, dest, "mp3")
        assert leftovers(tmp_path) == []


def test_redact_pii_from_the_command_line(capsys, monkeypatch, data_dir, yeastar, account_name, tmp_path):
    from support.export_helpers import pii_call

    synced(capsys, monkeypatch, yeastar, account_name)
    with Store.open(data_dir.database) as store:
        store.upsert_calls(store.account(account_name).id, [pii_call()])
        store.add_tag(account_name, "pii-1", "legal")
    ref = f"{account_name}/pii-1"
    code, out, err = run(capsys, "export", ref, "--to", str(tmp_path / "legal.zip"), "--transcripts", "txt,vtt",
                         "--redact-pii")
    assert code == 0 and "1 exported" in out, err
    manifest, files = read_export(tmp_path / "legal.zip")
    text = "".join(data.decode("utf-8-sig") for data in files.values())
    assert "[card]" in text and "4111 1111" not in text and "mia@example.com" not in text
    assert manifest["export"]["redact_pii"] == ["cards", "phones", "emails"] and manifest["calls"][0]["tags"] == ["legal"]
