"""`--screenshot FILE.png`: wait for the demo sync, open a call with a transcript (the one whose
conversation strip shows a hold, a silence and overtalk: the Wildix showcase's "review" call;
else one with several legs, whose player says which recording and leg is playing, one the
provider gave a sentiment first), load its audio at a sentence so the highlight shows, open
View > Overview, wait for the strip's waveform and the overview's report, render the window to
a PNG and quit."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication

from recbrowser.private import write_private
from recbrowser.ui.call_pane.call_controller import PlayRequest

log = logging.getLogger("recbrowser.ui.window.screenshot")

TIMEOUT_MS = 120_000
SETTLE_MS = 400  # let layouts and the highlight paint before grabbing
SIZE = (1680, 1060)  # room for the list, the call pane (strip and transcript) and the overview
SIZES = [250, 910, 520]
POLL_MS = 100
QUERY = "refund"  # shows the search results with a highlighted hit next to the call


def save_private_png(picture: QPixmap, path: Path) -> bool:
    """The PNG written 0600 (it shows calls, numbers and a transcript), folders it makes 0700."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not picture.save(buffer, "PNG"):
        return False
    try:
        write_private(path, bytes(data.data()))
    except OSError as e:
        log.warning("screenshot: cannot write %s: %s", path, e)
        return False
    return True


def strip_marks(row) -> tuple[int, int]:
    """(kinds, silence ms): how many of a hold, a silence and overtalk the call's strip marks,
    from its conversation figures (0 without them), and its silence to break ties."""
    f = row.figures
    if f is None:
        return 0, 0
    kinds = bool(row.hold_ms or f.hold_ms) + (f.silence_ms > 0) + (f.overtalk_count > 0)
    return kinds, f.silence_ms


class ScreenshotDirector:
    def __init__(self, window, path: str) -> None:
        self.window = window
        self.path = Path(path)
        self.exit_code = 1
        self._ref: str | None = None
        self._done = False
        self._overview_shown = False
        self.pictured: dict = {}  # what the picture shows, once grabbed (the test reads it)
        window.resize(*SIZE)
        self._synced = False
        window.sync.finished.connect(self._sync_finished)
        window.callsRefreshed.connect(self._refreshed)
        self._media_loaded = False
        window.callShown.connect(self._call_shown)
        window.player.readyChanged.connect(self._player_ready)
        window.calls.downloadFailed.connect(lambda _m: QTimer.singleShot(SETTLE_MS, self.grab))
        QTimer.singleShot(TIMEOUT_MS, self._timeout)

    def demo_failed(self, message: str) -> None:
        print(f"recbrowser: the demo could not start: {message}", file=sys.stderr)
        self.grab(now=True)
        self.exit_code = 1
        QApplication.instance().exit(1)

    def _sync_finished(self, _results) -> None:
        self._synced = True  # the window now recounts in a worker; pick a call once it has

    def without_sync(self) -> None:
        self._after_sync([])

    def _after_sync(self, _results) -> None:
        if self._ref is not None or self._done:
            return
        self.window.splitter.setSizes(SIZES)  # now that the window has its screenshot size
        model = self.window.model
        chosen = None
        rows = [(i, model.row(i)) for i in range(min(model.rowCount(), 400))]
        candidates = [(i, r) for i, r in rows if r is not None and r.transcript_status == "available" and r.has_audio]
        # Named parties usually mean named speakers, which make the better picture. Voki's video
        # shows no frame until it plays and its transcript has no timings: an audio call shows
        # the synced transcript, which is what the picture is for.
        named = [i for i, r in candidates if r.from_name and r.to_name and r.provider != "voki"]
        legs = [i for i, r in candidates if r.leg_count > 1 and r.provider != "voki"]
        legs.sort(key=lambda i: not rows[i][1].sentiment)  # one with a sentiment first (stable)
        # The call whose strip marks the most kinds (hold, silence, overtalk) makes the picture.
        marked = sorted((i for i, r in candidates if r.provider != "voki" and strip_marks(r)[0] >= 2),
                        key=lambda i: strip_marks(rows[i][1]), reverse=True)
        if marked or legs or named or candidates:
            chosen = (marked or legs or named or [i for i, _ in candidates])[0]
        if chosen is None:
            if model.rowCount() == 0:
                QTimer.singleShot(SETTLE_MS, self.grab)
                return
            chosen = 0
        self._ref = model.row(chosen).ref
        self._show_sentiment()
        self.window.search.box.setText(QUERY)
        self.window.search.search_now()
        self.window.table.selectRow(chosen)
        self.window.table.setFocus()
        self._open_overview()

    def _open_overview(self) -> None:
        """View > Overview, as the menu opens it: the dock under the list and the call."""
        from recbrowser.ui.window.actions import ActionId

        self.window.overview.shown.connect(self._overview_report)
        action = self.window.actions[ActionId.OVERVIEW]
        if not action.isChecked():
            action.trigger()

    def _overview_report(self, _report) -> None:
        self._overview_shown = True

    def _show_sentiment(self) -> None:
        """The Sentiment column, chosen as from the header's menu, moved next to Direction so
        the picture shows it whole, with the Status column's "(2 legs)"."""
        from recbrowser.ui.call_list.call_columns import COL_DIRECTION, COL_FROM, COL_SENTIMENT, COL_TO

        table = self.window.table
        table.set_extra_columns(["sentiment"])
        header = table.horizontalHeader()
        header.moveSection(header.visualIndex(COL_SENTIMENT), header.visualIndex(COL_DIRECTION) + 1)
        table.setColumnWidth(COL_SENTIMENT, 76)
        for col in (COL_FROM, COL_TO):
            table.setColumnWidth(col, 134)  # long names are elided anyway

    def _call_shown(self, ref: str) -> None:
        if ref != self._ref or self._done:
            return
        account, _, provider_id = ref.partition("/")
        call = self.window.call_pane.call
        if call is None or not call.recordings:
            QTimer.singleShot(SETTLE_MS, self.grab)
            return
        timeline = self.window.call_pane.timeline
        places = [p for p in (timeline.place_of(s) for s in call.segments or []) if p is not None] if timeline else []
        # Land in the third sentence: the highlight shows with context above and below; on a
        # call with several recordings, in the last one (the player names it and its leg).
        last = [p for p in places if p.recording == places[-1].recording] if places else []
        chosen = (last[min(1, len(last) - 1)] if len(call.recordings) > 1 and last
                  else places[min(2, len(places) - 1)] if places else None)
        recording, start = (chosen.recording, chosen.offset_ms + 200) if chosen else (0, 0)
        if (self.window.player.label == ref and self.window.player.path is not None
                and self.window.call_pane.playing_recording == recording):
            self.window.player.seek(start)
            QTimer.singleShot(SETTLE_MS, self.grab)
        else:
            self.window.request_play(PlayRequest(account, provider_id, start, autoplay=False, recording=recording))

    def _refreshed(self) -> None:
        if self._media_loaded:
            QTimer.singleShot(SETTLE_MS, self.grab)  # the list now says "downloaded" too
        elif self._synced:
            self._after_sync(None)

    def _player_ready(self, ready: bool) -> None:
        if ready and self.window.player.label == self._ref and not self._done:
            self._media_loaded = True
            QTimer.singleShot(3_000, self.grab)  # in case the list has nothing to re-read

    def _waiting_for(self) -> str:
        """What the picture still lacks: the search answer, the strip's waveform, the overview."""
        search, pane, overview = self.window.search, self.window.call_pane, self.window.overview
        if search.shown_generation != search.generation:
            return "search"
        strips = pane.strip.strips
        playing = pane.playing_recording
        if (self._media_loaded and pane.call is not None and self.window.player.label == self._ref
                and 0 <= playing < len(strips) and strips[playing].data.peaks is None):
            return "waveform"  # read off the UI thread once the recording is downloaded
        if overview.visible() and (not self._overview_shown or overview.busy()):
            return "overview"
        return ""

    def grab(self, attempts: int = TIMEOUT_MS // POLL_MS, *, now: bool = False) -> None:
        if self._done:
            return
        waiting = "" if now else self._waiting_for()
        if waiting and attempts > 0:
            QTimer.singleShot(POLL_MS, lambda: self.grab(attempts - 1))  # it is on its way
            return
        if waiting:
            log.warning("screenshot: no %s in time; saving what is shown", waiting)
        self._done = True
        pane = self.window.call_pane
        pane.transcript.set_position(self.window.player.position(), pane.playing_recording)
        pane.set_recording(pane.playing_recording)  # the recording and leg line follows the highlight
        self.pictured = self._what_is_shown()
        ok = save_private_png(self.window.grab(), self.path)
        self.exit_code = 0 if ok else 1
        if not ok:
            print(f"recbrowser: could not write {self.path}", file=sys.stderr)
        self.window.close()
        QApplication.instance().exit(self.exit_code)

    def _what_is_shown(self) -> dict:
        pane, overview = self.window.call_pane, self.window.overview
        strips = pane.strip.strips
        data = strips[pane.playing_recording].data if 0 <= pane.playing_recording < len(strips) else None
        return {
            "ref": self._ref,
            "holds": len(data.holds) if data else 0,
            "silences": len(data.silences) if data else 0,
            "overtalk": len(data.overtalk) if data else 0,
            "waveform": bool(data and data.peaks is not None),
            "overview": overview.visible() and self._overview_shown,
        }

    def _timeout(self) -> None:
        if not self._done:
            log.warning("screenshot: the demo did not finish in time; saving what is shown")
            self.grab(now=True)
            self.exit_code = 1
            QApplication.instance().exit(1)
