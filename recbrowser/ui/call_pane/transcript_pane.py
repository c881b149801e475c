"""TranscriptPane: the transcript synced to the Player (the Buzz habit).

Sorted segment starts + `bisect` on every position tick find the sentence being spoken;
a click on a timed sentence asks to seek there; untimed sentences are shown but never seek.
A call with several recordings places each sentence in its own recording (`Place`): the
position ticks say which recording is playing, and a click names the sentence's recording.
The user's timed notes show as markers under the sentence being spoken at their time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from recbrowser.domain import Segment
from recbrowser.services.recording_timeline import Place
from recbrowser.store import Note
from recbrowser.ui.call_pane.find_bar import FindBar
from recbrowser.ui.call_pane.transcript_view import TranscriptView
from recbrowser.ui.common.icons import icon
from recbrowser.ui.common.signals import emit

PLACEHOLDERS = {
    "select": "Select a call to read its transcript.",
    "none": "This call has no transcript.",
    "pending": "The provider has not finished transcribing this call yet; sync again later.",
    "available": "The transcript is empty.",
}


class TranscriptPane(QWidget):
    seekRequested = Signal(int)  # ms from the start of the recording (a sentence's own, or a note's)
    sentenceClicked = Signal(int, int)  # (recording index, ms from its start) of a timed sentence

    def __init__(self, parent: QWidget | None = None, *, follow_audio: bool = True) -> None:
        super().__init__(parent)
        self.view = TranscriptView()
        self.view.segmentClicked.connect(self._on_clicked)
        self.view.noteClicked.connect(lambda ms: emit(self.seekRequested, ms))
        self.follow = QCheckBox("Follow audio", checked=follow_audio)
        self.follow.setToolTip("Scroll the transcript along with the sentence being played")
        self.follow.toggled.connect(self._on_follow_toggled)
        self.info = QLabel()
        find_button = QToolButton(icon=icon("find"), toolTip="Find in transcript (Ctrl+Shift+F)", autoRaise=True)
        find_button.clicked.connect(self.open_find)
        self.find_bar = FindBar()
        self.find_bar.queryChanged.connect(self._on_find)
        self.find_bar.nextRequested.connect(lambda: self._step(True))
        self.find_bar.previousRequested.connect(lambda: self._step(False))
        self.find_bar.closed.connect(lambda: self.view.find_all(""))

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.info, 1)
        header.addWidget(self.follow)
        header.addWidget(find_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.view, 1)

        self._starts: list[tuple[int, int]] = []  # sorted (recording, start) of the timed segments
        self._places: list[Place | None] = []  # per segment
        self._order: list[int] = []  # segment index for each entry of _starts
        self._notes: list[Note] = []
        self.set_segments(None, "select")

    def shown(self) -> tuple[list[Segment], str]:
        return self.view.segments, self._status

    def set_segments(self, segments: list[Segment] | None, status: str = "available",
                     places: Sequence[Place | None] | None = None) -> None:
        """`places`: where each sentence is heard, for a call with several recordings; by
        default every timed sentence is in the one recording, at its start."""
        self._status = status
        segments = segments or []
        if segments != self.view.segments:
            self._notes = []  # another transcript: the notes come with its call
        if places is None or len(places) != len(segments):
            places = [Place(0, s.start_ms) if s.start_ms is not None else None for s in segments]
        self._places = list(places)
        timed = sorted(((p.recording, p.offset_ms), i) for i, p in enumerate(self._places) if p is not None)
        self._starts = [start for start, _ in timed]
        self._order = [i for _, i in timed]
        self.view.set_segments(segments, PLACEHOLDERS.get(status, PLACEHOLDERS["none"]), self._placed_notes())
        self._show_info()
        self._refind()

    def set_notes(self, notes: list[Note]) -> None:
        self._notes = list(notes)
        self.view.set_notes(self._placed_notes())
        self._show_info()
        self._refind()

    def _placed_notes(self) -> dict[int, list[tuple[int, str]]]:
        """Each timed note under the sentence spoken at its time (the first, when it comes
        before any); an untimed transcript has no place for them (the Notes tab lists them)."""
        placed: dict[int, list[tuple[int, str]]] = {}
        if not self._order:
            return placed
        for note in sorted((n for n in self._notes if n.offset_ms is not None), key=lambda n: (n.offset_ms, n.id)):
            index = self.segment_index_at(note.offset_ms)
            placed.setdefault(self._order[0] if index is None else index, []).append((note.offset_ms, note.text))
        return placed

    def _show_info(self) -> None:
        segments = self.view.segments
        if not segments:
            self.info.setText("")
            return
        speakers = len({s.speaker for s in segments})
        untimed = len(segments) - len(self._starts)
        extra = f", {untimed} without timing (click does not seek)" if untimed else ""
        marked = len(self.view.note_markers())
        notes = f", {marked} note{'s' if marked != 1 else ''}" if marked else ""
        self.info.setText(f"{len(segments)} sentences, {speakers} speaker{'s' if speakers != 1 else ''}{notes}{extra}")

    def _refind(self) -> None:
        if self.find_bar.isVisible() and self.find_bar.edit.text():
            self._on_find(self.find_bar.edit.text())

    def segment_index_at(self, position_ms: int, recording: int = 0) -> int | None:
        """The sentence being spoken at `position_ms` of `recording`: the last one of that
        recording that started at or before it."""
        i = bisect_right(self._starts, (recording, position_ms)) - 1
        return self._order[i] if i >= 0 and self._starts[i][0] == recording else None

    def set_position(self, position_ms: int, recording: int = 0) -> None:
        self.view.set_current(self.segment_index_at(position_ms, recording), follow=self.follow.isChecked())

    @property
    def current_index(self) -> int | None:
        return self.view.current

    def _on_clicked(self, index: int) -> None:
        place = self._places[index] if index < len(self._places) else None
        if place is not None:
            emit(self.sentenceClicked, place.recording, place.offset_ms)
            emit(self.seekRequested, place.offset_ms)

    def _on_follow_toggled(self, on: bool) -> None:
        if on and self.view.current is not None:
            self.view.scroll_to(self.view.current)

    def open_find(self) -> None:
        self.find_bar.open_bar()

    def _on_find(self, query: str) -> None:
        total = self.view.find_all(query)
        current = self.view.step_match(True) if total else 0
        self.find_bar.set_count(current, total)

    def _step(self, forward: bool) -> None:
        total = self.view.match_count
        self.find_bar.set_count(self.view.step_match(forward), total)
