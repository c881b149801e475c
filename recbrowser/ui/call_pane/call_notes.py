"""Reading and writing a call's local notes and tags, off the UI thread.

Each request runs in a worker with its own store (a sync may hold the write lock for a page),
then reads the call's notes and tags back, so the pane always shows what is stored. Requests
run one after another, in the order they were made: a load that read before a save cannot
answer after it and wipe the note just written from the pane. Answers about a call the user
has left are dropped (a generation counter), as in CallController.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.store import Note, open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

log = logging.getLogger("recbrowser.ui.notes")


@dataclass
class NotesState:
    account: str
    provider_id: str
    notes: list[Note] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    known_tags: list[str] = field(default_factory=list)  # every tag in the cache, for completion


class CallNotes(QObject):
    loaded = Signal(object)  # NotesState of the current call
    written = Signal(str)  # what was saved: "note", "note edit", "note delete", "tag", "tag remove"
    failed = Signal(str, str)  # (what, one sentence saying why; nothing was changed)

    def __init__(self, database: Path, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._pool = pool
        self._call: tuple[str, str] | None = None
        self.generation = 0
        self._queue: list[Callable[[], None]] = []  # requests waiting for the one running
        self._running = False

    @property
    def call(self) -> tuple[str, str] | None:
        return self._call

    def load(self, account: str | None, provider_id: str | None) -> None:
        self.generation += 1
        self._call = (account, provider_id) if account and provider_id else None
        if self._call:
            self._run("load", lambda store: None)

    def add_note(self, offset_ms: int | None, text: str) -> None:
        self._on_call("note", lambda store, a, p: store.add_note(a, p, offset_ms, text))

    def update_note(self, note_id: int, text: str) -> None:
        self._on_call("note edit", lambda store, _a, _p: store.update_note(note_id, text))

    def delete_note(self, note_id: int) -> None:
        self._on_call("note delete", lambda store, _a, _p: store.delete_note(note_id))

    def add_tags(self, tags: list[str]) -> None:
        def add(store: CallStore, a: str, p: str) -> None:
            with store.transaction():  # "a, b, bad,," adds none rather than some
                for tag in tags:
                    store.add_tag(a, p, tag)

        self._on_call("tag", add)

    def remove_tag(self, tag: str) -> None:
        self._on_call("tag remove", lambda store, a, p: store.remove_tag(a, p, tag))

    def _on_call(self, what: str, change: Callable[[CallStore, str, str], object]) -> None:
        if self._call is None:
            return
        account, provider_id = self._call
        self._run(what, lambda store: change(store, account, provider_id))

    def _run(self, what: str, change: Callable[[CallStore], object]) -> None:
        assert self._call is not None
        account, provider_id = self._call
        generation, database = self.generation, self._database

        def work(_report) -> NotesState:
            store = open_store(database)
            try:
                change(store)
                return NotesState(
                    account,
                    provider_id,
                    store.notes(account, provider_id),
                    store.tags(account, provider_id),
                    store.all_tags(),
                )
            finally:
                store.close()

        def done(state: NotesState) -> None:
            self._next()
            if generation != self.generation:
                return  # the user moved to another call; what was written stays written
            if what != "load":
                emit(self.written, what)
            emit(self.loaded, state)

        def failed(message: str, _details: str) -> None:
            self._next()
            log.warning("notes: %s failed: %s", what, message)
            if generation == self.generation:
                emit(self.failed, what, message)

        self._queue.append(lambda: run_task(work, done, failed, pool=self._pool, name=f"notes: {what}", owner=self))
        if not self._running:
            self._next()

    def _next(self) -> None:
        self._running = bool(self._queue)
        if self._queue:
            self._queue.pop(0)()
