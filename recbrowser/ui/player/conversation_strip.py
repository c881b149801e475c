"""The call's conversation strips: one RecordingStrip per recording, a shared zoom (the − / +
buttons, Ctrl+wheel) and a scroll bar for the part in view."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollBar, QToolButton, QVBoxLayout, QWidget

from recbrowser.ui.call_pane.speaker_colors import SpeakerColors
from recbrowser.ui.common.signals import emit
from recbrowser.ui.player.strip_data import StripData
from recbrowser.ui.player.waveform_strip import RecordingStrip

ZOOMS = (1, 2, 4, 8, 16, 32, 64)
SCROLL_STEPS = 1000


class ConversationStrip(QWidget):
    seekRequested = Signal(int, int)  # (recording index, ms into it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strips: list[RecordingStrip] = []
        self.colors = SpeakerColors()
        self._zoom = 0  # index into ZOOMS
        self._fraction = 0.0  # where the view starts, 0 (the beginning) to 1 (the end in view)
        self.zoom_out = QToolButton(text="−", toolTip="Zoom out (Ctrl+wheel)", autoRaise=True)
        self.zoom_in = QToolButton(text="+", toolTip="Zoom in (Ctrl+wheel)", autoRaise=True)
        self.zoom_out.clicked.connect(lambda: self.set_zoom(self._zoom - 1))
        self.zoom_in.clicked.connect(lambda: self.set_zoom(self._zoom + 1))
        for b in (self.zoom_out, self.zoom_in):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.zoom_label = QLabel()
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.scroll = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll.setRange(0, 0)
        self.scroll.setPageStep(SCROLL_STEPS)
        self.scroll.valueChanged.connect(self._on_scroll)
        self.scroll.hide()
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.legend, 1)
        head.addWidget(self.zoom_label)
        head.addWidget(self.zoom_out)
        head.addWidget(self.zoom_in)
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addLayout(self._rows)
        layout.addWidget(self.scroll)
        self._show_zoom()

    # -- the strips ------------------------------------------------------------------------------------
    def set_strips(self, strips: list[tuple[StripData, str]], colors: SpeakerColors) -> None:
        """A strip per recording, in the call's order (the view resets to the whole of each)."""
        self.colors = colors
        while len(self.strips) > len(strips):
            old = self.strips.pop()
            self._rows.removeWidget(old)
            old.deleteLater()
        while len(self.strips) < len(strips):
            strip = RecordingStrip(len(self.strips), colors, self)
            strip.seekRequested.connect(lambda ms, i=strip.index: emit(self.seekRequested, i, ms))
            strip.zoomRequested.connect(self._zoom_at)
            strip.scrollRequested.connect(lambda steps: self.scroll.setValue(self.scroll.value() - steps * SCROLL_STEPS // 10))
            self._rows.addWidget(strip)
            self.strips.append(strip)
        self._zoom, self._fraction = 0, 0.0
        for strip, (data, title) in zip(self.strips, strips, strict=True):
            strip.colors = colors
            strip.set_data(data, title)
            strip.setFixedHeight(strip.strip_height())
        self._legend(strips)
        self._show_zoom()

    def update_strip(self, index: int, data: StripData, title: str = "") -> None:
        """New data for one strip (its peaks arrived), the view kept."""
        if 0 <= index < len(self.strips):
            strip = self.strips[index]
            strip.set_data(data, title or strip.title)
            strip.setFixedHeight(strip.strip_height())
            self._apply_view()
            self._legend([(s.data, s.title) for s in self.strips])

    def set_position(self, recording: int | None, ms: int) -> None:
        """The playhead: on the strip of the recording playing, none elsewhere. When zoomed in,
        the view pages along so the playhead stays in sight."""
        for strip in self.strips:
            strip.set_position(ms if strip.index == recording else None)
        if recording is not None and 0 <= recording < len(self.strips) and self._zoom:
            strip = self.strips[recording]
            if not strip.view_start <= ms <= strip.view_start + strip.view_span:
                room = strip.data.duration_ms - strip.view_span
                if room > 0:
                    self.scroll.setValue(round(SCROLL_STEPS * min(1.0, max(0.0, (ms - 0.1 * strip.view_span) / room))))

    # -- zoom and scroll ---------------------------------------------------------------------------------
    @property
    def zoom(self) -> int:
        return ZOOMS[self._zoom]

    def set_zoom(self, level: int, anchor: float | None = None) -> None:
        """Zoom level `level` (index into ZOOMS); `anchor`: the fraction of the recording kept in place."""
        level = max(0, min(len(ZOOMS) - 1, level))
        if level == self._zoom:
            return
        old, new = ZOOMS[self._zoom], ZOOMS[level]
        # The moment at the anchor (default: the middle of the view) stays where it is on screen.
        anchor = anchor if anchor is not None else self._fraction * (1 - 1 / old) + 0.5 / old
        on_screen = (anchor - self._fraction * (1 - 1 / old)) * old
        self._zoom = level
        room = 1 - 1 / new
        self._fraction = 0.0 if room <= 0 else min(1.0, max(0.0, (anchor - on_screen / new) / room))
        self._show_zoom()

    def _zoom_at(self, steps: int, ms: float) -> None:
        strip = self.sender()
        duration = strip.data.duration_ms if isinstance(strip, RecordingStrip) else 0
        self.set_zoom(self._zoom + steps, ms / duration if duration else None)

    def _on_scroll(self, value: int) -> None:
        self._fraction = value / SCROLL_STEPS
        self._apply_view()

    def _show_zoom(self) -> None:
        zoomed = self._zoom > 0
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, SCROLL_STEPS if zoomed else 0)
        self.scroll.setPageStep(max(1, SCROLL_STEPS // self.zoom))
        self.scroll.setValue(round(self._fraction * SCROLL_STEPS))
        self.scroll.blockSignals(False)
        self.scroll.setVisible(zoomed)
        self.zoom_label.setText(f"{self.zoom}×" if zoomed else "")
        self.zoom_out.setEnabled(zoomed)
        self.zoom_in.setEnabled(self._zoom < len(ZOOMS) - 1)
        self._apply_view()

    def _apply_view(self) -> None:
        for strip in self.strips:
            span = strip.data.duration_ms / self.zoom
            strip.set_view(self._fraction * (strip.data.duration_ms - span), span)

    def _legend(self, strips: list[tuple[StripData, str]]) -> None:
        from recbrowser.ui.call_pane.speaker_colors import HOLD, OVERTALK

        marks = []
        if any(d.holds for d, _ in strips):
            marks.append(f"<span style='color:{HOLD}'>▨</span> hold")
        if any(d.silences for d, _ in strips):
            marks.append("░ silence")
        if any(d.overtalk for d, _ in strips):
            marks.append(f"<span style='color:{OVERTALK}'>▮</span> overtalk")
        if any(d.notes for d, _ in strips):
            marks.append("⚑ note")
        self.legend.setText("  ".join(marks))
