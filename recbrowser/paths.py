"""Where recbrowser keeps its files. `--data-dir` / RECBROWSER_DATA_DIR move all of them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "recbrowser"


@dataclass(frozen=True)
class DataDir:
    """The folders recbrowser keeps its files in (the logs may live outside `root`). With `team`
    (`--team NAME`), the database is that team archive ("team:NAME", see recbrowser/team/opener.py);
    the media cache, settings and logs stay here."""

    root: Path
    logs: Path
    team: str | None = None

    @property
    def database(self) -> Path:
        # A Path like every cache location; recbrowser.store.opener reads its "team:" scheme.
        return Path(f"team:{self.team}") if self.team else self.root / "recbrowser.sqlite3"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def peaks(self) -> Path:
        """Waveform peaks of downloaded recordings, by their SHA-256 (services/waveform.py)."""
        return self.root / "peaks"

    @property
    def settings(self) -> Path:
        return self.root / "settings.ini"

    @property
    def cache(self) -> Path:
        """Things kept only to start faster (drawn icons): safe to delete at any time."""
        return self.root / "cache"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> DataDir:
    chosen = explicit or os.environ.get("RECBROWSER_DATA_DIR")
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return DataDir(root=root, logs=root / "logs")
    return DataDir(root=Path(platformdirs.user_data_dir(APP)), logs=Path(platformdirs.user_log_dir(APP)))


def ensure(d: DataDir) -> DataDir:
    # 0700, also when the folder existed: the cache holds call metadata, transcripts and
    # recordings, which are personal data.
    from recbrowser.private import private_dir

    for folder in (d.root, d.logs, d.media):
        private_dir(folder)
    return d
