"""The call pane: who called whom, its tags, the player (and video), and the transcript /
notes / summary / details tabs.

Notes and tags are the supervisor's own data: read and written off the UI thread (CallNotes)
in the cache the window opened, given as `database`, or else found on the window.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from recbrowser.domain import Call, call_ref
from recbrowser.services.recording_timeline import RecordingTimeline
from recbrowser.ui.call_pane.call_details import details_html
from recbrowser.ui.call_pane.call_notes import CallNotes, NotesState
from recbrowser.ui.call_pane.notes_panel import NotesPanel
from recbrowser.ui.call_pane.strip_presenter import StripPresenter
from recbrowser.ui.call_pane.tags_editor import TagsEditor
from recbrowser.ui.call_pane.transcript_pane import TranscriptPane
from recbrowser.ui.common import shortcuts
from recbrowser.ui.common.empty_state import CALL_PANE_EMPTY, empty_label
from recbrowser.ui.common.formatting import clock, local_full
from recbrowser.ui.common.signals import emit
from recbrowser.ui.player.conversation_strip import ConversationStrip
from recbrowser.ui.player.play_log import PlayLog
from recbrowser.ui.player.player import Player
from recbrowser.ui.player.player_controls import PlayerControls
from recbrowser.ui.player.skip_silence import SilenceSkipper
from recbrowser.ui.player.video_area import VideoArea

TAB_TRANSCRIPT, TAB_NOTES, TAB_SUMMARY, TAB_DETAILS = range(4)
# Shortcuts the pane binds itself (the window's actions bind the rest of the registry).
PANE_SHORTCUTS = ("add_note",)


class CallPane(QWidget):
    tagsInUse = Signal(list)  # every tag in the cache, most used first, after a call's notes load or change
    # A sentence of a recording the player does not hold: (recording index, ms into it).
    recordingRequested = Signal(int, int)

    def __init__(
        self,
        player: Player,
        *,
        follow_audio: bool = True,
        parent: QWidget | None = None,
        database: Path | None = None,
        pool: QThreadPool | None = None,
        peaks: Path | None = None,
    ) -> None:
        """`peaks`: where waveform peaks are kept (DataDir.peaks); None draws no waveform."""
        super().__init__(parent)
        self.account: str | None = None
        self.call: Call | None = None
        self._database = database
        self._pool = pool
        self._call_notes: CallNotes | None = None
        self._play_from: int | None = None  # a moment clicked before the recording was fetched
        self.timeline: RecordingTimeline | None = None
        self.playing_recording = 0  # which of the call's recordings the player holds (the presenter says)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tags = TagsEditor()
        self.controls = PlayerControls(player)
        self.video = VideoArea(player)
        # The conversation: a waveform and speaker lanes per recording, and Skip silence.
        self.strip = ConversationStrip()
        self.skipper = SilenceSkipper(player, self)
        self.controls.skip_silence.toggled.connect(self.skipper.set_enabled)
        self.strips = StripPresenter(self.strip, self.skipper, database=database, peaks_folder=peaks, pool=pool, parent=self)
        self.strips.seekRequested.connect(self._seek_sentence)
        self.transcript = TranscriptPane(follow_audio=follow_audio)
        self.transcript.sentenceClicked.connect(self._seek_sentence)
        self.transcript.view.noteClicked.connect(self._seek)
        player.positionChanged.connect(self._on_position)
        self._player = player
        player.mediaChanged.connect(self._on_media)
        self.play_log = PlayLog(player, self._cache_and_pool, self)
        self.notes = NotesPanel()
        self.notes.position = self.note_position
        self.notes.seekRequested.connect(self._seek)
        player.positionChanged.connect(lambda _ms: self.notes.refresh_time())
        player.readyChanged.connect(lambda _ready: self.notes.refresh_time())
        self.add_note_action = QAction("Add &Note", self)
        shortcuts.bind(self.add_note_action, shortcuts.ADD_NOTE)
        self.add_note_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.add_note_action.triggered.connect(self.begin_note)
        self.addAction(self.add_note_action)
        self.summary = QTextBrowser()
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.transcript, "Transcript")
        self.tabs.addTab(self.notes, "Notes")
        self.tabs.addTab(self.summary, "Summary")
        self.tabs.addTab(self.details, "Details")

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.tags)
        layout.addWidget(self.controls)
        layout.addWidget(self.strip)
        layout.addWidget(self.video, 2)
        layout.addWidget(self.tabs, 5)
        self.empty = empty_label(CALL_PANE_EMPTY)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    # -- the player --------------------------------------------------------------------------
    def _plays_this_call(self) -> bool:
        return (
            self.call is not None
            and self.account is not None
            and self._player.label == call_ref(self.account, self.call.provider_id)
        )

    def _seek(self, ms: int) -> None:
        if self._plays_this_call() and self._player.path is not None:
            self._player.seek(ms)
        elif self.call is not None and self.call.recordings:
            # Not fetched yet: ask for it as the Play button does, and seek once it loads.
            self._play_from = ms
            emit(self.controls.playRequested)

    def _seek_sentence(self, recording: int, ms: int) -> None:
        if self._plays_this_call() and self._player.path is not None and recording == self.playing_recording:
            self._player.seek(ms)
        elif self.call is not None and self.call.recordings:
            emit(self.recordingRequested, recording, ms)  # the presenter fetches or switches to it

    def set_recording(self, index: int) -> None:
        """The player now holds this call's recording `index`."""
        self.playing_recording = index
        self.transcript.set_position(self._player.position(), index)
        self.strips.set_playing(index if self._plays_this_call() else None, self._player.position())
        self._show_recording()

    def _on_position(self, ms: int) -> None:
        plays = self._plays_this_call()
        self.transcript.set_position(ms, self.playing_recording if plays else 0)
        self.strips.set_playing(self.playing_recording if plays else None, ms)
        self._show_recording()

    def _show_recording(self) -> None:
        call, timeline = self.call, self.timeline
        several = call is not None and bool(call.recordings) and (len(call.recordings) > 1 or len(call.legs) > 1)
        if not several or timeline is None:
            self.controls.show_recording("")
            return
        index = self.transcript.current_index
        segment = call.segments[index] if index is not None and call.segments and index < len(call.segments) else None
        self.controls.show_recording(timeline.label(self.playing_recording, segment))

    def _on_media(self, label: str) -> None:
        if self._plays_this_call() and label:
            self.strips.load_peaks()  # just downloaded: its waveform can be drawn now
            self.strips.set_playing(self.playing_recording, self._player.position())
        if self._play_from is not None and self._plays_this_call() and label:
            self._player.seek(self._play_from)  # kept by the Player until the file has loaded
            self._play_from = None

    def note_position(self) -> int | None:
        """Where a new note goes: the player's position in this call, or no time at all."""
        if self._plays_this_call() and self._player.ready:
            return self._player.position()
        return None

    # -- notes and tags ---------------------------------------------------------------------------
    def begin_note(self) -> None:
        if self.call is None:
            return
        self.tabs.setCurrentIndex(TAB_NOTES)
        self.notes.begin_note()

    def _cache_and_pool(self) -> tuple[Path | None, QThreadPool | None]:
        """The cache and the pool for quick work the pane was handed (none: notes are off)."""
        return (Path(self._database) if self._database else None), self._pool

    def call_notes(self) -> CallNotes | None:
        """Made on first use, on the cache the window opened."""
        if self._call_notes is None:
            database, pool = self._cache_and_pool()
            if database is None:
                return None
            self._call_notes = notes = CallNotes(database, pool, self)
            notes.loaded.connect(self._show_notes)
            notes.written.connect(self._saved)
            notes.failed.connect(self._not_saved)
            self.notes.addRequested.connect(notes.add_note)
            self.notes.editRequested.connect(notes.update_note)
            self.notes.deleteRequested.connect(notes.delete_note)
            self.tags.addRequested.connect(notes.add_tags)
            self.tags.removeRequested.connect(notes.remove_tag)
        return self._call_notes

    def _load_notes(self, account: str | None, provider_id: str | None) -> None:
        notes = self.call_notes()
        if notes is None:
            self.tags.setEnabled(False)
            self.notes.setEnabled(False)
            return
        if notes.call != ((account, provider_id) if account and provider_id else None):
            self.notes.reset()
            self._show_notes(NotesState(account or "", provider_id or "", known_tags=self.tags.known()))
        notes.load(account, provider_id)

    def _show_notes(self, state: NotesState) -> None:
        self.notes.set_notes(state.notes)
        self.transcript.set_notes(state.notes)
        self.strips.set_notes(state.notes)
        self.tags.set_tags(state.tags)
        self.tags.set_known(state.known_tags)
        emit(self.tagsInUse, state.known_tags)
        self.tabs.setTabText(TAB_NOTES, f"Notes ({len(state.notes)})" if state.notes else "Notes")

    def _saved(self, what: str) -> None:
        if what.startswith("tag"):
            self.tags.saved()
        else:
            self.notes.saved(what)

    def _not_saved(self, what: str, message: str) -> None:
        if what.startswith("tag"):
            self.tags.show_message(message)
        elif what == "load":
            self.notes.show_message(f"Could not read this call's notes and tags: {message}")
        else:
            self.tabs.setCurrentIndex(TAB_NOTES)  # where the unsaved text still is
            self.notes.show_message(message)

    # -- showing a call ---------------------------------------------------------------------------
    def clear(self) -> None:
        self.account, self.call = None, None
        self._play_from = None
        self.timeline, self.playing_recording = None, 0
        self.controls.show_recording("")
        self.stack.setCurrentIndex(0)
        self.transcript.set_segments(None, "select")
        self.video.set_call(None)
        self.strips.clear()
        self._load_notes(None, None)

    def show_call(self, account: str, call: Call, media_paths: dict[str, str]) -> None:
        if (account, call.provider_id) != (self.account, self.call.provider_id if self.call else None):
            self._play_from = None
            self.playing_recording = 0
        self.account, self.call = account, call
        self._load_notes(account, call.provider_id)
        parties = f"{html.escape(call.from_party.label() or '?')} → {html.escape(call.to_party.label() or '?')}"
        self.title.setText(f"<span style='font-size:large; font-weight:600'>{parties}</span>")
        bits = [local_full(call.start_ms), call.direction, call.status, clock(call.duration_ms), account]
        if call.agent:
            bits.insert(3, f"agent {call.agent}")
        if len(call.legs) > 1:
            bits.append(f"{len(call.legs)} legs")
        self.subtitle.setText(" · ".join(b for b in bits if b))
        self.timeline = RecordingTimeline(call)
        places = [self.timeline.place_of(s) for s in call.segments] if call.segments else None
        self.transcript.set_segments(call.segments, call.transcript_status, places)
        self.strips.show_call(account, call, self.timeline)
        self._show_recording()
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
