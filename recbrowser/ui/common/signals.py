"""`emit(signal, *args)`: emit a Qt signal from Python without corrupting Python's bools.

PySide6 6.12.0's `SignalInstance.emit` returns `True` without taking a reference to it, so
every emit from Python takes one reference from `True`. On Python 3.11, where `True` is not
immortal, a few thousand emits (the player's position ticks, sync progress) and the process
aborts with "bool_dealloc: deallocating True or False". We measure the bug once at import
and, only if it is there, give back the reference each emit took. A fixed PySide (or an
immortal `True`) measures no loss and this becomes a plain emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


def _emit_loses_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        for _ in range(lost):  # give back what the probe took
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= 16


REPAIR = _emit_loses_a_reference()


def emit(signal: SignalInstance, *args: Any) -> None:
    result = signal.emit(*args)
    if REPAIR and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
