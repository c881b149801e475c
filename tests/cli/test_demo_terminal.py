"""`recbrowser --demo --headless`: the terminal demo a machine without a display gets."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_terminal_demo_syncs_every_emulator_and_prints_refs_the_cli_accepts(tmp_path):
    env = {**os.environ, "RECBROWSER_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-m", "recbrowser", "--data-dir", str(tmp_path / "data"), "--demo",
                          "--headless"], capture_output=True, text=True, env=env, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    from recbrowser.emulators import EMULATORS

    for name in EMULATORS:  # every demo provider brings calls a new user can look at
        synced = re.search(rf"Synced (\d+) calls from the {name} emulator", run.stdout)
        assert synced and int(synced.group(1)) > 0, (name, run.stdout[:500])
    assert "[refund]" in run.stdout
    refs = re.findall(r"(Demo \w+/\S+)$", run.stdout, re.MULTILINE)
    assert refs and not any(r.endswith("…") for r in refs)
    shown = subprocess.run([sys.executable, "-m", "recbrowser", "--data-dir", str(tmp_path / "data"), "show", refs[0]],
                           capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "Downloaded" in run.stdout
