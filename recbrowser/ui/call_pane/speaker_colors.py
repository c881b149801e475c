"""Speaker colours: the only hard-coded colours in the app.

Mid-tone hues picked to keep about 3:1 contrast on both white and near-black backgrounds,
so the same speaker keeps the same colour in light and dark mode.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

PALETTE = ("#2f7fd8", "#d9480f", "#2b9348", "#a741c4", "#c2255c", "#0b8a9e", "#b8860b", "#6b6fd6")


class SpeakerColors:
    """Colours by order of first appearance, so a two-party call is always blue and orange."""

    def __init__(self) -> None:
        self._assigned: dict[str, QColor] = {}

    def color(self, speaker: str) -> QColor:
        key = speaker or "?"
        if key not in self._assigned:
            self._assigned[key] = QColor(PALETTE[len(self._assigned) % len(PALETTE)])
        return self._assigned[key]


# The conversation strip's marks (ui/player/speaker_lanes.py), picked like the speakers' hues:
# overtalk a red apart from every speaker's, hold an amber hatch, silence drawn from the palette.
OVERTALK = "#e03131"
HOLD = "#e8a317"
