"""Plant a canary secret, use every command, and look for it (and the PBX's tokens) everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.cli_helpers import set_args

CANARY = "CANARY-s3cr3t-7f1d9a2b4c6e8f00"


def _cli(*args, stdin=None):
    env = {**os.environ, "RECBROWSER_DEBUG": "1"}
    r = subprocess.run([sys.executable, "-m", "recbrowser", "--verbose", *args], input=stdin, capture_output=True,
                       text=True, env=env, timeout=180)
    return r


def test_canary_secret_and_tokens_appear_nowhere(data_dir, account_name, tmp_path):
    from recbrowser.emulators.yeastar import YeastarEmulator

    outputs = []
    with YeastarEmulator(calls=15, seed=4, client_secret=CANARY) as emu:
        sets = set_args(emu.account_settings())
        steps = [
            _cli("accounts", "add", "yeastar", "--name", account_name, *sets, "--secrets-stdin",
                 stdin=json.dumps({"client_secret": CANARY})),
            _cli("accounts", "test", account_name),
            _cli("accounts", "list", "--json"),
            _cli("sync"),
            _cli("search", "price", "--json"),
        ]
        listing = _cli("calls", "--json", "--has-audio", "--limit", "3")
        refs = [c["ref"] for c in json.loads(listing.stdout)["calls"]]
        steps += [listing, _cli("show", refs[0], "--json"), _cli("download", *refs, "--to", str(tmp_path / "out"))]
        # A failing run must not leak either: the PBX rejects a token, then goes away.
        emu.add_fault("errcode:code=10005,times=1")
        steps.append(_cli("sync"))
        tokens = list(emu.issued_tokens)
    emu_gone = _cli("sync")
    steps.append(emu_gone)
    for r in steps:
        outputs += [r.stdout, r.stderr]
    assert steps[0].returncode == 0, steps[0].stderr
    assert steps[3].returncode == 0, steps[3].stderr
    assert emu_gone.returncode == 1
    assert tokens, "the emulator should have issued tokens"
    assert "access_token=***" in "".join(outputs) or "access_token" not in "".join(outputs)

    needles = [CANARY, *tokens]
    for text in outputs:
        for needle in needles:
            assert needle not in text
    files = [p for p in data_dir.root.rglob("*") if p.is_file()] + [p for p in (tmp_path / "out").rglob("*")]
    assert any(p.suffix == ".log" for p in files), "the log file should exist and be checked"
    for path in files:
        blob = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in blob, f"{needle[:8]}... found in {Path(path).name}"
