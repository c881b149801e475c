"""The one object that owns QMediaPlayer and QAudioOutput.

Widgets talk to the Player, never to QMediaPlayer: the rate is clamped and remembered here,
a seek asked for before the media is loaded is kept and applied once it is, and every way
media can fail ends in one `problem` sentence the controls show.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal

from recbrowser.ui import compat
from recbrowser.ui.common.settings import MAX_RATE, MIN_RATE, Preferences, clamp_rate
from recbrowser.ui.common.shortcuts import key_text
from recbrowser.ui.common.signals import emit

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QMediaPlayer
    from PySide6.QtWidgets import QWidget

log = logging.getLogger("recbrowser.ui.player.player")

RATE_STEPS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


def _prime_notify_cache(obj: QObject, signal) -> None:
    """Work around a GIL deadlock between PySide and Qt's FFmpeg threads.

    Qt calls `disconnectNotify` on a sender from whichever thread drops a connection, with a
    signal-slot mutex held. On an object created from Python that virtual first asks Python
    whether it is overridden, which needs the GIL; meanwhile the UI thread, holding the GIL,
    waits in `stop()` for that mutex. Shiboken caches "not overridden" after the first
    lookup, so one connect/disconnect here, on the UI thread, makes later calls GIL-free.
    """

    def nothing(*_args) -> None:
        pass

    signal.connect(nothing)
    signal.disconnect(nothing)


class Player(QObject):
    positionChanged = Signal(int)  # ms
    durationChanged = Signal(int)  # ms
    playingChanged = Signal(bool)
    rateChanged = Signal(float)
    volumeChanged = Signal(int)
    hasVideoChanged = Signal(bool)
    mediaChanged = Signal(str)  # the label of what is loaded ("" when nothing)
    problem = Signal(str)  # "" clears the message
    readyChanged = Signal(bool)  # controls are enabled only while media is playable
    soundChanged = Signal(str)  # why nothing can be heard ("" when a sound device is there)

    finished = Signal()  # playback reached the end of the media (a call's next recording may follow)
    started = Signal()  # the media backend exists: a video output can be attached now

    def __init__(self, prefs: Preferences, parent: QObject | None = None, *, start: bool = True) -> None:
        """`start=False` leaves QtMultimedia unloaded (~35 ms with the backend) until `start()`,
        which the window calls right after its first paint; whatever needs the backend before
        that starts it on the spot."""
        compat.keep_none_alive()  # its void calls would run None out under PySide6 6.12 (ui/compat.py)
        super().__init__(parent)
        self._prefs = prefs
        self._media: QMediaPlayer | None = None
        self._video_output: QWidget | None = None
        self._pending_seek: int | None = None
        self._autoplay = False
        self._ready = False
        self._failed = False  # this load already said why it cannot play
        self._path: Path | None = None
        self._label = ""
        if start:
            self.start()

    def start(self) -> None:
        """Create QMediaPlayer and QAudioOutput (once)."""
        if self._media is not None:
            return
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        self._Status = QMediaPlayer.MediaStatus
        self._Playing = QMediaPlayer.PlaybackState.PlayingState
        self._media = QMediaPlayer(self)
        self._audio = QAudioOutput(self)
        self._media.setAudioOutput(self._audio)
        _prime_notify_cache(self._media, self._media.sourceChanged)
        _prime_notify_cache(self._audio, self._audio.volumeChanged)
        self._audio.setVolume(self._prefs.volume / 100)
        # Qt keeps the device it started with: follow the system's default when headphones
        # are plugged in or the only device goes away, and say so when there is none.
        self._devices = QMediaDevices(self)
        self._devices.audioOutputsChanged.connect(self._follow_default_output)
        self._media.setPlaybackRate(self._prefs.playback_rate)
        # Keep the voice's pitch at 1.5x where the backend can; silently unavailable elsewhere.
        if hasattr(self._media, "setPitchCompensation"):
            self._media.setPitchCompensation(True)
        # Re-emitted as plain ints: QMediaPlayer's are qint64, which does not connect to int.
        self._media.positionChanged.connect(lambda ms: emit(self.positionChanged, int(ms)))
        self._media.durationChanged.connect(lambda ms: emit(self.durationChanged, int(ms)))
        self._media.hasVideoChanged.connect(self.hasVideoChanged)
        self._media.playbackStateChanged.connect(lambda state: emit(self.playingChanged, state == self._Playing))
        self._media.mediaStatusChanged.connect(self._on_status)
        self._media.errorOccurred.connect(self._on_error)
        if self._video_output is not None:
            self._media.setVideoOutput(self._video_output)
        emit(self.started)
        emit(self.soundChanged, self.sound_problem())

    @property
    def is_started(self) -> bool:
        return self._media is not None

    def _backend(self) -> QMediaPlayer:
        self.start()
        assert self._media is not None
        return self._media

    # -- loading -----------------------------------------------------------------------------
    def load(self, path: Path, *, label: str = "", start_ms: int = 0, autoplay: bool = False) -> None:
        media = self._backend()
        Status = self._Status
        path = Path(path)
        if self._path != path:
            compat.unload_finished(media)  # a call's next recording, right after the last one ended
        self._set_ready(False)
        emit(self.problem, "")
        self._failed = False
        self._pending_seek = start_ms if start_ms > 0 else None
        self._autoplay = autoplay
        if not path.is_file():
            # Qt would only say "Could not open file" and then call it damaged: name the cause.
            media.stop()
            media.setSource(QUrl())
            self._path, self._label = path, label or path.name
            emit(self.mediaChanged, self._label)
            self._fail(f"the file is gone from the media folder ({path}); download the recording again ({key_text('download')})")
            return
        if self._path == path and media.mediaStatus() in (Status.LoadedMedia, Status.BufferedMedia, Status.EndOfMedia):
            self._label = label or self._label
            self._on_status(Status.LoadedMedia)  # same file: only the seek/autoplay changes
            return
        self._path = path
        self._label = label or path.name
        media.setSource(QUrl.fromLocalFile(str(path)))
        emit(self.mediaChanged, self._label)

    def clear(self, message: str = "") -> None:
        if self._media is not None:
            self._media.stop()
            self._media.setSource(QUrl())
        self._path = None
        self._label = ""
        self._pending_seek = None
        self._autoplay = False
        self._set_ready(False)
        emit(self.mediaChanged, "")
        emit(self.problem, message)

    def _on_status(self, status) -> None:
        Status = self._Status
        if status in (Status.LoadedMedia, Status.BufferedMedia) and not self._ready:
            self._set_ready(True)
            if self._pending_seek is not None:
                self._media.setPosition(self._pending_seek)
                self._pending_seek = None
            if self._autoplay:
                self._autoplay = False
                self._media.play()
            elif self._media.hasVideo():
                # A stopped player shows no picture: pausing decodes the first frame (or the
                # one at the pending seek), so a video call is never a black box before Play.
                self._media.pause()
        elif status == Status.EndOfMedia:
            emit(self.finished)
        elif status == Status.InvalidMedia:
            self._fail("the file is damaged or in a format this computer cannot decode")

    def _on_error(self, _error, text: str) -> None:
        self._fail(text or "the media backend refused it")

    def _fail(self, why: str) -> None:
        if self._failed:
            return  # the first reason is the precise one; Qt follows an error with "invalid media"
        self._failed = True
        name = self._label or (self._path.name if self._path else "this recording")
        log.warning("cannot play %s: %s", self._path, why)
        self._set_ready(False)
        emit(self.problem, f"Cannot play {name}: {why}.")

    def _set_ready(self, ready: bool) -> None:
        if ready != self._ready:
            self._ready = ready
            emit(self.readyChanged, ready)

    # -- transport -----------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def label(self) -> str:
        return self._label

    def is_playing(self) -> bool:
        return self._media is not None and self._media.playbackState() == self._Playing

    def play(self) -> None:
        if self._ready and self._media is not None:
            self._media.play()
        else:
            self._autoplay = True  # play as soon as it has loaded

    def pause(self) -> None:
        self._autoplay = False
        if self._media is not None:
            self._media.pause()

    def toggle(self) -> None:
        self.pause() if self.is_playing() else self.play()

    def position(self) -> int:
        if self._pending_seek is not None:
            return self._pending_seek
        return self._media.position() if self._media is not None else 0

    def duration(self) -> int:
        return self._media.duration() if self._media is not None else 0

    def seek(self, ms: int) -> None:
        ms = max(0, int(ms))
        duration = self.duration()
        if duration > 0:
            ms = min(ms, duration)
        if not self._ready or self._media is None:
            self._pending_seek = ms
            return
        self._media.setPosition(ms)

    def skip(self, delta_ms: int) -> None:
        self.seek(self.position() + delta_ms)

    # -- speed and volume ------------------------------------------------------------------------
    @property
    def rate(self) -> float:
        return self._media.playbackRate() if self._media is not None else self._prefs.playback_rate

    def set_rate(self, rate: float) -> float:
        rate = clamp_rate(rate)
        if self._media is not None:
            self._media.setPlaybackRate(rate)
        self._prefs.playback_rate = rate
        emit(self.rateChanged, rate)
        return rate

    def faster(self) -> float:
        higher = [r for r in RATE_STEPS if r > self.rate + 1e-6]
        return self.set_rate(higher[0] if higher else MAX_RATE)

    def slower(self) -> float:
        lower = [r for r in RATE_STEPS if r < self.rate - 1e-6]
        return self.set_rate(lower[-1] if lower else MIN_RATE)

    @property
    def volume(self) -> int:
        return round(self._audio.volume() * 100) if self._media is not None else self._prefs.volume

    def set_volume(self, percent: int) -> None:
        percent = min(100, max(0, int(percent)))
        if self._media is not None:
            self._audio.setVolume(percent / 100)
        self._prefs.volume = percent
        emit(self.volumeChanged, percent)

    def sound_problem(self) -> str:
        if self._media is None:
            return ""  # not known yet: `start` says it
        from PySide6.QtMultimedia import QMediaDevices

        if QMediaDevices.defaultAudioOutput().isNull():
            return "No sound device found: calls play silently. Connect speakers or headphones."
        return ""

    def _follow_default_output(self) -> None:
        from PySide6.QtMultimedia import QMediaDevices

        self._audio.setDevice(QMediaDevices.defaultAudioOutput())
        emit(self.soundChanged, self.sound_problem())

    def set_video_output(self, widget: QWidget | None) -> None:
        self._video_output = widget
        if self._media is not None:
            self._media.setVideoOutput(widget)

    def has_video(self) -> bool:
        return self._media is not None and self._media.hasVideo()

    def shutdown(self) -> None:
        if self._media is not None:
            self._media.stop()
            self._media.setSource(QUrl())
