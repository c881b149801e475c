"""The call pane: who called whom, the player, and the transcript / summary / details tabs."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from recbrowser.domain import Call
from recbrowser.ui.call_details import details_html
from recbrowser.ui.formatting import clock, local_full
from recbrowser.ui.player import Player
from recbrowser.ui.player_controls import PlayerControls
from recbrowser.ui.transcript_pane import TranscriptPane
from recbrowser.ui.video_area import VideoArea

TAB_TRANSCRIPT, TAB_SUMMARY, TAB_DETAILS = range(3)


class CallPane(QWidget):
    def __init__(self, player: Player, *, follow_audio: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account: str | None = None
        self.call: Call | None = None
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.controls = PlayerControls(player)
        self.video = VideoArea(player)
        self.transcript = TranscriptPane(follow_audio=follow_audio)
        self.transcript.seekRequested.connect(self._seek)
        player.positionChanged.connect(self.transcript.set_position)
        self._player = player
        self.summary = QTextBrowser()
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.transcript, "Transcript")
        self.tabs.addTab(self.summary, "Summary")
        self.tabs.addTab(self.details, "Details")

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.controls)
        layout.addWidget(self.video, 2)
        layout.addWidget(self.tabs, 5)
        self.empty = QLabel("Select a call to see its details, read its transcript and play it.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)  # drawn in the palette's disabled text colour
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def _seek(self, ms: int) -> None:
        self._player.seek(ms)

    def clear(self) -> None:
        self.account, self.call = None, None
        self.stack.setCurrentIndex(0)
        self.transcript.set_segments(None, "select")
        self.video.set_call(None)

    def show_call(self, account: str, call: Call, media_paths: dict[str, str]) -> None:
        self.account, self.call = account, call
        parties = f"{html.escape(call.from_party.label() or '?')} → {html.escape(call.to_party.label() or '?')}"
        self.title.setText(f"<span style='font-size:large; font-weight:600'>{parties}</span>")
        bits = [local_full(call.start_ms), call.direction, call.status, clock(call.duration_ms), account]
        if call.agent:
            bits.insert(3, f"agent {call.agent}")
        if len(call.legs) > 1:
            bits.append(f"{len(call.legs)} legs")
        self.subtitle.setText(" · ".join(b for b in bits if b))
        self.transcript.set_segments(call.segments, call.transcript_status)
        self.video.set_call(call)
        self.summary.setPlainText(call.summary or "")
        self.summary.setPlaceholderText("The provider gave no summary for this call.")
        self.tabs.setTabEnabled(TAB_SUMMARY, bool(call.summary))
        self.details.setHtml(details_html(account, call, media_paths))
        if call.recordings:
            self.controls.set_can_play(True)
        else:
            self.controls.set_can_play(False, f"No recording: {call.audio_reason or 'the provider gave no reason'}.")
        self.stack.setCurrentIndex(1)
