"""Workarounds for PySide6 bugs, in one place (httpcore's are in providers/http_fastpath.py).

`apply()` runs them when the app starts (window/app.py make_app); the widgets that make the
most void calls (the player, the transcript) call `keep_none_alive()` themselves too, so they
are safe wherever they are built (tests, benchmarks). Each workaround first measures whether
its bug is there, so a fixed PySide, or a Python whose None and True are immortal (3.12+),
changes nothing. tests/ui/test_ui_compat.py fails when PySide6 or Python leave the versions
named in TARGETS: then check whether the bug is gone and drop or re-target the workaround.

1. Void calls lose None (PySide6 6.12.0, Python 3.11). Every call of a Qt method that
   returns void (`setText`, `setValue`, `insertText`, ...) takes one reference from `None`
   and never gives it back. On Python 3.11 `None` is not immortal: the window starts with
   ~10,000 references to spare and loses ~60 a second while a call plays (position ticks
   move the slider and the time labels), so after a few minutes of listening, or one long
   transcript rendered, the process aborts with "none_dealloc: deallocating None". Where the
   loss is measured, `None` gets a reserve of references so large it cannot run out (what
   Python 3.12 does by making `None` immortal).
2. Emit loses True (PySide6 6.12.0, Python 3.11). `SignalInstance.emit` returns `True`
   without taking a reference to it, so every emit from Python takes one from `True`; a few
   thousand emits (position ticks, sync progress) and the process aborts with "bool_dealloc:
   deallocating True or False". Where measured, recbrowser.ui.common.signals.emit gives the
   reference back after each emit.
3. A file loaded after another ended plays with its clock stuck at 0 (Qt 6.12.0's FFmpeg
   media backend, as PySide6 6.12.0 ships it): `play()` reports playing, the position never
   moves and nothing is heard. A call's recordings play one after the other, so the next one
   is loaded right at the end of the last: `unload_finished` unloads the finished file first.
   Always on (it costs one stop); tests/ui/test_ui_multi_recording.py fails without it.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6
from PySide6.QtCore import QObject, QUrl, Signal

# The versions each workaround was written for (PySide6, Python below which it applies).
TARGETS: dict[str, tuple[str, tuple[int, int]]] = {
    "void calls lose None": ("6.12.0", (3, 12)),
    "emit loses True": ("6.12.0", (3, 12)),
    "next file after the end keeps a stuck clock": ("6.12.0", (4, 0)),  # any Python
}

RESERVE = 1 << 40  # a billion void calls a second would take 20 minutes to spend 0.1% of it
PROBES = 64

_none_reserved: bool | None = None  # measured on first use
_emit_repair: bool | None = None  # measured on first use


def void_calls_lose_none() -> bool:
    """Whether this PySide and Python have bug 1 (measured: a few harmless void calls)."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(PROBES):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= PROBES // 2


def keep_none_alive() -> bool:
    """Give None its reserve where bug 1 is there (once per process); returns whether it is given."""
    global _none_reserved
    if _none_reserved is None:
        _none_reserved = sys.version_info < (3, 12) and void_calls_lose_none()
        if _none_reserved:
            # ob_refcnt is a PyObject's first field; None is a static object that is never freed.
            ctypes.c_ssize_t.from_address(id(None)).value += RESERVE
    return _none_reserved


class _Probe(QObject):
    ping = Signal()


def emit_loses_true() -> bool:
    """Whether this PySide and Python have bug 2 (measured with 16 emits, whose loss is given back)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    for _ in range(max(lost, 0)):  # give back what the probe took
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= 16


def emit_needs_repair() -> bool:
    """Bug 2, measured once per process."""
    global _emit_repair
    if _emit_repair is None:
        _emit_repair = emit_loses_true()
    return _emit_repair


def unload_finished(media) -> None:
    """Workaround 3: before another file is loaded into `media` (a QMediaPlayer), unload the
    one that played to its end. Call it before the player's own state is reset: the stop
    reports the old file as loaded again."""
    if media.mediaStatus().name == "EndOfMedia":
        media.stop()
        media.setSource(QUrl())


def apply() -> dict[str, bool]:
    """Every workaround whose bug this PySide and Python have; returns which are on."""
    return {"void calls lose None": keep_none_alive(), "emit loses True": emit_needs_repair()}


def versions() -> tuple[str, tuple[int, int]]:
    return PySide6.__version__, sys.version_info[:2]
