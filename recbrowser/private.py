"""Files only the user can read: recordings, logs and exports in progress are 0600 in 0700
folders, whatever the umask and whether a folder existed before (an older version, or the
user, may have made it 0755). Recordings and transcripts are personal data: another account
on the same computer must not be able to play or read them.

On Windows the modes are ignored (a user's profile folders are private there already).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("recbrowser.private")

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if needed, 0700; an existing one loses group and other access."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _restrict(path)
    return path


def new_dirs_private(path: Path) -> Path:
    """Create the folders missing on the way to `path` 0700; folders that exist are left as they
    are (a folder the user chose, such as ~/Pictures, is theirs to share or not)."""
    missing, up = [], path
    while not up.exists() and up.parent != up:
        missing.append(up)
        up = up.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        _restrict(folder)
    return path


def private_file(path: Path) -> Path:
    """An existing file made 0600, a missing one created empty and 0600, in a 0700 folder: for a
    file another library writes afterwards in place or through a replacement that keeps the
    mode (QSettings' QSaveFile does)."""
    private_dir(path.parent)
    with private_open(path, "ab"):
        pass
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` 0600 under a hidden temporary name, then rename: never readable by
    others, never half-written. Missing folders on the way are created 0700."""
    new_dirs_private(path.parent)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with private_open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def make_private(path: Path) -> None:
    """An existing file loses group and other access (one an older version wrote 0644)."""
    _restrict(path)


def _restrict(path: Path) -> None:
    # Only takes access away: a folder its owner made read-only (0500) stays read-only.
    if os.name != "posix":
        return
    try:
        st_mode = os.stat(path).st_mode
        if st_mode & stat.S_ISVTX:  # a shared folder such as /tmp: 0700 would lock every other user out of it
            log.info("not making %s private: it is a shared folder (sticky bit)", path)
            return
        mode = st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        pass
    except PermissionError:  # not ours (a shared folder): leave it; logged, never printed (read commands still work)
        log.info("cannot make %s private: it belongs to another user", path)


def opener(path: str | os.PathLike[str], flags: int) -> int:
    """For open(..., opener=opener): a new file is created 0600, an existing one made 0600."""
    fd = os.open(path, flags, FILE_MODE)
    if os.name == "posix":
        os.fchmod(fd, FILE_MODE)
    return fd


def private_open(path: str | os.PathLike[str], mode: str = "wb", **kw: Any) -> IO[Any]:
    """open() for a file recbrowser writes: created 0600, never readable by others meanwhile."""
    return open(path, mode, opener=opener, **kw)  # noqa: SIM115 - the caller closes it
