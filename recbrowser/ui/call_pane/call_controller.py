"""Opening a call and getting its audio, off the UI thread.

Loading a call (call + legs + segments + media) and downloading its recording run in workers
with their own Store. Each request has a generation number: when the user moves to another
call, answers about the previous one are dropped, so the pane never jumps back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.domain import Call
from recbrowser.errors import UserFacingError
from recbrowser.services.accounts import get_account, open_provider
from recbrowser.store import open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task

log = logging.getLogger("recbrowser.ui.calls")


@dataclass
class LoadedCall:
    account: str
    call: Call
    media: dict[str, str]  # recording provider id -> local path (only files that exist)


@dataclass
class PlayRequest:
    account: str
    provider_id: str
    start_ms: int = 0  # into that recording
    autoplay: bool = True
    recording: int = 0  # index into call.recordings: a call can have several (flows, transfers)
    sentence: str = ""  # a search hit's text: its recording and offset are found from the call's sentences


def _is_download_progress(p) -> bool:
    from recbrowser.services.downloads import DownloadProgress  # loaded by then: the worker reports it

    return isinstance(p, DownloadProgress)


def _resolve_sentence(request: PlayRequest, call: Call) -> PlayRequest:
    """A search hit knows its sentence's text and offset, not its recording: find them."""
    if not request.sentence:
        return request
    from recbrowser.services.recording_timeline import RecordingTimeline

    timeline = RecordingTimeline(call)
    for segment in call.segments or []:
        if segment.text == request.sentence and segment.start_ms == request.start_ms:
            place = timeline.place_of(segment)
            if place is not None:
                return replace(request, recording=place.recording, start_ms=place.offset_ms, sentence="")
    return replace(request, sentence="")


class CallController(QObject):
    callLoaded = Signal(object)  # LoadedCall
    loadFailed = Signal(str)
    downloadStarted = Signal(str)  # ref
    downloadProgress = Signal(object)  # DownloadProgress
    mediaReady = Signal(object, object)  # (PlayRequest, Path), the request as resolved (recording found)
    downloadFailed = Signal(str)
    downloaded = Signal(str)  # ref, after a fresh download (the list shows "downloaded")

    def __init__(
        self,
        database: Path,
        media_root: Path,
        secrets_for: Callable[[str], dict[str, str] | None],
        pool: QThreadPool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._database = database
        self._media_root = media_root
        self._secrets_for = secrets_for
        self._pool = pool
        self.load_generation = 0
        self.media_generation = 0
        self._cancel_download: threading.Event | None = None

    # -- open a call --------------------------------------------------------------------------
    def load(self, account: str, provider_id: str) -> int:
        self.load_generation += 1
        generation, database = self.load_generation, self._database

        def work(_report) -> LoadedCall:
            store = open_store(database)
            try:
                call = store.get_call(account, provider_id)
                if call is None:
                    raise UserFacingError(f"Call {provider_id} of account '{account}' is no longer in the cache.")
                media = {
                    m.recording_provider_id: str(m.path)
                    for m in store.media_for_call(account, provider_id)
                    if Path(m.path).is_file()
                }
                return LoadedCall(account, call, media)
            finally:
                store.close()

        run_task(
            work,
            lambda loaded: self._loaded(generation, loaded),
            lambda message, _d: generation == self.load_generation and emit(self.loadFailed, message),
            pool=self._pool,
            name="open call",
            owner=self,
        )
        return generation

    def _loaded(self, generation: int, loaded: LoadedCall) -> None:
        if generation == self.load_generation:
            emit(self.callLoaded, loaded)

    # -- get its audio -------------------------------------------------------------------------
    def fetch_media(self, request: PlayRequest) -> int:
        """Download the call's recordings unless the cache has them (each checked against its
        SHA-256), then announce the local file of the one asked for."""
        self.cancel_download()
        self.media_generation += 1
        generation = self.media_generation
        cancel = threading.Event()
        self._cancel_download = cancel
        database, media_root = self._database, self._media_root
        secrets = self._secrets_for(request.account)

        def work(report) -> tuple[PlayRequest, Path]:
            # Imported on the first play, not at start-up (~10 ms before the window's first paint).
            from recbrowser.services import media_check
            from recbrowser.services.downloads import DownloadCancelled, download_call
            from recbrowser.team.accounts import is_team_archive

            store = open_store(database)
            try:
                account = get_account(store, request.account)
                call = store.get_call(request.account, request.provider_id)
                if call is None:
                    raise UserFacingError(f"Call {request.provider_id} of account '{request.account}' is no longer in the cache.")
                resolved = _resolve_sentence(request, call)
                cached = {m.recording_provider_id: m for m in store.media_for_call(request.account, call.provider_id)}
                wanted = call.recordings[resolved.recording].provider_id if 0 <= resolved.recording < len(call.recordings) \
                    else call.recordings[0].provider_id if call.recordings else None
                if wanted in cached and media_check.intact(cached[wanted]):
                    return resolved, Path(cached[wanted].path)  # the archive plays even when the provider is down
                # Not cached, or changed since its download (its SHA-256 differs): fetched again.
                # A team archive's recordings come from its object storage: no provider, no secret.
                provider = None if is_team_archive(store) else open_provider(account, secrets)
                try:
                    files = download_call(store, account, provider, call, media_root, progress=report, cancelled=cancel.is_set)
                finally:
                    if provider is not None:
                        provider.close()
                return resolved, next((f.path for f in files if f.recording_id == wanted), files[0].path)
            except DownloadCancelled:
                return request, Path()
            finally:
                store.close()

        emit(self.downloadStarted, f"{request.account}/{request.provider_id}")
        run_task(
            work,
            lambda done: self._media_done(generation, *done),
            lambda message, _d: generation == self.media_generation and emit(self.downloadFailed, message),
            lambda p: generation == self.media_generation and _is_download_progress(p) and emit(self.downloadProgress, p),
            pool=self._pool,
            name="download",
            owner=self,
        )
        return generation

    def _media_done(self, generation: int, request: PlayRequest, path: Path) -> None:
        if generation != self.media_generation or path == Path():
            return
        emit(self.downloaded, f"{request.account}/{request.provider_id}")
        emit(self.mediaReady, request, path)

    def cancel_download(self) -> None:
        if self._cancel_download:
            self._cancel_download.set()
            self._cancel_download = None
