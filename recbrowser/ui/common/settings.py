"""Two kinds of settings, kept apart: typed preferences the user chose, and UI state.

Preferences (speed, volume, follow-audio) are choices worth keeping across versions; UI state
(geometry, splitters, header layout) is disposable and may be reset without losing anything.
Both live in `settings.ini` under the data folder, so `--data-dir` moves them too.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

from recbrowser.private import private_file

MIN_RATE = 0.5
MAX_RATE = 2.0


def open_settings(path: Path) -> QSettings:
    # Made 0600 before Qt writes it: QSettings replaces the file keeping its mode, else the umask's.
    private_file(path)
    return QSettings(str(path), QSettings.Format.IniFormat)


def clamp_rate(rate: float) -> float:
    return round(min(MAX_RATE, max(MIN_RATE, float(rate))), 2)


class Preferences:
    def __init__(self, settings: QSettings) -> None:
        self._s = settings

    def _get(self, key: str, default, kind):
        value = self._s.value(f"preferences/{key}", default)
        try:
            return kind(value) if kind is not bool else value in (True, "true", "1", 1)
        except (TypeError, ValueError):
            return default  # a hand-edited or older settings file must not break start-up

    def _set(self, key: str, value) -> None:
        self._s.setValue(f"preferences/{key}", value)

    @property
    def playback_rate(self) -> float:
        return clamp_rate(self._get("playback_rate", 1.0, float))

    @playback_rate.setter
    def playback_rate(self, rate: float) -> None:
        self._set("playback_rate", clamp_rate(rate))

    @property
    def volume(self) -> int:
        return min(100, max(0, self._get("volume", 80, int)))

    @volume.setter
    def volume(self, value: int) -> None:
        self._set("volume", min(100, max(0, int(value))))

    @property
    def follow_audio(self) -> bool:
        return self._get("follow_audio", True, bool)

    @follow_audio.setter
    def follow_audio(self, value: bool) -> None:
        self._set("follow_audio", bool(value))


    @property
    def auto_sync_minutes(self) -> int:
        """Sync every account this often while the window is open (0: only on demand)."""
        return max(0, self._get("auto_sync_minutes", 30, int))

    @auto_sync_minutes.setter
    def auto_sync_minutes(self, minutes: int) -> None:
        self._set("auto_sync_minutes", max(0, int(minutes)))


class UiState:
    def __init__(self, settings: QSettings) -> None:
        self._s = settings

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._s.value(f"ui/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_window(self, window: QMainWindow) -> None:
        self._s.setValue("ui/geometry", window.saveGeometry())
        self._s.setValue("ui/window_state", window.saveState())

    def restore_window(self, window: QMainWindow) -> bool:
        geometry = self._bytes("geometry")
        if geometry is None:
            return False
        window.restoreGeometry(geometry)
        state = self._bytes("window_state")
        if state is not None:
            window.restoreState(state)
        return True

    def save_splitter(self, name: str, splitter: QSplitter) -> None:
        self._s.setValue(f"ui/splitter_{name}", splitter.saveState())

    def restore_splitter(self, name: str, splitter: QSplitter) -> None:
        state = self._bytes(f"splitter_{name}")
        if state is not None:
            splitter.restoreState(state)

    def save_header(self, name: str, header: QHeaderView) -> None:
        # saveState covers column order, widths, hidden columns and the sort indicator.
        self._s.setValue(f"ui/header_{name}", header.saveState())

    def restore_header(self, name: str, header: QHeaderView) -> bool:
        state = self._bytes(f"header_{name}")
        return header.restoreState(state) if state is not None else False

    def save_columns(self, name: str, shown: list[str]) -> None:
        """The optional columns shown, by name: apart from the header state, which would show
        every column added since it was saved."""
        self._s.setValue(f"ui/columns_{name}", ",".join(shown))

    def columns(self, name: str) -> list[str]:
        value = self._s.value(f"ui/columns_{name}")
        return [c for c in value.split(",") if c] if isinstance(value, str) else []

    def sync(self) -> None:
        self._s.sync()
