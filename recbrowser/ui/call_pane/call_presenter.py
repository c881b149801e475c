"""The open call as the window runs it: loading it into the call pane, fetching its recording
into the player (play, or just download), a search hit played from its sentence, and the
Call menu's actions enabled by what the open call has.

A call with several recordings (Wildix flows, Bandwidth) plays them in turn, as one call: a
sentence plays from its own recording, and when one recording ends the next one follows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication

from recbrowser.domain import SearchHit, call_ref
from recbrowser.ui.call_pane.call_controller import CallController, LoadedCall, PlayRequest
from recbrowser.ui.call_pane.call_pane import CallPane
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.player.player import Player


class CallPresenter(QObject):
    shown = Signal(str)  # ref of the call now in the call pane

    def __init__(self, pane: CallPane, player: Player, calls: CallController, status: StatusArea, *,
                 download: QAction, play_pause: QAction, copy_details: QAction, media_folder: Path,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pane, self.player, self.calls, self._status = pane, player, calls, status
        self._download, self._play_pause, self._copy_details = download, play_pause, copy_details
        self._media_folder = media_folder
        self.current_ref: str | None = None
        self._pending_play: PlayRequest | None = None
        calls.callLoaded.connect(self._show_call)
        calls.loadFailed.connect(status.show_message)
        calls.mediaReady.connect(self._media_ready)
        calls.downloadStarted.connect(lambda ref: status.show_message(f"Getting the recording of {ref}…"))
        calls.downloadProgress.connect(status.show_download)
        calls.downloadFailed.connect(self._download_failed)
        pane.controls.playRequested.connect(self.play_current)
        pane.recordingRequested.connect(self.play_recording)
        player.finished.connect(self._recording_ended)
        player.playingChanged.connect(self._show_playing)
        self.shown.connect(lambda _ref: self.update_actions())
        self.update_actions()

    def open_call(self, account: str, provider_id: str) -> None:
        ref = call_ref(account, provider_id)
        if self.current_ref != ref:
            self.current_ref = ref
            if self.player.label != ref:
                self.calls.cancel_download()
                self.player.clear()
        self.calls.load(account, provider_id)

    def current_call(self) -> tuple[str, str] | None:
        if self.pane.call is None or self.pane.account is None:
            return None
        return self.pane.account, self.pane.call.provider_id

    def play_current(self, start_ms: int = 0) -> None:
        current = self.current_call()
        if current is None:
            return
        if self.player.label == call_ref(*current) and self.player.path is not None:
            self.player.toggle()
            return
        self.request_play(PlayRequest(current[0], current[1], start_ms))

    def play_recording(self, index: int, start_ms: int = 0) -> None:
        """Play the open call's recording `index` from `start_ms` (a sentence of it was clicked).
        A call not yet in the player starts playing, as the Play button would; switching
        recordings keeps playing or paused as the player was."""
        current = self.current_call()
        if current is None:
            return
        has_this_call = self.player.label == call_ref(*current) and self.player.path is not None
        autoplay = self.player.is_playing() if has_this_call else True
        self.request_play(PlayRequest(current[0], current[1], start_ms, autoplay=autoplay, recording=index))

    def download_current(self) -> None:
        """Fetch the open call's recording into the player, without playing it."""
        current = self.current_call()
        if current:
            self.request_play(PlayRequest(current[0], current[1], 0, autoplay=False))

    def request_play(self, request: PlayRequest) -> None:
        self._pending_play = request
        self.calls.fetch_media(request)

    def open_hit(self, hit: SearchHit) -> None:
        """Open the hit's call and play from its sentence (the summary plays from the start)."""
        self.open_call(hit.account, hit.call_provider_id)
        start = hit.start_ms if hit.kind == "segment" and hit.start_ms is not None else 0
        single = self.pane.call is None or len(self.pane.call.recordings) <= 1
        if (self.player.label == call_ref(hit.account, hit.call_provider_id) and self.player.path is not None
                and single):
            self.player.seek(start)
            self.player.play()
        else:
            # The hit names no recording: the worker finds the sentence's own, and its offset there.
            sentence = hit.text if hit.kind == "segment" and hit.start_ms is not None else ""
            self.request_play(PlayRequest(hit.account, hit.call_provider_id, start, sentence=sentence))

    def copy_details(self) -> None:
        if self.pane.call is not None and self.pane.account:
            from recbrowser.ui.call_pane.call_details import details_text

            QGuiApplication.clipboard().setText(details_text(self.pane.account, self.pane.call))
            self._status.show_message("Call details copied.")

    def open_folder(self) -> None:
        path = self.player.path
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent if path else self._media_folder)))

    def update_actions(self) -> None:
        has_call = self.pane.call is not None
        has_audio = has_call and bool(self.pane.call.recordings)
        self._download.setEnabled(has_audio)
        self._play_pause.setEnabled(has_audio or self.player.ready)
        self._copy_details.setEnabled(has_call)

    def _show_call(self, loaded: LoadedCall) -> None:
        ref = call_ref(loaded.account, loaded.call.provider_id)
        if ref != self.current_ref:
            return
        self.pane.show_call(loaded.account, loaded.call, loaded.media)
        first = loaded.call.recordings[0].provider_id if loaded.call.recordings else None
        pending = self._pending_play
        if pending and call_ref(pending.account, pending.provider_id) == ref:
            return  # a download for this call is on its way and will load the player
        if first in loaded.media and self.player.label != ref:
            self.player.load(Path(loaded.media[first]), label=ref)  # cached: ready to play at once
            self.pane.set_recording(0)
        emit(self.shown, ref)

    def _media_ready(self, request: PlayRequest, path: Path) -> None:
        self._pending_play = None
        ref = call_ref(request.account, request.provider_id)
        if ref != self.current_ref:
            return
        self._status.show_message(f"Playing {ref}" if request.autoplay else f"Loaded {ref}")
        self.player.load(path, label=ref, start_ms=request.start_ms, autoplay=request.autoplay)
        self.pane.set_recording(request.recording)

    def _recording_ended(self) -> None:
        """One recording of the open call ended: the next one follows, as the call went on."""
        call = self.pane.call
        if call is None or self.current_ref is None or self.player.label != self.current_ref:
            return
        following = self.pane.playing_recording + 1
        if following < len(call.recordings):
            self.request_play(PlayRequest(self.pane.account or "", call.provider_id, 0, recording=following))

    def _download_failed(self, message: str) -> None:
        self._pending_play = None
        self._status.show_message(message)
        self.pane.controls.show_message(message)

    def _show_playing(self, playing: bool) -> None:
        from recbrowser.ui.common.icons import icon

        self._play_pause.setIcon(icon("pause" if playing else "play"))
        self._play_pause.setIconText("Pause" if playing else "Play")
