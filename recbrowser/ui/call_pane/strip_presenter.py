"""The open call's conversation strips: what each recording's strip shows, its peaks read (or,
the first time, computed) off the UI thread once the recording is downloaded, the playhead,
seeks from the strips, and the silence map handed to Skip silence."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.domain import Call
from recbrowser.services.recording_timeline import RecordingTimeline
from recbrowser.store.records import Note
from recbrowser.ui.call_pane.speaker_colors import SpeakerColors
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task
from recbrowser.ui.player.conversation_strip import ConversationStrip
from recbrowser.ui.player.skip_silence import SilenceSkipper
from recbrowser.ui.player.strip_data import StripData, build

log = logging.getLogger("recbrowser.ui.call_pane.strip_presenter")

Loaded = dict[int, tuple[object, list[tuple[int, int]]]]  # recording index -> (Peaks, silence map)


def read_peaks(database: Path, peaks_folder: Path, account: str, call: Call) -> Loaded:
    """In a worker: the peaks and silence map of each of the call's downloaded recordings."""
    from recbrowser.errors import UserFacingError
    from recbrowser.services import media_check, waveform
    from recbrowser.store import open_store
    from recbrowser.ui.player.strip_data import silence_map

    store = open_store(database)
    try:
        media = {m.recording_provider_id: m for m in store.media_for_call(account, call.provider_id)}
    finally:
        store.close()
    out: Loaded = {}
    for i, rec in enumerate(call.recordings):
        m = media.get(rec.provider_id)
        if m is None or media_check.state(m, verify=False) != media_check.OK:
            continue
        try:
            peaks = waveform.peaks_for(Path(m.path), m.sha256, peaks_folder)
        except (UserFacingError, OSError, ValueError) as e:
            log.info("no waveform for %s/%s: %s", account, rec.provider_id, e)
            continue
        out[i] = (peaks, silence_map(peaks))
    return out


class StripPresenter(QObject):
    seekRequested = Signal(int, int)  # (recording, ms): the pane plays it
    peaksShown = Signal(int)  # a recording's waveform is drawn (tests wait for it)

    def __init__(self, strip: ConversationStrip, skipper: SilenceSkipper, *, database: Path | None,
                 peaks_folder: Path | None, pool: QThreadPool | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.strip, self.skipper = strip, skipper
        self._database, self._peaks_folder, self._pool = database, peaks_folder, pool
        self.account: str | None = None
        self.call: Call | None = None
        self._timeline: RecordingTimeline | None = None
        self._notes: list[Note] = []
        self._loaded: Loaded = {}
        self._generation = 0
        self._asking = False
        self._again = False  # a recording arrived while its peaks were being read: read once more
        self.playing: int | None = None  # the recording the player holds, when it holds this call
        strip.seekRequested.connect(lambda rec, ms: emit(self.seekRequested, rec, ms))

    def show_call(self, account: str, call: Call, timeline: RecordingTimeline) -> None:
        same = (account, call.provider_id) == (self.account, self.call.provider_id if self.call else None)
        self.account, self.call, self._timeline = account, call, timeline
        if not same:
            self._generation += 1
            self._loaded, self._notes, self.playing, self._asking, self._again = {}, [], None, False, False
        self.strip.set_strips([(self._data(i), self._title(i)) for i in range(max(1, len(call.recordings)))], self._colors())
        self.strip.setVisible(bool(call.recordings) or any(s.start_ms is not None for s in call.segments or []))
        self._hand_silences()
        self.load_peaks()

    def clear(self) -> None:
        self._generation += 1
        self.account = self.call = self._timeline = None
        self._loaded, self.playing = {}, None
        self.strip.set_strips([], SpeakerColors())
        self.skipper.set_silences([])

    def set_notes(self, notes: list[Note]) -> None:
        self._notes = list(notes)
        if self.call is not None and self.strip.strips:
            self.strip.update_strip(0, self._data(0))

    def set_playing(self, recording: int | None, ms: int) -> None:
        """The player is at `ms` of this call's recording `recording` (None: it holds another call)."""
        if recording != self.playing:
            self.playing = recording
            self._hand_silences()
        self.strip.set_position(recording, ms)

    def load_peaks(self) -> None:
        """Read the peaks of the call's downloaded recordings that the strips do not draw yet."""
        call, account = self.call, self.account
        if (call is None or account is None or self._database is None or self._peaks_folder is None
                or all(i in self._loaded for i in range(len(call.recordings)))):
            return
        if self._asking:
            self._again = True
            return
        self._asking = True
        generation, database, folder = self._generation, self._database, self._peaks_folder
        run_task(lambda _report: read_peaks(database, folder, account, call),
                 lambda loaded: self._peaks_read(generation, loaded),
                 lambda message, _d: self._peaks_failed(generation, message),
                 pool=self._pool, name="waveform", owner=self)

    def _peaks_read(self, generation: int, loaded: Loaded) -> None:
        if generation != self._generation:
            return
        self._asking = False
        for i, got in loaded.items():
            if i not in self._loaded:
                self._loaded[i] = got
                self.strip.update_strip(i, self._data(i))
                emit(self.peaksShown, i)
        self._hand_silences()
        if self._again:
            self._again = False
            self.load_peaks()

    def _peaks_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._asking = False
            log.info("no waveform: %s", message)

    def _data(self, i: int) -> StripData:
        assert self.call is not None
        peaks, quiet = self._loaded.get(i, (None, None))
        return build(self.call, i, timeline=self._timeline, notes=self._notes, peaks=peaks, audio_silences=quiet)  # type: ignore[arg-type]

    def _title(self, i: int) -> str:
        n = len(self.call.recordings) if self.call is not None else 0
        return f"Recording {i + 1} of {n}" if n > 1 else "Recording"

    def _colors(self) -> SpeakerColors:
        """Assigned in the transcript's order, so a speaker has the transcript's colour."""
        colors = SpeakerColors()
        for seg in self.call.segments or [] if self.call is not None else []:
            colors.color(seg.speaker)
        return colors

    def _hand_silences(self) -> None:
        got = self._loaded.get(self.playing) if self.playing is not None else None
        self.skipper.set_silences(got[1] if got is not None else [])
