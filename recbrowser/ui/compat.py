"""Keep `None` alive under PySide6 6.12.0 on Python 3.11.

Every call of a Qt method that returns void (`setText`, `setValue`, `insertText`, ...) takes one
reference from `None` and never gives it back. On Python 3.11 `None` is not immortal: the
window starts with ~10,000 references to spare and loses ~60 a second while a call plays
(position ticks move the slider and the time labels), so after a few minutes of listening, or
one long transcript rendered, the process aborts with "none_dealloc: deallocating None".

We measure the loss once at import; only if it is there do we give `None` a reserve of
references so large it cannot run out (what Python 3.12 does by making `None` immortal). A
fixed PySide, or Python 3.12+, measures nothing and this changes nothing. The bool that
`emit` loses is repaired separately, per emit, in recbrowser.ui.common.signals.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject

RESERVE = 1 << 40  # a billion void calls a second would take 20 minutes to spend 0.1% of it
PROBES = 64


def void_calls_lose_none() -> bool:
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(PROBES):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= PROBES // 2


def keep_none_alive() -> bool:
    """Returns whether a reserve was given (the loss is there on this Python and PySide)."""
    if sys.version_info >= (3, 12) or not void_calls_lose_none():
        return False
    # ob_refcnt is a PyObject's first field; None is a static object that is never freed.
    ctypes.c_ssize_t.from_address(id(None)).value += RESERVE
    return True


RESERVED = keep_none_alive()
