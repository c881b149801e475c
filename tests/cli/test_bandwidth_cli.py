"""The README flow for a Bandwidth account, driven as a user would: real keyring, real emulator, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support.bandwidth_helpers import fresh_bandwidth_tokens  # noqa: F401
from support.cli_helpers import run, set_args

from recbrowser.emulators.bandwidth import BandwidthEmulator


@pytest.fixture
def bandwidth():
    emu = BandwidthEmulator(calls=25, seed=4)
    emu.start()
    yield emu
    emu.stop()


def test_add_sync_calls_search_show_download_and_actions(capsys, monkeypatch, data_dir, bandwidth, account_name, tmp_path):
    sets = set_args(bandwidth.account_settings())
    code, out, err = run(capsys, "accounts", "add", "bandwidth", "--name", account_name, *sets, "--secrets-stdin",
                         stdin=json.dumps(bandwidth.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "test", account_name)
    assert code == 0 and "Connected to Bandwidth Voice account 9900000 with OAuth2" in out, err

    code, out, err = run(capsys, "sync")
    assert code == 0 and f"{account_name}:" in out, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    calls = json.loads(out)["calls"]
    assert {c["ref"].split("/", 1)[1] for c in calls} == bandwidth.call_ids_between(0, 2**62)

    code, out, _ = run(capsys, "search", "refund", "--json")
    hits = json.loads(out)["hits"]
    assert code == 0 and hits
    code, out, _ = run(capsys, "show", hits[0]["ref"], "--json")
    assert any("refund" in s["text"].lower() for s in json.loads(out)["segments"])

    ref = next(c["ref"] for c in calls if c["audio"] == "at provider")
    code, out, err = run(capsys, "download", ref, "--to", str(tmp_path / "out"))
    assert code == 0, err
    assert os.path.getsize(out.split("\t")[1]) > 44

    code, _, err = run(capsys, "bandwidth", "delete-media", ref)
    assert code == 2 and "--yes-delete" in err and "cannot be undone" in err
    assert not any(r.media_deleted for r in bandwidth.recordings)
    code, out, err = run(capsys, "bandwidth", "delete-media", ref, "--yes-delete")
    assert code == 0 and "deleted at Bandwidth" in out, err
    code, out, _ = run(capsys, "show", ref, "--json")
    assert "deleted at Bandwidth" in out

    untranscribed = next(r for r in bandwidth.recordings if r.transcript is None)
    code, out, err = run(capsys, "bandwidth", "transcribe", f"{account_name}/{untranscribed.call_id}")
    assert code == 0 and "requested" in out, err

    code, _, err = run(capsys, "bandwidth", "delete-recording", f"{account_name}/c-unknown", "--yes-delete")
    assert code == 1 and "No call" in err and err.count("\n") == 1


def test_emulate_serves_bandwidth():
    proc = subprocess.Popen([sys.executable, "-m", "recbrowser", "emulate", "--provider", "bandwidth", "--calls", "5"],
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())["emulators"][0]
        assert info["provider"] == "bandwidth" and info["settings"]["base_url"].endswith("/api/v2")
        assert {"account_id", "token_url", "client_id"} <= set(info["settings"]) and "client_secret" in info["secrets"]
    finally:
        proc.terminate()
        proc.wait(20)


CANARY = "CANARY-bw-s3cr3t-5e7a9c1b3d"


def _cli(*args, stdin=None):
    env = {**os.environ, "RECBROWSER_DEBUG": "1"}
    return subprocess.run([sys.executable, "-m", "recbrowser", "--verbose", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=180)


def test_canary_secret_basic_header_and_tokens_appear_nowhere(data_dir, account_name, tmp_path):
    import base64

    with BandwidthEmulator(calls=12, seed=8, client_secret=CANARY) as emu:
        sets = set_args(emu.account_settings())
        steps = [_cli("accounts", "add", "bandwidth", "--name", account_name, *sets, "--secrets-stdin",
                      stdin=json.dumps({"client_secret": CANARY})),
                 _cli("accounts", "test", account_name), _cli("sync")]
        refs = [c["ref"] for c in json.loads(_cli("calls", "--json", "--has-audio", "--limit", "2").stdout)["calls"]]
        steps += [_cli("download", *refs, "--to", str(tmp_path / "out"))]
        emu.expire_tokens()  # a rejected token, then a fresh one
        steps += [_cli("sync"), _cli("bandwidth", "delete-media", refs[0], "--yes-delete")]
        tokens = list(emu.tokens.issued)
    steps.append(_cli("sync"))  # the emulator is gone: an error path
    assert all(r.returncode == 0 for r in steps[:-1]), [r.stderr for r in steps]
    assert steps[-1].returncode == 1 and tokens
    basic = base64.b64encode(f"{emu.client_id}:{CANARY}".encode()).decode()
    needles = [CANARY, basic, *tokens]
    outputs = [t for r in steps for t in (r.stdout, r.stderr)]
    files = [p for p in data_dir.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files)
    for needle in needles:
        assert not any(needle in t for t in outputs)
        for path in files:
            assert needle.encode() not in path.read_bytes(), f"{needle[:8]}... found in {path.name}"
