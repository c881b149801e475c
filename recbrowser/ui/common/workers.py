"""Run blocking work (SQL, network, keyring, disk) off the UI thread; results come back by signal.

The habit borrowed from Picard's `run_task`: the worker function runs in a QThreadPool thread,
its return value or error is delivered to the UI thread through queued signals. A worker that
needs the database opens its own store inside the function (SQLite connections are per thread).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from recbrowser.errors import StoreUnreachable, UserFacingError
from recbrowser.ui.common.signals import emit

log = logging.getLogger("recbrowser.ui.common.workers")

Report = Callable[[Any], None]
Work = Callable[[Report], Any]

GENERIC_FAILURE = "Something went wrong; the details are in the log (Help > Log)."


class ArchiveSignals(QObject):
    """Process-wide: a worker found the shared archive unreachable (its sentence). The window on
    a team archive listens (ui/window/archive_watch.py) to say so once, in its banner, and retry."""

    unreachable = Signal(str)


_archive_signals: ArchiveSignals | None = None


def archive_signals() -> ArchiveSignals:
    """Made by the first caller, on the UI thread (the window that listens)."""
    global _archive_signals
    if _archive_signals is None:
        _archive_signals = ArchiveSignals()
    return _archive_signals


class TaskSignals(QObject):
    progress = Signal(object)
    finished = Signal(object)
    # (sentence for the user, details for the error dialog: a traceback without locals)
    failed = Signal(str, str)


class Task(QRunnable):
    """One unit of work. `fn(report)` may call `report(anything)` to send progress."""

    def __init__(self, fn: Work, name: str = "task") -> None:
        super().__init__()
        self.fn = fn
        self.name = name
        self.signals = TaskSignals()
        self.setAutoDelete(False)  # Python owns it: `_live` below keeps it until it ends

    def run(self) -> None:
        try:
            result = self.fn(lambda value: emit(self.signals.progress, value))
        except StoreUnreachable as e:
            if _archive_signals is not None:
                emit(_archive_signals.unreachable, str(e))
            emit(self.signals.failed, str(e), "")
        except UserFacingError as e:
            emit(self.signals.failed, str(e), "")
        except Exception as e:  # a bug: keep the app alive, show one sentence, log the rest
            log.exception("%s failed", self.name)
            details = "".join(traceback.format_exception_only(type(e), e)) + traceback.format_exc()
            emit(self.signals.failed, GENERIC_FAILURE, details)
        else:
            emit(self.signals.finished, result)


# Tasks in flight; the signals object must outlive the worker thread's last emit.
_live: set[Task] = set()


def run_task(
    fn: Work,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str, str], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
    *,
    pool: QThreadPool | None = None,
    name: str = "task",
    owner: QObject | None = None,
) -> Task:
    """Run `fn` in `pool`; the callbacks run on the UI thread, and not at all once `owner`
    (the dialog or widget that asked) has been deleted: a closed dialog gets no answers."""
    task = Task(fn, name)

    def guarded(callback):
        if owner is None:
            return callback
        return lambda *args: callback(*args) if shiboken6.isValid(owner) else None

    if on_progress:
        task.signals.progress.connect(guarded(on_progress))
    if on_done:
        task.signals.finished.connect(guarded(on_done))
    if on_error:
        task.signals.failed.connect(guarded(on_error))
    else:
        task.signals.failed.connect(lambda msg, _details: log.warning("%s: %s", name, msg))
    task.signals.finished.connect(lambda _r: _live.discard(task))
    task.signals.failed.connect(lambda *_a: _live.discard(task))
    _live.add(task)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


class Pools:
    """Long jobs (sync, downloads) and quick reads (search, opening a call) never share threads,
    so a month-long sync cannot make a search wait."""

    def __init__(self) -> None:
        self.background = QThreadPool()
        self.background.setMaxThreadCount(3)
        self.interactive = QThreadPool()
        self.interactive.setMaxThreadCount(2)

    def wait(self, ms: int = 10_000) -> bool:
        return self.background.waitForDone(ms) and self.interactive.waitForDone(ms)
