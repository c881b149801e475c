"""Puts "played" in the audit log once per recording loaded into the player, when it first
plays (not on every pause and resume). Written by a worker with its own store: the UI thread
never waits for a write lock a sync may hold."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool

from recbrowser.domain import parse_call_ref
from recbrowser.services import audit
from recbrowser.store import open_store
from recbrowser.ui.common.workers import run_task
from recbrowser.ui.player.player import Player

log = logging.getLogger("recbrowser.ui.audit")


class PlayLog(QObject):
    def __init__(self, player: Player, where: Callable[[], tuple[Path | None, QThreadPool | None]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = player
        self._where = where  # the cache and the pool, found when first needed
        self._logged = ""
        player.mediaChanged.connect(self._media)
        player.playingChanged.connect(self._playing)

    def _media(self, label: str) -> None:
        if label != self._logged:
            self._logged = ""

    def _playing(self, playing: bool) -> None:
        label = self._player.label
        if not playing or not label or label == self._logged:
            return
        database, pool = self._where()
        if database is None:
            return
        try:
            call = parse_call_ref(label)
        except ValueError:
            return  # not a call (a file opened by hand)
        self._logged = label

        def work(_report) -> None:
            with open_store(database) as store:
                audit.record(store, audit.PLAYED, [call])

        run_task(work, None, lambda message, _d: log.warning("audit: %s", message), pool=pool, name="audit: played",
                 owner=self)
