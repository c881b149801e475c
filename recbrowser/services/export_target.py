"""Where an export is written: a folder or a ZIP, built under a temporary name and renamed.

Files are written into `<dest>.partial/` (a folder) with the resume journal. When every call is
done, a folder export renames that folder to `<dest>`. A ZIP export streams each finished call's
files into `<dest>.partial/.archive.zip.part` as it goes (ZIP64, one file at a time, never the
whole archive in memory, compressed on its own thread), and when all are in, fsyncs it and
renames it to `<dest>`. A sibling `<dest>.lock` (an OS lock, released even when the process is killed)
keeps two exports from writing the same place at once.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import queue
import shutil
import threading
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from recbrowser.errors import DiskFull, UserFacingError
from recbrowser.private import private_dir, private_open
from recbrowser.services.export_manifest import JOURNAL

ARCHIVE_PART = ".archive.zip.part"  # the ZIP being built, inside the staging folder
_STORED = {".mp3", ".webm", ".ogg", ".opus", ".m4a", ".zip"}  # already compressed: deflate wastes CPU


class ExportDiskFull(DiskFull):
    pass


def disk_full(where: Path) -> ExportDiskFull:
    return ExportDiskFull(
        f"The disk holding {where} is full: free some space and run the same export again to finish it "
        "(the files written so far are kept and checked)."
    )


def os_error(e: OSError, where: Path) -> UserFacingError:
    """One clear sentence for a file-system error at the destination."""
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return disk_full(where)
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UserFacingError(f"Cannot write to {where}: permission denied; choose a folder you can write to.")
    if e.errno in (errno.ENOTDIR, errno.EEXIST):
        return UserFacingError(f"Cannot export to {where}: part of that path is a file, not a folder.")
    return UserFacingError(f"Cannot write to {where}: {e.strerror or e}.")


def _lock(handle: IO[bytes]) -> bool:
    try:
        import fcntl

        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True


class ExportTarget:
    def __init__(self, dest: Path) -> None:
        self.dest = dest.expanduser().absolute()
        self.is_zip = self.dest.suffix.lower() == ".zip"
        self.staging = self.dest.with_name(self.dest.name + ".partial")
        self.lock_path = self.dest.with_name(self.dest.name + ".lock")
        self._lock_handle: IO[bytes] | None = None
        self._archive: _Archive | None = None
        self.unpacked = False  # this run started from a finished ZIP at dest (not from a journal)

    def open(self, settings: dict[str, Any]) -> None:
        """Take the lock and prepare `staging`, carrying over a finished export found at `dest`.

        An export with other settings already there is refused before anything is touched."""
        try:
            self.dest.parent.mkdir(parents=True, exist_ok=True)
            self._lock_handle = open(self.lock_path, "ab")  # noqa: SIM115 - held until release()
        except OSError as e:
            raise os_error(e, self.dest) from None
        if not _lock(self._lock_handle):
            self._lock_handle.close()
            self._lock_handle = None
            raise UserFacingError(f"Another export is writing to {self.dest} right now: wait for it to finish, or choose another destination.")
        try:
            self._refuse_other_settings(settings)
            self._prepare()
        except OSError as e:
            self._give_up()
            raise os_error(e, self.dest) from None
        except BaseException:
            self._give_up()
            raise

    def _give_up(self) -> None:
        if self.staging.exists():
            self.release()
        else:
            self.release_and_tidy()

    def _previous_settings(self) -> dict[str, Any] | None:
        journal = self.staging / JOURNAL
        try:
            if journal.is_file():
                with open(journal, encoding="utf-8") as f:
                    return json.loads(f.readline()).get("settings")
            if self.is_zip and self.dest.is_file():
                with zipfile.ZipFile(self.dest) as zf:
                    return json.loads(zf.read("manifest.json")).get("export")
            if self.dest.is_dir() and (self.dest / "manifest.json").is_file():
                return json.loads((self.dest / "manifest.json").read_text(encoding="utf-8")).get("export")
        except (ValueError, KeyError, zipfile.BadZipFile):
            if self.is_zip and self.dest.is_file():
                raise UserFacingError(f"{self.dest} exists and is not a recbrowser export: choose another file name.") from None
        return None

    def _refuse_other_settings(self, settings: dict[str, Any]) -> None:
        old = self._previous_settings()
        if old is None:
            return
        before = {"redact_pii": [], **old}  # exports made before redaction existed masked nothing
        if {k: v for k, v in before.items() if k != "tool"} != {k: v for k, v in settings.items() if k != "tool"}:
            raise UserFacingError(
                f"{self.dest} holds an export with other settings (audio {old.get('audio')}, transcripts "
                f"{','.join(old.get('transcripts', [])) or 'none'}, names {old.get('template')}, "
                f"masked {', '.join(before['redact_pii']) or 'nothing'}): choose another destination."
            )

    def _prepare(self) -> None:
        if self.is_zip:
            if self.dest.is_dir():
                raise UserFacingError(f"{self.dest} is a folder: name the ZIP file differently.")
            private_dir(self.staging)
            if self.dest.is_file() and not (self.staging / JOURNAL).exists():
                self._unpack_finished_zip()
                self.unpacked = True
            return
        if self.dest.exists() and not self.dest.is_dir():
            raise UserFacingError(f"{self.dest} is a file, not a folder: choose a folder (or a name ending in .zip).")
        if self.dest.is_dir():
            if not any(self.dest.iterdir()):
                self.dest.rmdir()
            elif not (self.dest / "manifest.json").is_file():
                raise UserFacingError(
                    f"{self.dest} already holds files that are not a recbrowser export: choose an empty or new folder."
                )
            elif self.staging.exists():
                raise UserFacingError(f"Both {self.dest} and {self.staging} exist: remove the one you do not need.")
            else:
                os.rename(self.dest, self.staging)  # continue a finished export: checked and extended in place
        private_dir(self.staging)  # 0700: no one else reads the recordings while they are written

    def _unpack_finished_zip(self) -> None:
        """Re-running into a finished ZIP: its verified entries count as done, the rest is redone."""
        try:
            with zipfile.ZipFile(self.dest) as zf:
                doc = json.loads(zf.read("manifest.json"))
                for row in doc.get("calls", []):
                    for f in row.get("files", []):
                        out = self.staging / f["name"]
                        with zf.open(f["name"]) as src, private_open(out, "wb") as dst:
                            shutil.copyfileobj(src, dst, 1 << 20)
                        # The entry keeps its date in the new archive: a file not written again is not newer.
                        stamp = datetime(*zf.getinfo(f["name"]).date_time).timestamp()
                        os.utime(out, (stamp, stamp))
                for name in ("manifest.json", "manifest.csv"):
                    (self.staging / name).write_bytes(zf.read(name))
        except (zipfile.BadZipFile, KeyError, ValueError):
            raise UserFacingError(f"{self.dest} exists and is not a recbrowser export: choose another file name.") from None

    def clean_stray(self, names: set[str]) -> None:
        """Remove `.part` files and the given half-written files of an interrupted run."""
        for p in self.staging.iterdir():
            if p.name == ARCHIVE_PART and self._archive is not None:
                continue  # this run's archive, being built
            if p.name.endswith(".part") or p.name in names:
                p.unlink(missing_ok=True)

    def add_to_archive(self, names: list[str]) -> None:
        """Files of a finished call: a ZIP export compresses them into the archive now, on its own
        thread, while the next calls convert (deflating WAV is as slow as encoding it)."""
        if not self.is_zip:
            return
        if self._archive is None:
            self._archive = _Archive(self.staging / ARCHIVE_PART, self.staging)
        self._archive.add(names)

    def finish(self, keep: set[str], changed: bool = True) -> Path:
        """Make the export visible at `dest`; only `keep` (and the manifest) end up in it.

        `changed` False: no file differs from the finished ZIP this run started from, which then
        stays as it was (not even rebuilt: its checksum and date do not change)."""
        (self.staging / JOURNAL).unlink(missing_ok=True)
        try:
            if self.is_zip and self.unpacked and not changed:
                self.drop_archive()
                shutil.rmtree(self.staging)
            elif self.is_zip:
                self.add_to_archive(sorted(keep))  # what an earlier run finished; names already in are skipped
                archive, self._archive = self._archive, None
                assert archive is not None
                archive.add(["manifest.csv", "manifest.json"])
                archive.close()
                os.replace(archive.part, self.dest)
                _fsync_dir(self.dest.parent)
                shutil.rmtree(self.staging)
            else:
                os.rename(self.staging, self.dest)
                _fsync_dir(self.dest.parent)
        except OSError as e:
            self.drop_archive()
            raise os_error(e, self.dest) from None
        return self.dest

    def drop_archive(self) -> None:
        """A failed or cancelled export: the half-built archive goes (its files stay in staging)."""
        if self._archive is not None:
            self._archive.abort()
            self._archive = None

    def inherited_fds(self) -> tuple[int, ...]:
        return (self._lock_handle.fileno(),) if self._lock_handle is not None else ()

    def release(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def release_and_tidy(self) -> None:
        """After success: the lock file goes too (a waiting export then finds the finished one)."""
        self.lock_path.unlink(missing_ok=True)
        self.release()


class _Archive:
    """A ZIP (ZIP64, streamed, one file at a time) built on a thread: zlib and crc32 let go of
    the GIL, so compressing overlaps the export's other work. A write error (a full disk) is
    raised at the next add() or at close()."""

    def __init__(self, part: Path, staging: Path) -> None:
        self.part, self.staging = part, staging
        self._raw = private_open(part, "wb")  # closed by close() or abort()
        self._zip = zipfile.ZipFile(self._raw, "w", allowZip64=True)
        self._queue: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        self._queued: set[str] = set()
        self._error: BaseException | None = None
        self._dropped = False
        self._thread = threading.Thread(target=self._run, name="export-zip", daemon=True)
        self._thread.start()

    def add(self, names: list[str]) -> None:
        if self._error is not None:
            raise self._error
        fresh = [n for n in names if n not in self._queued]
        self._queued.update(fresh)
        if fresh:
            self._queue.put(fresh)

    def _run(self) -> None:
        while (names := self._queue.get()) is not None:
            if self._error is not None or self._dropped:
                continue
            try:
                for name in names:
                    self._write(name)
            except BaseException as e:  # handed to the export's thread
                self._error = e

    def _write(self, name: str) -> None:
        src = self.staging / name
        info = zipfile.ZipInfo.from_file(src, name)
        info.compress_type = zipfile.ZIP_STORED if src.suffix.lower() in _STORED else zipfile.ZIP_DEFLATED
        with open(src, "rb") as fin, self._zip.open(info, "w", force_zip64=True) as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)

    def _stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def close(self) -> None:
        self._stop()
        try:
            if self._error is not None:
                raise self._error
            self._zip.close()
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()
        except BaseException:
            self.abort()  # never a half-written archive under any name that looks final
            raise

    def abort(self) -> None:
        self._dropped = True  # what is still queued is not compressed for nothing
        if self._thread.is_alive():
            self._stop()
        with contextlib.suppress(OSError, ValueError):
            self._zip.close()
        with contextlib.suppress(OSError):
            self._raw.close()
        self.part.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
