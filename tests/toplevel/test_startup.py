"""What `recbrowser` decides from its arguments before any import of weight, and the window's
warm-up: Qt's libraries and the font list loaded on another thread, with Qt none the wiser."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from recbrowser.startup import names_a_command, opens_window


def test_only_the_window_gets_the_warm_up():
    assert opens_window([]) and opens_window(["--data-dir", "search", "--verbose"])  # a folder named "search"
    assert opens_window(["--demo"]) and opens_window(["--demo", "--screenshot", "shot.png"])
    assert not opens_window(["search", "refund"]) and not opens_window(["--help"])
    assert not opens_window(["--version"]) and not opens_window(["--demo", "--headless"])
    assert not opens_window(["--install-desktop-entry"])
    assert names_a_command(["--data-dir", "x", "export", "--query", "refund"]) and not names_a_command([])


WARMED = """
import sys
from recbrowser.startup import warm_up
thread = warm_up()
thread.join(30)
maps = open("/proc/self/maps").read()
loaded = [lib for lib in ("libQt6Core.so", "libQt6Gui.so", "libQt6Widgets.so", "QtWidgets.abi3.so", "libfontconfig")
          if lib in maps]
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("Calls: 1,000,000")  # text: fonts from the list the warm-up read
label.show()
QTimer.singleShot(50, app.quit)
app.exec()
print(",".join(loaded), QThread.currentThread() == app.thread(), label.fontMetrics().height() > 0)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the warm-up loads the Linux wheel's libraries")
def test_the_warm_up_loads_qt_and_fonts_and_qt_still_runs_on_the_main_thread():
    # The risk in loading Qt on another thread: Qt taking that thread for its main thread.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", WARMED], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["libQt6Core.so,libQt6Gui.so,libQt6Widgets.so,QtWidgets.abi3.so,libfontconfig",
                                  "True", "True"]
    assert "not created in the main() thread" not in run.stderr
