"""Per-call Bandwidth actions: request a transcription, delete a transcription, a recording's
media, or a whole recording. Headless, shared by the CLI and (later) the UI.

Deletions are irreversible at Bandwidth. The local cache keeps everything it has (metadata,
transcript text, downloaded media) and remembers what was deleted (Store.mark_deleted), so
the mark survives re-syncs: Bandwidth keeps listing a deleted recording during its 24-48 h
purge, or stops listing it while the call still has other recordings. The store puts the
mark into the recording's raw JSON (`recbrowserDeleted`) and the reason into the call's
`audio_reason` on every write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from recbrowser.domain import Account, Call, Recording, call_ref
from recbrowser.errors import NotFound, UserFacingError
from recbrowser.providers.bandwidth_map import is_downloadable, transcript_state
from recbrowser.services import audit
from recbrowser.store.records import DELETED_MARK as MARK

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

# transcribeCallRecording: "only for recordings longer than 500 ms and shorter than 4 h" [C S-B1].
MIN_TRANSCRIBE_MS, MAX_TRANSCRIBE_MS = 500, 4 * 3_600_000
ACTIONS = ("transcribe", "delete-transcription", "delete-media", "delete-recording")
DELETIONS = ACTIONS[1:]


@dataclass
class ActionResult:
    call_ref: str
    recording_id: str
    action: str
    message: str


def run_action(store: CallStore, account: Account, provider, call_id: str, action: str,
               recording_id: str | None = None) -> list[ActionResult]:
    """Apply `action` to one recording of a cached call, or to each of its recordings."""
    if action not in ACTIONS:
        raise UserFacingError(f"Unknown Bandwidth action {action!r}; choose one of {', '.join(ACTIONS)}.")
    if account.provider != "bandwidth" or account.id is None:
        raise UserFacingError(f"Account '{account.name}' is not a Bandwidth account; these actions are Bandwidth's only.")
    ref = call_ref(account.name, call_id)
    call = store.get_call(account.name, call_id)
    if call is None:
        raise UserFacingError(f"No call {ref} in the cache; run `recbrowser sync` or check the ref with `recbrowser calls`.")
    recordings = [r for r in call.recordings if recording_id is None or r.provider_id == recording_id]
    if not recordings:
        have = ", ".join(r.provider_id for r in call.recordings) or "none"
        raise UserFacingError(f"Call {ref} has no recording {recording_id} (its recordings: {have}).")
    results = [_apply(provider, call, rec, action, ref) for rec in recordings]
    _refresh_call(call)
    with store.transaction():
        if action in DELETIONS:
            what = action.removeprefix("delete-")
            for rec in recordings:
                day = rec.raw[MARK][what][:10]
                store.mark_deleted(account.id, rec.provider_id, what, _REASONS[what].format(day=day))
        store.upsert_calls(account.id, [call])
        done = audit.TRANSCRIPTION_REQUESTED if action == "transcribe" else audit.DELETED
        detail = "" if action == "transcribe" else action.removeprefix("delete-")
        audit.record(store, done, [(account.name, call_id)], detail)
    return results


_REASONS = {
    "recording": "the recording was deleted at Bandwidth on {day}",
    "media": "the recording was deleted at Bandwidth on {day}",
    "transcription": "the transcription was deleted at Bandwidth on {day}",
}


def _apply(provider, call: Call, rec: Recording, action: str, ref: str) -> ActionResult:
    rid = rec.provider_id
    deleted = rec.raw.get(MARK) or {}
    if "recording" in deleted:
        raise UserFacingError(f"Recording {rid} of call {ref} was already deleted at Bandwidth; nothing is left to change there.")
    if action == "transcribe":
        if transcript_state(rec.raw) == "available":
            return ActionResult(ref, rid, action, f"Recording {rid} already has a transcription; nothing requested.")
        if "media" in deleted or rec.raw.get("status") == "deleted":
            raise UserFacingError(f"Recording {rid} of call {ref} has no media at Bandwidth any more, so it cannot be transcribed.")
        length = rec.duration_ms
        if length is not None and not MIN_TRANSCRIBE_MS < length < MAX_TRANSCRIBE_MS:
            raise UserFacingError(
                f"Bandwidth transcribes only recordings longer than half a second and shorter than 4 hours; "
                f"recording {rid} of call {ref} lasts {length / 1000:,.1f} s, so nothing was requested.")
        provider.request_transcription(call.provider_id, rid)
        rec.raw["transcription"] = {**(rec.raw.get("transcription") or {}), "status": "processing"}
        return ActionResult(ref, rid, action, f"Transcription of recording {rid} requested; the next sync brings the text.")
    what = action.removeprefix("delete-")
    gone_already = False
    try:
        provider.delete(call.provider_id, rid, what)
    except NotFound:
        gone_already = True  # deleted elsewhere, or past the 30 days: mark it all the same
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    rec.raw[MARK] = {**deleted, what: stamp}
    if what in ("media", "recording"):
        rec.raw["mediaUrl"] = None
        rec.raw["status"] = "deleted"
    if what in ("transcription", "recording") and isinstance(rec.raw.get("transcription"), dict):
        rec.raw["transcription"] = {**rec.raw["transcription"], "status": "none"}
    call.raw.setdefault(MARK, {})[rid] = rec.raw[MARK]
    noun = {"recording": "Recording", "media": "The media of recording", "transcription": "The transcription of recording"}[what]
    note = " (Bandwidth had already removed it)" if gone_already else " at Bandwidth (irreversible; the purge takes 24-48 h)"
    return ActionResult(ref, rid, action, f"{noun} {rid} deleted{note}; the local copy and its metadata are kept.")


def _refresh_call(call: Call) -> None:
    """Re-derive what the call list shows from the recordings' (now marked) metadata."""
    call.has_audio = any(is_downloadable(r.raw) for r in call.recordings)
    if not call.has_audio:
        marks = [r.raw.get(MARK) or {} for r in call.recordings]
        when = min((m.get("media") or m.get("recording") or "" for m in marks if m), default="")
        call.audio_reason = (f"the recording was deleted at Bandwidth on {when[:10]}" if when
                             else call.audio_reason or "Bandwidth offers no download link for this recording")
    if call.transcript_status != "available":
        states = [transcript_state(r.raw) for r in call.recordings]
        call.transcript_status = "pending" if "pending" in states else "none"
