"""Where a video call (Voki WebM) is watched: the picture, or a placeholder saying how to get it.

Shown for a call whose recording is a video, and whenever the Player has video; hidden for
audio calls, so a phone call's pane keeps its room for the transcript. The Player shows the
first frame as soon as a video is loaded, so the area is never a black box before Play.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from recbrowser.domain import Call
from recbrowser.ui.player.player import Player

VIDEO_FORMATS = {"webm", "mp4", "mkv", "mov", "avi"}
PAGE_PLACEHOLDER, PAGE_VIDEO = range(2)
PRESS_PLAY = "Video call: press Play to download and watch it."
NO_PICTURE = "No picture: this recording cannot be played (the reason is above)."


def is_video_call(call: Call | None) -> bool:
    return bool(call and call.recordings and (call.recordings[0].format or "").lower() in VIDEO_FORMATS)


class VideoArea(QStackedWidget):
    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.placeholder = QLabel(PRESS_PLAY)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)  # drawn in the palette's disabled text colour
        self.placeholder.setFrameShape(QLabel.Shape.StyledPanel)
        self.video: QWidget | None = None  # the QVideoWidget, made when the player's backend starts
        self.addWidget(self.placeholder)
        self.setMinimumHeight(180)
        self._video_call = False
        player.started.connect(self._attach)
        if player.is_started:
            self._attach()
        player.hasVideoChanged.connect(lambda _has: self._update())
        player.problem.connect(self._on_problem)
        self._update()

    def _attach(self) -> None:
        from PySide6.QtMultimediaWidgets import QVideoWidget  # with QtMultimedia: after the first paint

        if self.video is None:
            self.video = QVideoWidget()
            self.addWidget(self.video)
            self.player.set_video_output(self.video)

    def set_call(self, call: Call | None) -> None:
        self._video_call = is_video_call(call)
        self._update()

    def showing_video(self) -> bool:
        return not self.isHidden() and self.currentIndex() == PAGE_VIDEO

    def _on_problem(self, text: str) -> None:
        self.placeholder.setText(NO_PICTURE if text else PRESS_PLAY)
        self._update()

    def _update(self) -> None:
        has_video = self.player.has_video()
        self.setCurrentIndex(PAGE_VIDEO if has_video else PAGE_PLACEHOLDER)
        self.setVisible(has_video or self._video_call)
