"""Bulk export: calls -> a folder or ZIP of recordings, transcripts and a manifest.

Headless (the CLI and the window share it). Recordings missing from the media cache are
downloaded first; conversions run in a process pool while the next calls are prepared. Every
file is written as `.part` and renamed; the journal (export_manifest) makes a re-run after a
crash, a Ctrl-C or a full disk finish the rest and re-check what is already there. Calls already
there keep their audio; their rows and transcripts follow the notes and tags as they are now.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recbrowser.domain import Account, Call, parse_call_ref
from recbrowser.errors import LinkExpired, NotFound, UserFacingError
from recbrowser.providers.base import Provider
from recbrowser.services import audit, media_check, transcript_formats
from recbrowser.services.audio_convert import AudioUnreadable, EncodeFailed, conversion_pool, convert
from recbrowser.services.downloads import DownloadCancelled, download_call
from recbrowser.services.export_manifest import (
    Journal,
    call_metadata,
    copy_checked,
    holds,
    local_data,
    verify_row,
    write_file,
    write_manifest,
)
from recbrowser.services.export_names import call_fields, check_template, render_stem, unique_stem
from recbrowser.services.export_options import AUDIO_CHOICES, ExportOptions, ExportProgress, ExportSummary, Outcome
from recbrowser.services.export_prefetch import AHEAD, Prefetcher
from recbrowser.services.export_privacy import CallPrivacy
from recbrowser.services.export_select import select_calls
from recbrowser.services.export_target import ExportTarget, disk_full, os_error
from recbrowser.store import MediaFile
from recbrowser.team.media_cache import desktop_copies

if TYPE_CHECKING:
    from recbrowser.services.export_options import CancelToken
    from recbrowser.store.api import CallStore

__all__ = ["ExportOptions", "ExportProgress", "ExportSummary", "Outcome", "run_export", "select_calls"]

_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


class _CallFailed(Exception):
    pass


@dataclass
class _Pending:
    row: dict[str, Any]
    names: list[str]
    waiting: int = 0
    error: str = ""
    bytes: int = 0


def run_export(
    store: CallStore,
    refs: list[str],
    dest: Path,
    options: ExportOptions,
    *,
    media_root: Path,
    open_provider: Callable[[Account], Provider] | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    cancelled: Callable[[], bool] | CancelToken | None = None,
) -> ExportSummary:
    """Export `refs` (ACCOUNT/CALL_ID) to `dest` (a folder, or a file ending in .zip)."""
    if options.audio not in AUDIO_CHOICES:
        raise UserFacingError(f"Audio must be one of {', '.join(AUDIO_CHOICES)}, not {options.audio!r}.")
    bad = [t for t in options.transcripts if t not in transcript_formats.FORMATS]
    if bad:
        raise UserFacingError(f"Unknown transcript format {bad[0]!r}; choose from {', '.join(transcript_formats.FORMATS)}.")
    check_template(options.template)
    if not refs:
        raise UserFacingError("No calls to export: nothing matched the selection.")
    stop = cancelled.is_set if hasattr(cancelled, "is_set") else (cancelled or (lambda: False))
    target = ExportTarget(Path(dest))
    target.open(options.settings())
    try:
        job = _Job(store, refs, target, options, media_root, open_provider, progress, stop)  # type: ignore[arg-type]
        summary = job.run()
    finally:
        target.release()
    if summary.exported:
        audit.record(store, audit.EXPORTED, [parse_call_ref(o.ref) for o in summary.exported], str(summary.location or dest))
    return summary


class _Job:
    def __init__(self, store, refs, target: ExportTarget, options: ExportOptions, media_root: Path,
                 open_provider, progress, stop: Callable[[], bool]) -> None:
        self.store, self.refs, self.target, self.opt = store, list(dict.fromkeys(refs)), target, options
        self.media_root, self.open_provider, self.report, self.stop = media_root, open_provider, progress, stop
        self.folder = target.staging
        self.settings = options.settings()
        self.journal = Journal(self.folder)
        self.summary = ExportSummary(location=None)
        self.rows: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, _Pending] = {}
        self.futures: dict[Future, tuple[str, str]] = {}
        self.providers: dict[str, Provider] = {}
        self.taken: set[str] = set()
        self.calls_done = self.bytes_done = self.bytes_total = 0
        self.estimated: dict[str, int] = {}  # ref -> its part of bytes_total until its real size is known
        self.started = time.monotonic()
        self.pool = None
        self.prefetch = Prefetcher(store.location, media_root, stop)
        self.ahead: dict[str, Call | None] = {}  # calls read for download-ahead, used once
        self.rewrote = False  # a transcript of an earlier run's call was written again
        self.superseded: dict[str, set[str]] = {}  # ref -> files of its earlier export, exported again now

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> ExportSummary:
        self.journal.load()
        try:
            self.target.clean_stray({n for n in self.journal.writing if not self._kept(n)})
            self.journal.open(self.settings)
            self.taken.update(row["stem"].lower() for row in self.journal.rows.values() if row.get("stem"))
            self.estimated = {r: self._source_size(r) for r in self.refs}
            self.bytes_total = sum(self.estimated.values())
            for i, ref in enumerate(self.refs):
                if self.stop():
                    return self._cancel()
                self._download_ahead(self.refs[i + 1 : i + 1 + AHEAD])
                self._export_one(ref)
                self._collect(block=len(self.futures) >= 2 * (self.opt.workers or os.cpu_count() or 1))
            while self.futures:
                if self.stop():
                    return self._cancel()
                self._collect(block=True)
            return self._finish()
        except OSError as e:
            self._abort()
            raise os_error(e, self.target.dest) from None
        except BaseException:
            self._abort()
            raise
        finally:
            for p in self.providers.values():
                if p is not None:  # a team archive's media need no provider
                    p.close()

    def _kept(self, name: str) -> bool:
        return any(name == f["name"] for row in self.journal.rows.values() for f in row.get("files", []))

    def _source_size(self, ref: str) -> int:
        """The bytes a call's recordings will take: the cached files' sizes where they are in
        the media cache, else what the provider declared (Bandwidth, Dialgen and Wildix declare
        nothing: 0, corrected as each call is done)."""
        call = self._call(ref)
        if call is None:
            return 0
        account = parse_call_ref(ref)[0]
        cached = {m.recording_provider_id: m.size for m in self.store.media_for_call(account, call.provider_id)}
        return sum(cached.get(r.provider_id) or r.size or 0 for r in call.recordings)

    def _call(self, ref: str) -> Call | None:
        try:
            account, pid = parse_call_ref(ref)
        except ValueError:
            return None
        return self.store.get_call(account, pid)

    def _download_ahead(self, refs: list[str]) -> None:
        if self.open_provider is None:
            return
        for ref in refs:
            if ref in self.ahead or ref in self.journal.rows:
                continue  # scheduled already, or (most likely) exported by an earlier run
            call = self.ahead[ref] = self._call(ref)
            account = self.store.account(parse_call_ref(ref)[0]) if call else None
            if call is None or account is None or not self._missing(call, account):
                continue
            with contextlib.suppress(UserFacingError):  # e.g. no keyring: reported for that call in turn
                self.prefetch.schedule(ref, account, self._provider(account), call)

    def _local_media(self, account_name: str, call: Call) -> dict[str, MediaFile]:
        """The call's recordings whose file is in this desktop's media cache, by recording id."""
        here = desktop_copies(self.store, self.media_root, account_name, call)
        return {m.recording_provider_id: m for m in here if Path(m.path).is_file()}

    def _missing(self, call: Call, account: Account) -> bool:
        have = self._local_media(account.name, call)
        now = time.time() * 1000
        return any(r.provider_id not in have and not (r.expires_ms is not None and r.expires_ms < now)
                   for r in call.recordings)

    def _provider(self, account: Account) -> Provider:
        assert self.open_provider is not None
        if account.name not in self.providers:
            self.providers[account.name] = self.open_provider(account)
        return self.providers[account.name]

    def _export_one(self, ref: str) -> None:
        call = self.ahead.pop(ref) if ref in self.ahead else self._call(ref)
        if call is None:
            self._fail_row(ref, {"ref": ref}, "it is not in the local cache (sync first, or check the reference)")
            return
        account_name = parse_call_ref(ref)[0]
        account = self.store.account(account_name)
        privacy = CallPrivacy(call, pii=self.opt.redact_pii, call_numbers=self.opt.redact_call_numbers)
        provider_name = account.provider if account else ""
        done = self.journal.rows.get(ref)
        if (done is not None and done.get("export_status") == "exported" and verify_row(self.folder, done, kind="audio")
                and self._refresh(ref, call, account_name, provider_name, privacy, done)):
            return
        if done is not None and done.get("stem"):  # there but damaged or failed: written again, same name
            self.journal.forget(ref)
            stem = done["stem"]
        else:
            fields = privacy.fields(call_fields(call, account_name, provider_name, self.opt.tz))
            stem = unique_stem(render_stem(self.opt.template, fields, fallback=call.provider_id), self.taken)
            self.taken.add(stem.lower())
        row = self._row(call, account_name, provider_name, privacy, stem)
        pend = _Pending(row, [])
        try:
            self._transcripts(call, privacy, row, pend)
            self._audio(call, account, row, pend)
        except _CallFailed as e:
            pend.error = str(e)
        self.pending[ref] = pend
        if pend.waiting == 0:
            self._settle(ref)

    def _row(self, call: Call, account_name: str, provider_name: str, privacy: CallPrivacy, stem: str,
             audio_note: str = "") -> dict[str, Any]:
        row = {**call_metadata(call, account_name, provider_name, self.opt.tz),
               **local_data(self.store, account_name, call.provider_id), "stem": stem,
               "export_status": "exported", "export_reason": "", "audio_note": audio_note, "transcript_note": "",
               "files": []}
        return privacy.row(row)

    def _refresh(self, ref: str, call: Call, account_name: str, provider_name: str, privacy: CallPrivacy,
                 done: dict[str, Any]) -> bool:
        """An earlier run's call whose audio checked out: the audio stays as it is, while the row and
        the transcripts are made again from the cache as it is now (notes and tags edited since, a
        transcript that arrived later). A transcript file is rewritten (atomically) only if its text
        changed or it was damaged; an unchanged call touches no file. False: export it again."""
        why: list[str] = []
        if self._new_recordings(call, account_name, done):
            # A recording that came after that export: the call is exported again once every
            # recording is in the media cache. If one cannot be fetched now, the earlier export
            # stays as it was (below) and the summary says why.
            missing = self._fetch_new(call, account_name)
            if missing is None:
                self.superseded[ref] = {f["name"] for f in done["files"]}
                return False
            why.append(f"a newer recording was not added ({missing})")
        # A transcript the cache no longer has is kept as exported, if it is intact.
        kept = [f for f in done["files"] if f.get("kind") != "audio"] if not call.segments else []
        if not verify_row(self.folder, {"files": kept}):
            return False
        row = self._row(call, account_name, provider_name, privacy, done["stem"], done.get("audio_note", ""))
        self._transcripts(call, privacy, row, _Pending(row, []))
        if kept:
            row["files"] += kept
            row["transcript_note"] = done.get("transcript_note", "")
        row["files"] += [f for f in done["files"] if f.get("kind") == "audio"]
        reason = "already exported; files checked"
        if row != done:
            self.journal.finished(row)
            why.append("notes, tags or details changed since the last export")
            reason += "; its manifest row brought up to date"
        if why:
            self.summary.updated.append(Outcome(ref, "; ".join(why)))
        self.rows[ref] = row
        self.target.add_to_archive([f["name"] for f in row["files"]])
        self.summary.skipped.append(Outcome(ref, reason))
        self._advance(self.estimated.get(ref, 0), ref)
        return True

    def _fetch_new(self, call: Call, account_name: str) -> str | None:
        """Download what the call's recordings lack in the media cache: None when all are there
        now, else why not."""
        scratch: dict[str, Any] = {}
        try:
            if self._media(call, self.store.account(account_name), scratch) is None:
                return scratch.get("audio_note") or "the provider no longer has it"
        except _CallFailed as e:
            return str(e)
        return None

    def _new_recordings(self, call: Call, account_name: str, done: dict[str, Any]) -> bool:
        """Whether the call has a recording its earlier export has no file for (the provider
        added it later, or it was still processing), that can still be had: in the media cache,
        or not yet expired at the provider."""
        exported = {f.get("recording_id") for f in done["files"] if f.get("kind") == "audio"}
        fresh = [r for r in call.recordings if r.provider_id not in exported]
        if not fresh:
            return False
        local = self._local_media(account_name, call)
        now = time.time() * 1000
        return any(r.provider_id in local or r.expires_ms is None or r.expires_ms >= now for r in fresh)

    # -- transcripts ------------------------------------------------------------------------------
    def _transcripts(self, call: Call, privacy: CallPrivacy, row: dict[str, Any], pend: _Pending) -> None:
        segments = privacy.segments(call.segments or [])
        if not self.opt.transcripts:
            return
        if not segments:
            row["transcript_note"] = "no transcript" if call.transcript_status != "available" else "transcript is empty"
            return
        header = [f"Call {row['ref']}", f"Start: {row['start']}", f"From: {privacy.party(call.from_party).label()}",
                  f"To: {privacy.party(call.to_party).label()}", f"Direction: {call.direction}"]
        meta = {"ref": row["ref"], "start": row["start"], "summary": row["summary"], "tags": row["tags"],
                "notes": row["notes"]}
        made = [(fmt, f"{row['stem']}.{fmt}", transcript_formats.render(fmt, segments, header=header, meta=meta).encode("utf-8"))
                for fmt in self.opt.transcripts]
        # A re-run writes (and journals) only what changed: an unchanged call costs no write, no fsync.
        changed = [name for _, name, data in made if not holds(self.folder / name, data)]
        if changed:
            self.journal.started(changed)
        for fmt, name, data in made:
            if name in changed:
                write_file(self.folder / name, data)
                self.rewrote = True
            row["files"].append({"name": name, "kind": "transcript", "format": fmt, "size": len(data),
                                 "sha256": hashlib.sha256(data).hexdigest()})
            pend.names.append(name)

    # -- audio ------------------------------------------------------------------------------------
    def _audio(self, call: Call, account: Account | None, row: dict[str, Any], pend: _Pending) -> None:
        if not call.recordings:
            row["audio_note"] = f"no audio: {call.audio_reason or 'the provider reports no recording'}"
            return
        media = self._media(call, account, row)
        if media is None:
            return
        for i, rec in enumerate(call.recordings):
            m = media[rec.provider_id]
            src = Path(m.path)
            src_fmt = (rec.format or src.suffix.lstrip(".")).lower()
            ext = (src_fmt or "bin") if self.opt.audio == "original" else self.opt.audio
            suffix = f"_{i + 1}" if len(call.recordings) > 1 else ""
            name = f"{row['stem']}{suffix}.{ext}"
            self.journal.started([name])
            pend.names.append(name)
            entry = {"name": name, "kind": "audio", "format": ext, "recording_id": rec.provider_id}
            row["files"].append(entry)
            if self.opt.audio == "original":
                copied = copy_checked(src, self.folder / name, m.size, m.sha256)
                if copied is None:
                    raise _CallFailed("its cached recording is damaged (checksum mismatch): download it again")
                size, sha = copied
                entry.update(size=size, sha256=sha, duration_ms=rec.duration_ms)
                pend.bytes += m.size
                continue
            if self.pool is None:
                self.pool = conversion_pool(self.opt.workers, close_fds=self.target.inherited_fds())
            fut = self.pool.submit(convert, str(src), src_fmt, str(self.folder / name), self.opt.audio)
            self.futures[fut] = (row["ref"], name)
            pend.waiting += 1
            pend.bytes += m.size

    def _media(self, call: Call, account: Account | None, row: dict[str, Any]) -> dict[str, MediaFile] | None:
        """The cached files of every recording, downloading what is missing; None: transcript only."""
        def cached() -> dict[str, MediaFile]:
            return self._local_media(account.name, call) if account else {}

        have = cached()
        # A cached file that no longer matches its SHA-256 is fetched again (download_call replaces it).
        missing = [r for r in call.recordings if r.provider_id not in have or not media_check.intact(have[r.provider_id])]
        if not missing:
            return have
        now = time.time() * 1000
        if all(r.expires_ms is not None and r.expires_ms < now for r in missing):
            row["audio_note"] = "no audio: the recording expired at the provider before it was downloaded"
            return None
        if account is None or self.open_provider is None:
            raise _CallFailed("its recording is not in the media cache and no provider connection is available")
        try:
            ahead = self.prefetch.take(f"{account.name}/{call.provider_id}")
            if ahead is not None:
                ahead.result()
            if ahead is None or any(r.provider_id not in cached() for r in missing):
                download_call(self.store, account, self._provider(account), call, self.media_root,
                              progress=lambda p: self._emit(p.file_name, extra=p.done), cancelled=self.stop)
        except NotFound as e:  # only the provider saying so makes a recording gone
            row["audio_note"] = getattr(e, "audio_note", f"no audio: the provider no longer has the recording ({e})")
            return None
        except LinkExpired as e:  # a fresh link was refused too: an auth or link problem, not a loss
            raise _CallFailed(f"its recording could not be downloaded: {e}") from None
        except DownloadCancelled:
            raise _CallFailed("cancelled during the download") from None
        except UserFacingError as e:
            raise _CallFailed(f"its recording could not be downloaded: {e}") from None
        have = cached()
        if any(r.provider_id not in have for r in call.recordings):
            raise _CallFailed("its recording could not be downloaded")
        return have

    # -- completion -------------------------------------------------------------------------------
    def _collect(self, block: bool) -> None:
        # Here, not at the top (multiprocessing, ~14 ms of the window's start-up): the pool exists by now.
        from concurrent.futures.process import BrokenProcessPool

        if not self.futures:
            return
        done, _ = wait(list(self.futures), timeout=0.2 if block else 0, return_when=FIRST_COMPLETED)
        for fut in done:
            ref, name = self.futures.pop(fut)
            pend = self.pending[ref]
            pend.waiting -= 1
            try:
                size, sha, duration_ms = fut.result()
                entry = next(f for f in pend.row["files"] if f["name"] == name)
                entry.update(size=size, sha256=sha, duration_ms=duration_ms)
            except AudioUnreadable as e:
                pend.error = pend.error or f"its recording cannot be decoded: {e}"
            except EncodeFailed as e:
                pend.error = pend.error or f"its recording could not be converted: {e}"
            except OSError as e:
                if e.errno in _FULL:
                    raise disk_full(self.target.dest) from None
                pend.error = pend.error or f"its recording could not be converted: {e.strerror or e}"
            except BrokenProcessPool:
                raise UserFacingError("An audio conversion process stopped unexpectedly: run the export again.") from None
            if pend.waiting == 0:
                self._settle(ref)

    def _settle(self, ref: str) -> None:
        pend = self.pending.pop(ref)
        if pend.error:
            for name in pend.names:
                (self.folder / name).unlink(missing_ok=True)  # nothing of a failed call stays behind
            self._fail_row(ref, pend.row, pend.error)
        else:
            self.journal.finished(pend.row)
            self.target.add_to_archive([f["name"] for f in pend.row["files"]])
            self.rows[ref] = pend.row
            self.summary.exported.append(Outcome(ref, pend.row["audio_note"]))
        self._advance(pend.bytes, ref)

    def _fail_row(self, ref: str, row: dict[str, Any], reason: str) -> None:
        self.rows[ref] = {**row, "export_status": "failed", "export_reason": reason, "files": []}
        self.summary.failed.append(Outcome(ref, reason))
        if "start" not in row:
            self._advance(0, ref)

    def _advance(self, nbytes: int, ref: str) -> None:
        self.calls_done += 1
        self.bytes_done += nbytes
        # The total counted this call at its estimate: now it is known, so "of N" stays true.
        self.bytes_total += nbytes - self.estimated.pop(ref, 0)
        self._emit(ref)

    def _emit(self, current: str, extra: int = 0) -> None:
        if self.report:
            done = self.bytes_done + extra  # a download under way may pass a size nobody declared
            self.report(ExportProgress(self.calls_done, len(self.refs), done, max(done, self.bytes_total),
                                       time.monotonic() - self.started, current))

    def _finish(self) -> ExportSummary:
        rows = [self.rows[r] for r in self.refs if r in self.rows]
        extra = [r for ref, r in self.journal.rows.items() if ref not in self.rows]  # an earlier export's calls
        rows = sorted(extra, key=lambda r: (r["start_utc"], r["ref"])) + rows
        keep = {f["name"] for r in rows if r.get("export_status") == "exported" for f in r["files"]}
        self.journal.close()
        self.prefetch.close()
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        # Files a failed call or a crash left: never in the result. Nor are the files of an earlier
        # export of a call exported again (one recording became two: `x.mp3` -> `x_1.mp3`, `x_2.mp3`).
        replaced = {n for ref, names in self.superseded.items()
                    if self.rows.get(ref, {}).get("export_status") == "exported" for n in names}
        self.target.clean_stray({n for n in self.journal.writing | replaced if n not in keep})
        changed = write_manifest(self.folder, rows, self.settings) or self.rewrote or bool(self.summary.exported)
        self.summary.location = self.target.finish(keep, changed=changed)
        self.target.release_and_tidy()
        return self.summary

    def _cancel(self) -> ExportSummary:
        self._abort()
        self.summary.cancelled = True
        return self.summary

    def _abort(self) -> None:
        self.target.drop_archive()
        self.prefetch.close(abort=True)
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.journal.close()
