"""Transport controls for the Player: play/pause, skips, seek slider, time, speed, volume."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from recbrowser.ui.common.formatting import clock, rate_label
from recbrowser.ui.common.icons import icon
from recbrowser.ui.common.signals import emit
from recbrowser.ui.player.player import RATE_STEPS, Player
from recbrowser.ui.player.seek_slider import SeekSlider

SKIPS = ((-15_000, "−15s"), (-5_000, "−5s"), (5_000, "+5s"), (15_000, "+15s"))


class PlayerControls(QWidget):
    playRequested = Signal()  # play when nothing is loaded yet: the window downloads first

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self._duration = 0

        self.play_button = QToolButton(icon=icon("play"), toolTip="Play (Space)")
        self.play_button.setAutoRaise(True)
        self.play_button.setIconSize(self.play_button.iconSize() * 1.4)
        self.play_button.clicked.connect(self._on_play_clicked)
        self.skip_buttons: list[QToolButton] = []
        for delta, text in SKIPS:
            b = QToolButton(text=text, toolTip=f"{'Back' if delta < 0 else 'Forward'} {abs(delta) // 1000} seconds")
            b.setAutoRaise(True)
            b.clicked.connect(lambda _=False, d=delta: player.skip(d))
            self.skip_buttons.append(b)
        self.slider = SeekSlider()
        self.slider.seekRequested.connect(player.seek)
        self.slider.sliderMoved.connect(lambda ms: self.elapsed.setText(clock(ms)))  # where a drag would land
        self.speed = QComboBox(toolTip="Playback speed ([ slower, ] faster)")
        for r in RATE_STEPS:
            self.speed.addItem(rate_label(r), r)
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed.activated.connect(lambda i: player.set_rate(self.speed.itemData(i)))
        # Jumps over the silences the conversation strip marks (ui/player/skip_silence.py).
        self.skip_silence = QToolButton(text="Skip silence", checkable=True, autoRaise=True,
                                        toolTip="While playing, jump over silences of 2 seconds or more")
        self.skip_silence.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume = QSlider(Qt.Orientation.Horizontal, toolTip="Volume")
        self.volume.setRange(0, 100)
        # Gives way before anything else when the pane is narrow (the list keeps its width).
        self.volume.setMinimumWidth(36)
        self.volume.setMaximumWidth(80)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.setValue(player.volume)
        self.volume.valueChanged.connect(player.set_volume)
        self.volume_icon = volume_icon = QLabel()
        volume_icon.setPixmap(icon("volume").pixmap(16, 16))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        # Which recording of a call with several is loaded, and whose leg is speaking.
        self.recording = QLabel()
        self.recording.setObjectName("recording_label")
        self.recording.hide()
        self.elapsed = QLabel("00:00")
        self.total = QLabel("00:00")
        # Row 1: the seek slider gets the full width (precise seeking needs pixels).
        seek_row = QHBoxLayout()
        seek_row.setContentsMargins(0, 0, 0, 0)
        seek_row.addWidget(self.elapsed)
        seek_row.addWidget(self.slider, 1)
        seek_row.addWidget(self.total)
        # Row 2: transport, speed and volume.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for b in self.skip_buttons[:2]:
            row.addWidget(b)
        row.addWidget(self.play_button)
        for b in self.skip_buttons[2:]:
            row.addWidget(b)
        row.addStretch(1)
        # The speed box reads "1x" as players do (its tooltip says Playback speed): the room of a
        # "Speed" label goes to Skip silence beside it, and the pane is no wider than before.
        row.addWidget(self.speed)
        row.addWidget(self.skip_silence)
        row.addSpacing(6)
        row.addWidget(volume_icon)
        row.addWidget(self.volume, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.recording)
        layout.addLayout(seek_row)
        layout.addLayout(row)
        layout.addWidget(self.message)

        player.positionChanged.connect(self._on_position)
        player.durationChanged.connect(self._on_duration)
        player.playingChanged.connect(self._on_playing)
        player.rateChanged.connect(self._show_rate)
        player.readyChanged.connect(self._on_ready)
        player.problem.connect(self.show_message)
        player.soundChanged.connect(self._show_sound)
        self._show_rate(player.rate)
        self._show_sound(player.sound_problem())
        self._on_ready(False)

    def refresh_icons(self) -> None:
        self._on_playing(self.player.is_playing())
        self.volume_icon.setPixmap(icon("volume").pixmap(16, 16))

    def _show_sound(self, problem: str) -> None:
        # Beside the volume, not in the message line: the call still plays, and its position,
        # transcript and video still follow; only the sound is missing.
        self.volume_icon.setEnabled(not problem)
        self.volume_icon.setToolTip(problem or "Volume")
        self.volume.setToolTip(problem or "Volume")

    def _on_play_clicked(self) -> None:
        if self.player.ready:
            self.player.toggle()
        else:
            emit(self.playRequested)

    def _on_position(self, ms: int) -> None:
        self.slider.set_position(ms)
        if not self.slider.isSliderDown():
            self.elapsed.setText(clock(ms))

    def _on_duration(self, ms: int) -> None:
        self._duration = ms
        self.slider.setRange(0, max(0, ms))
        self.total.setText(clock(ms))

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setIcon(icon("pause" if playing else "play"))
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")

    def _show_rate(self, rate: float) -> None:
        index = self.speed.findData(rate)
        if index < 0:
            self.speed.addItem(rate_label(rate), rate)
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)

    def _on_ready(self, ready: bool) -> None:
        # The play button stays live: pressing it on a call not yet downloaded fetches it.
        for b in self.skip_buttons:
            b.setEnabled(ready)
        self.slider.setEnabled(ready)
        if ready:
            self.show_message("")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_recording(self, text: str) -> None:
        """"Recording 2 of 2 · leg 2: transfer to …"; "" hides it (a call with one recording)."""
        if text != self.recording.text():
            self.recording.setText(text)
        self.recording.setVisible(bool(text))

    def set_can_play(self, can_play: bool, why: str = "") -> None:
        """No recording at all: nothing to press, and the reason says where it went."""
        self.play_button.setEnabled(can_play)
        if not can_play:
            self.show_message(why)
