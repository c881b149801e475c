"""The export's manifest (one row per call, CSV and JSON) and its resume journal.

The journal lives beside the files while an export runs: a settings line, then a `writing`
line before a call's files are written and a `row` line once they are all complete. A re-run
reads it to know which calls are finished (and verifies their checksums) and which files were
left half-done by a crash (and removes them). The final manifest.json holds the same rows, so a
finished export can be resumed or extended as well.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recbrowser.domain import Call
from recbrowser.private import private_open
from recbrowser.services import conversation
from recbrowser.services.export_names import call_fields

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

JOURNAL = ".recbrowser-export.jsonl"
CSV_COLUMNS = (
    "ref", "account", "provider", "call_id", "start", "start_utc", "direction", "from", "from_name", "to", "to_name",
    "agent", "status", "duration_s", "talk_s", "ring_s", "hold_s", "queue", "department", "sentiment",
    "provider_tags", "language", "legs", "has_audio", "audio_reason", "transcript_status", "summary",
    "recording_ids", "tags", "notes", "agent_talk_share", "caller_talk_share", "silence_share", "longest_monologue_s",
    "overtalk_count", "overtalk_s", "words_per_minute",
    "export_status", "export_reason", "audio_note", "transcript_note", "files", "file_sizes", "file_sha256",
    "export_audio", "export_transcripts", "export_name_template", "export_time_zone", "export_redact_pii",
)


def call_metadata(call: Call, account: str, provider: str, tz: tzinfo | None) -> dict[str, Any]:
    """The normalised metadata of a call as the manifest shows it."""
    f = call_fields(call, account, provider, tz)
    return {
        "ref": f["ref"], "account": account, "provider": provider, "call_id": call.provider_id,
        "start": f["start"].isoformat(timespec="seconds"),
        "start_utc": datetime.fromtimestamp(call.start_ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "direction": call.direction, "from": call.from_party.number, "from_name": call.from_party.name,
        "to": call.to_party.number, "to_name": call.to_party.name, "agent": call.agent, "status": call.status,
        "duration_s": f["duration"] if call.duration_ms is not None else None,
        "talk_s": f["talk"] if call.talk_ms is not None else None, "legs": len(call.legs), "has_audio": call.has_audio,
        "ring_s": f["ring"] if call.ring_ms is not None else None,
        "hold_s": f["hold"] if call.hold_ms is not None else None,
        "queue": call.queue, "department": call.department, "sentiment": call.sentiment,
        "provider_tags": list(call.provider_tags), "language": call.language, "details": call.details,
        "leg_details": [{"index": leg.index, "call_type": leg.call_type, "status": leg.status,
                         "ring_s": _seconds(leg.ring_ms), "talk_s": _seconds(leg.talk_ms), "hold_s": _seconds(leg.hold_ms)}
                        for leg in call.legs],
        "audio_reason": call.audio_reason, "transcript_status": call.transcript_status, "summary": call.summary,
        "recording_ids": [r.provider_id for r in call.recordings],
        "recording_files": [r.file_name for r in call.recordings],
    }


def _seconds(ms: int | None) -> int | None:
    return round(ms / 1000) if ms is not None else None


def local_data(store: CallStore, account: str, call_id: str) -> dict[str, Any]:
    """The supervisor's own tags and notes on a call (kept in the cache, never synced)."""
    notes = [{"offset_ms": n.offset_ms, "at": _at(n.offset_ms), "text": n.text,
              "created_utc": datetime.fromtimestamp(n.created_ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
             for n in store.notes(account, call_id)]
    figures = conversation.as_json(conversation.kept_figures(store, account, call_id))
    return {"tags": store.tags(account, call_id), "notes": notes, "conversation": figures}


def _at(offset_ms: int | None) -> str:
    if offset_ms is None:
        return ""
    m, s = divmod(offset_ms // 1000, 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def _notes_cell(notes: list[dict[str, Any]]) -> str:
    return "\n".join(f"[{n['at']}] {n['text']}" if n.get("at") else n["text"] for n in notes)


def csv_text(rows: list[dict[str, Any]], settings: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180, and what Excel expects
    w.writerow(CSV_COLUMNS)
    for row in rows:
        files = row.get("files", [])
        flat = {
            **row,
            "recording_ids": ";".join(row.get("recording_ids", [])),
            "tags": ";".join(row.get("tags", [])),
            "provider_tags": ";".join(row.get("provider_tags", [])),
            "notes": _notes_cell(row.get("notes", [])),
            "has_audio": "yes" if row.get("has_audio") else "no",
            "files": ";".join(f["name"] for f in files),
            "file_sizes": ";".join(str(f["size"]) for f in files),
            "file_sha256": ";".join(f["sha256"] for f in files),
            "export_audio": settings.get("audio", ""),
            "export_transcripts": ",".join(settings.get("transcripts", [])),
            "export_name_template": settings.get("template", ""),
            "export_time_zone": settings.get("time_zone", ""),
            "export_redact_pii": ",".join(settings.get("redact_pii", [])) or "no",
            **_figure_cells(row.get("conversation")),
        }
        w.writerow([_cell(flat.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


def _figure_cells(figures: dict[str, Any] | None) -> dict[str, Any]:
    if not figures:
        return {}

    def seconds(ms: int | None) -> float | None:
        return None if ms is None else round(ms / 1000, 1)

    return {"agent_talk_share": figures["agent_talk_share"], "caller_talk_share": figures["caller_talk_share"],
            "silence_share": figures["silence_share"], "longest_monologue_s": seconds(figures["longest_monologue_ms"]),
            "overtalk_count": figures["overtalk_count"], "overtalk_s": seconds(figures["overtalk_ms"]),
            "words_per_minute": figures["words_per_minute"]}  # hold and sentiment: the provider's columns


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula would run in a spreadsheet (CSV injection): quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def json_text(rows: list[dict[str, Any]], settings: dict[str, Any]) -> str:
    return json.dumps({"export": settings, "calls": rows}, ensure_ascii=False, indent=2) + "\n"


def write_file(path: Path, data: bytes) -> tuple[int, str]:
    """Write through `<name>.part`, fsync, rename: a file without `.part` is always complete."""
    part = path.with_name(path.name + ".part")
    try:
        with private_open(part, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, path)
    return len(data), hashlib.sha256(data).hexdigest()


def holds(path: Path, data: bytes) -> bool:
    """The file exists and holds exactly `data`."""
    try:
        return path.stat().st_size == len(data) and file_sha256(path) == hashlib.sha256(data).hexdigest()
    except OSError:
        return False


def copy_checked(src: Path, dst: Path, size: int, sha256: str) -> tuple[int, str] | None:
    """Copy through `.part`, hashing on the way; None (and no file) when the source is not the
    file the store recorded (a damaged cache file must not reach an export)."""
    part = dst.with_name(dst.name + ".part")
    digest, n = hashlib.sha256(), 0
    try:
        with open(src, "rb") as fin, private_open(part, "wb") as fout:
            for block in iter(lambda: fin.read(1 << 20), b""):
                digest.update(block)
                fout.write(block)
                n += len(block)
            fout.flush()
            os.fsync(fout.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if n != size or digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        return None
    os.replace(part, dst)
    return n, digest.hexdigest()


def write_manifest(folder: Path, rows: list[dict[str, Any]], settings: dict[str, Any]) -> bool:
    """Written only if changed (True: either was): re-running an unchanged export leaves every
    file as it was."""
    wrote = False
    for name, data in (("manifest.csv", csv_text(rows, settings).encode("utf-8-sig")),  # BOM: Excel reads UTF-8
                       ("manifest.json", json_text(rows, settings).encode("utf-8"))):
        if not holds(folder / name, data):
            write_file(folder / name, data)
            wrote = True
    return wrote


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_row(folder: Path, row: dict[str, Any], kind: str | None = None) -> bool:
    """Every file of the row (of that kind: "audio", "transcript") is there with its size and checksum."""
    for f in row.get("files", []):
        if kind is not None and f.get("kind") != kind:
            continue
        p = folder / f["name"]
        if not p.is_file() or p.stat().st_size != f["size"] or file_sha256(p) != f["sha256"]:
            return False
    return True


class Journal:
    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL
        self.settings: dict[str, Any] | None = None
        self.rows: dict[str, dict[str, Any]] = {}
        self.writing: set[str] = set()  # files a run started; those of unfinished calls are removed
        self._f: io.TextIOWrapper | None = None

    def load(self) -> None:
        if self.path.exists():
            with open(self.path, encoding="utf-8") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # the last line of a killed run may be cut short
                    if "settings" in entry:
                        self.settings = entry["settings"]
                    elif "writing" in entry:
                        self.writing.update(entry["writing"])
                    elif "row" in entry:
                        self.rows[entry["row"]["ref"]] = entry["row"]
            return
        manifest = self.path.parent / "manifest.json"
        if manifest.exists():  # a finished export: its manifest is the journal
            doc = json.loads(manifest.read_text(encoding="utf-8"))
            self.settings = doc.get("export")
            self.rows = {r["ref"]: r for r in doc.get("calls", [])}

    def open(self, settings: dict[str, Any]) -> None:
        self._f = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the whole run
        self._append({"settings": settings})
        for row in self.rows.values():  # carried over from a finished export's manifest
            self._append({"row": row}, sync=False)
        self._sync()

    def started(self, names: list[str]) -> None:
        self.writing.update(names)
        self._append({"writing": names})

    def finished(self, row: dict[str, Any]) -> None:
        self.rows[row["ref"]] = row
        self._append({"row": row})

    def forget(self, ref: str) -> None:
        self.rows.pop(ref, None)

    def _append(self, entry: dict[str, Any], sync: bool = True) -> None:
        assert self._f is not None
        self._f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if sync:
            self._sync()

    def _sync(self) -> None:
        assert self._f is not None
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        if self._f:
            self._f.close()
            self._f = None
