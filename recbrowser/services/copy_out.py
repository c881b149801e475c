"""`download --to DIR`: a copy of a cached recording in a folder the user chose.

Written under a temporary name, fsynced and renamed, so a file under the final name is
always complete; checked against the SHA-256 the store recorded on the way. A file already in
the folder is never replaced: an identical one (an earlier copy) is kept as it is, any other
one gets company (`call_2.wav`, `call_3.wav`...). Every failure is one sentence.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

from recbrowser.errors import DiskFull, UserFacingError
from recbrowser.private import private_open
from recbrowser.services.media_check import file_sha256

_FULL = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))


def prepare_folder(folder: Path) -> Path:
    """Create `folder` if needed; one sentence when it cannot be a folder."""
    try:
        if folder.exists() and not folder.is_dir():
            raise UserFacingError(f"{folder} is a file, not a folder: choose a folder for --to.")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _sentence(e, folder) from None
    return folder


def copy_to_folder(src: Path, folder: Path, size: int, sha256: str) -> tuple[Path, bool]:
    """(where the copy is, whether it was written now). `src` must hold `size` bytes hashing
    to `sha256` (the download just checked it; a change since is refused)."""
    name = src.name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    while True:
        candidate = folder / (name if n == 1 else f"{stem}_{n}{dot}{ext}")
        if not os.path.lexists(candidate):
            break
        if _same(candidate, size, sha256):
            return candidate, False  # written by an earlier `download --to`: nothing to do
        n += 1
    part = folder / f".{candidate.name}.{os.getpid()}.part"
    digest, copied = hashlib.sha256(), 0
    try:
        with open(src, "rb") as fin, private_open(part, "wb") as fout:
            for block in iter(lambda: fin.read(1 << 20), b""):
                digest.update(block)
                fout.write(block)
                copied += len(block)
            fout.flush()
            os.fsync(fout.fileno())
        if copied != size or digest.hexdigest() != sha256:
            raise UserFacingError(f"The cached {src.name} changed while it was copied: download it again.")
        _place(part, candidate)
    except OSError as e:
        raise _sentence(e, folder) from None
    finally:
        part.unlink(missing_ok=True)
    return candidate, True


def _place(part: Path, target: Path) -> None:
    """Rename `part` to `target` unless something appeared there meanwhile (never replaced)."""
    try:
        os.link(part, target)  # fails if target exists: no window in which a file could be replaced
    except FileExistsError:
        raise UserFacingError(f"{target} appeared while it was being written: run the download again.") from None
    except OSError:  # no hard links here (FAT, some network shares): check, then rename
        if os.path.lexists(target):
            raise UserFacingError(f"{target} appeared while it was being written: run the download again.") from None
        os.rename(part, target)


def _same(path: Path, size: int, sha256: str) -> bool:
    try:
        return path.is_file() and path.stat().st_size == size and file_sha256(path) == sha256
    except OSError:
        return False


def _sentence(e: OSError, where: Path) -> UserFacingError:
    if e.errno in _FULL:
        return DiskFull(f"The disk holding {where} is full: free some space and download again "
                        "(nothing half-written was left there).")
    if e.errno in (errno.ENOTDIR, errno.EEXIST):
        return UserFacingError(f"Cannot save into {where}: part of that path is a file, not a folder.")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UserFacingError(f"Cannot write to {where}: permission denied; choose a folder you can write to.")
    return UserFacingError(f"Cannot write to {where}: {e.strerror or e}.")
