"""`recbrowser --demo --screenshot FILE.png`: emulators, sync, a call with its transcript, a PNG.

Run in its own process, as the command runs: `run_window` owns the QApplication's event loop
from start to exit, which a test process shared with other window tests cannot give it.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import stat
import subprocess
import sys

from PySide6.QtGui import QImage

from recbrowser.store import CallFilter, Store

SCRIPT = """
import json
import os
import sys
os.umask(0o022)  # a common default: files the window writes must still be private
from recbrowser.paths import data_dir
from recbrowser.ui.window import screenshot
from recbrowser.ui.window.app import run_window

kept = []


class Kept(screenshot.ScreenshotDirector):  # kept to say what the picture showed
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kept.append(self)


screenshot.ScreenshotDirector = Kept
code = run_window(data_dir(sys.argv[1]), demo=True, screenshot=sys.argv[2])
print(json.dumps(kept[0].pictured))
sys.exit(code)
"""


def test_demo_screenshot_writes_a_png_of_a_call_with_its_transcript(qapp, data_dir, tmp_path):
    target = tmp_path / "shots" / "shot.png"  # a folder it has to make
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data_dir.root), str(target)], env=env, capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0, run.stderr[-2000:]
    pictured = json.loads(run.stdout.strip().splitlines()[-1])
    # The showcase's "review" call, its strip marking a hold, a silence and overtalk on its
    # waveform, and the overview of the demo's calls under it (issue 20).
    assert pictured["waveform"] and pictured["overview"], pictured
    assert pictured["holds"] == 1 and pictured["silences"] >= 1 and pictured["overtalk"] == 2, pictured
    image = QImage(str(target))
    assert not image.isNull() and image.width() >= 1200 and image.height() >= 700
    # The picture shows calls and a transcript, the settings name accounts: the owner's only.
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(data_dir.settings.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["shot.png"]  # no temporary file left
    store = Store.open(data_dir.database)
    try:
        from recbrowser.emulators import EMULATORS

        names = [a.name for a in store.accounts()]
        assert "Demo Yeastar" in names and len(names) == len(EMULATORS)  # one account per emulator
        assert store.count_calls(CallFilter()) > 0
        assert store.count_calls(CallFilter(has_transcript=True, has_audio=True)) > 0
        from recbrowser.emulators.showcase import SCRIPTED

        review = SCRIPTED[0]
        assert review.name == "review" and review.hold is not None
        picked = [r for r in store.list_calls(CallFilter(), limit=1000)[0] if r.ref == pictured["ref"]]
        assert len(picked) == 1 and picked[0].provider == "wildix"
        assert picked[0].hold_ms == review.hold[1] - review.hold[0]  # the 15 s hold
    finally:
        store.close()
