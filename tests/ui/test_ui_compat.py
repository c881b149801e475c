"""The PySide6 workarounds (recbrowser/ui/compat.py): each is still needed on the versions it
names, and each does its job. When PySide6 or Python is upgraded the first test fails: then
check whether the bug is gone, and drop or re-target the workaround."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6
import pytest
from PySide6.QtCore import QObject, Signal

from recbrowser.ui import compat


@pytest.mark.parametrize("name", sorted(compat.TARGETS))
def test_each_workaround_targets_the_pyside_and_python_in_use(name):
    pyside, below_python = compat.TARGETS[name]
    assert PySide6.__version__ == pyside, f"PySide6 is {PySide6.__version__}: is '{name}' still a bug there?"
    assert sys.version_info[:2] < below_python, f"Python {sys.version_info[:2]} makes the objects immortal"


def test_void_calls_still_lose_none_here_so_the_reserve_is_still_needed(qapp):
    assert compat.void_calls_lose_none()
    assert compat.keep_none_alive()
    assert sys.getrefcount(None) > compat.RESERVE // 2  # the reserve is there, given once
    before = sys.getrefcount(None)
    assert compat.keep_none_alive() and sys.getrefcount(None) - before < 1000


def test_emit_still_loses_true_here_so_emit_repairs_it(qapp):
    from recbrowser.ui.common.signals import emit

    assert compat.emit_loses_true() and compat.emit_needs_repair()

    class Source(QObject):
        changed = Signal(bool)

    source = Source()
    before = sys.getrefcount(True)
    for _ in range(5000):
        emit(source.changed, True)
    assert sys.getrefcount(True) >= before - 10


def test_apply_reports_each_workaround_it_switched_on(qapp):
    assert compat.apply() == {"void calls lose None": True, "emit loses True": True}
