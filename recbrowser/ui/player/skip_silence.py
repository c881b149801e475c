"""Skip silence: while a call plays, jump over the silences of the recording's silence map
(the one its strip marks), so a 15 s pause on an open line takes no 15 s of listening."""

from __future__ import annotations

from bisect import bisect_right

from PySide6.QtCore import QObject, Signal

from recbrowser.ui.common.signals import emit
from recbrowser.ui.player.player import Player

# Land this long before the words start again: the first syllable is never clipped.
LEAD_MS = 300


class SilenceSkipper(QObject):
    skipped = Signal(int, int)  # (from ms, to ms)

    def __init__(self, player: Player, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = player
        self.enabled = False
        self._spans: list[tuple[int, int]] = []
        self._starts: list[int] = []
        player.positionChanged.connect(self._on_position)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)

    def set_silences(self, spans: list[tuple[int, int]]) -> None:
        """The silence map of the recording the player holds (ms into it)."""
        self._spans = sorted(spans)
        self._starts = [s for s, _e in self._spans]

    def _on_position(self, ms: int) -> None:
        if not self.enabled or not self._spans or not self._player.is_playing():
            return
        i = bisect_right(self._starts, ms) - 1
        if i < 0:
            return
        start, end = self._spans[i]
        if start <= ms < end - LEAD_MS:
            self._player.seek(end - LEAD_MS)
            emit(self.skipped, ms, end - LEAD_MS)
