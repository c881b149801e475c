"""`emit(signal, *args)`: emit a Qt signal from Python without corrupting Python's bools.

PySide6 6.12.0 on Python 3.11 loses a reference to `True` per emit (recbrowser/ui/compat.py,
"emit loses True"); where that is measured, this gives the reference back. A fixed PySide (or
an immortal `True`) measures no loss and this is a plain emit.
"""

from __future__ import annotations

import ctypes
from typing import Any

from PySide6.QtCore import SignalInstance

from recbrowser.ui import compat


def emit(signal: SignalInstance, *args: Any) -> None:
    result = signal.emit(*args)
    if isinstance(result, bool) and compat.emit_needs_repair():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
