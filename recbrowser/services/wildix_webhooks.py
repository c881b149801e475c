"""Import Wildix webhook events that a relay saved to a file (a desktop app cannot receive them).

Accepted: one JSON event, a JSON array of events, or JSON lines (one event per line). Events
`call:completed`, `call:transcription:completed` and `call:transcription:text:completed` go
through the same mapping (providers/wildix_map.py) and the same store upsert as a sync, so
importing a file twice, or importing what a sync already brought, changes nothing. Lines that
are not events are skipped and counted; the rest is imported.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recbrowser.domain import Account, Call, Segment
from recbrowser.errors import UserFacingError
from recbrowser.providers.unreadable import UnreadableRecord
from recbrowser.providers.wildix_map import chunks_to_segments, flow_index, leg_id, records_to_call, text_to_segments

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

log = logging.getLogger("recbrowser.wildix_webhooks")

CALL_COMPLETED = "call:completed"
TRANSCRIPTION = "call:transcription:completed"
TRANSCRIPTION_TEXT = "call:transcription:text:completed"
KNOWN = (CALL_COMPLETED, TRANSCRIPTION, TRANSCRIPTION_TEXT)
BATCH = 500  # calls per store transaction


@dataclass
class ImportResult:
    events: int = 0  # events read and used
    calls: int = 0  # calls written (new or updated)
    new: int = 0
    skipped: int = 0  # lines or items that are not a readable event
    ignored: dict[str, int] = field(default_factory=dict)  # other event types, by type
    problems: list[str] = field(default_factory=list)  # first few skipped lines, for the log

    def summary(self, account: str) -> str:
        text = f"{account}: {self.events} webhook events imported, {self.calls} calls written ({self.new} new)"
        if self.skipped:
            text += f", {self.skipped} unreadable lines skipped"
        if self.ignored:
            text += ", ignored " + ", ".join(f"{n} {t}" for t, n in sorted(self.ignored.items()))
        return text + "."


def read_events(lines: Iterable[str], result: ImportResult) -> Iterator[dict[str, Any]]:
    """Yield event objects from a JSON document, array, or JSON lines; count what is not one."""
    text = "".join(lines)
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict | list):
        items: Iterable[tuple[int, Any]] = enumerate(whole if isinstance(whole, list) else [whole], 1)
    else:
        items = _json_lines(text.splitlines(), result)
    for where, item in items:
        if isinstance(item, dict) and isinstance(item.get("type"), str) and isinstance(item.get("data"), dict):
            yield item
        else:
            _skip(result, where, "not a webhook event (needs 'type' and 'data')")


def _json_lines(lines: list[str], result: ImportResult) -> Iterator[tuple[int, Any]]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except ValueError:
            _skip(result, n, "not JSON")


def _skip(result: ImportResult, where: int, why: str) -> None:
    result.skipped += 1
    if len(result.problems) < 5:
        result.problems.append(f"item {where}: {why}")


def import_file(store: CallStore, account: Account, path: Path) -> ImportResult:
    if account.provider != "wildix":
        raise UserFacingError(f"Account '{account.name}' is a {account.provider} account; choose a Wildix account.")
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        raise UserFacingError(f"Cannot read the webhook file {path}: {e.strerror}.") from None
    result = ImportResult()
    return import_events(store, account, read_events(lines, result), result)


def import_events(store: CallStore, account: Account, events: Iterable[dict[str, Any]], result: ImportResult | None = None) -> ImportResult:
    """Fold the events per call (last call:completed wins; transcripts per flow), then upsert."""
    assert account.id is not None
    result = result or ImportResult()
    completed: dict[str, dict[str, Any]] = {}
    chunks: dict[str, dict[int, tuple[dict[str, Any], list[Any]]]] = {}
    texts: dict[str, dict[int, tuple[dict[str, Any], str]]] = {}
    for ev in events:
        kind, data = ev["type"], ev["data"]
        if kind not in KNOWN:
            result.ignored[kind] = result.ignored.get(kind, 0) + 1
            continue
        if kind == CALL_COMPLETED:
            if not data.get("id") or not isinstance(data.get("flows"), list) or not data["flows"]:
                _skip(result, result.events + result.skipped + 1, "call:completed without an id and flows")
                continue
            completed[str(data["id"])] = data
        else:
            call = data.get("call") if isinstance(data.get("call"), dict) else {}
            call_id = str(call.get("id") or ev.get("id") or "")
            if not call_id:
                _skip(result, result.events + result.skipped + 1, f"{kind} without a call id")
                continue
            idx = flow_index(call if "flowIndex" in call else data)
            if kind == TRANSCRIPTION and isinstance(data.get("chunks"), list):
                chunks.setdefault(call_id, {})[idx] = (call, data["chunks"])
            elif kind == TRANSCRIPTION_TEXT and (data.get("text") or data.get("chunks")):
                if isinstance(data.get("chunks"), list):
                    chunks.setdefault(call_id, {}).setdefault(idx, (call, data["chunks"]))
                else:
                    texts.setdefault(call_id, {})[idx] = (call, str(data["text"]))
            else:
                _skip(result, result.events + result.skipped + 1, f"{kind} without chunks or text")
                continue
        result.events += 1
    calls = []
    for cid in dict.fromkeys([*completed, *chunks, *texts]):
        try:
            call = _call(store, account, cid, completed, chunks, texts)
        except UnreadableRecord as e:  # one call of the wrong shape: the others are still imported
            result.skipped += 1
            if len(result.problems) < 5:
                result.problems.append(str(e))
            continue
        if call is not None:
            calls.append(call)
    for i in range(0, len(calls), BATCH):
        with store.transaction():
            result.new += store.upsert_calls(account.id, calls[i : i + BATCH])
    result.calls = len(calls)
    if result.problems:
        log.info("webhook import for %s skipped: %s", account.name, "; ".join(result.problems))
    return result


def _call(store: CallStore, account: Account, call_id: str, completed, chunks, texts) -> Call | None:
    cached = store.get_call(account.name, call_id)
    if call_id in completed:
        data = completed[call_id]
        flows = [{**f, "id": call_id} for f in data["flows"] if isinstance(f, dict)]
        by_index = {flow_index(f): f for f in flows}  # a relay may repeat a delivery: one flow per index
        call = records_to_call(call_id, list(by_index.values()), unit="ms", extra={"endCause": data.get("endCause")})
        call.segments = None  # call:completed alone says nothing about the transcript: keep the cache's
        if cached is not None and cached.transcript_status == "available":
            call.transcript_status = "available"
    elif cached is not None:
        call = cached
    else:
        flows = [{**f, "id": call_id} for t in (chunks, texts) for f, _ in t.get(call_id, {}).values() if f.get("startTime")]
        if not flows:
            return None  # a transcript of a call we know nothing about: nothing to hang it on
        call = records_to_call(call_id, list({flow_index(f): f for f in flows}.values()), unit="ms")
    timed, untimed = chunks.get(call_id, {}), texts.get(call_id, {})
    if not timed and not untimed:
        return call
    old = cached.segments if cached is not None and cached.segments else []
    flows_by_index = {flow_index(f): f for f in call.raw.get("flows", []) if isinstance(f, dict)}
    fresh: list[Segment] = []
    for idx, (flow, items) in timed.items():
        rec = next((r for r in call.recordings if r.leg == leg_id(call_id, idx)), None)
        fresh += chunks_to_segments(items, flows_by_index.get(idx) or flow, rec, leg_id(call_id, idx))
    has_timing = {s.leg for s in old if s.start_ms is not None} | {leg_id(call_id, i) for i in timed}
    for idx, (_flow, text) in untimed.items():
        if leg_id(call_id, idx) not in has_timing:  # untimed text never replaces a timed transcript
            fresh += text_to_segments(text, leg_id(call_id, idx))
    replaced = {s.leg for s in fresh}
    segments = [s for s in old if s.leg not in replaced] + fresh
    # Same order as a sync: flow by flow, then by offset (the store then sees "unchanged").
    segments.sort(key=lambda s: (_leg_index(s.leg), s.start_ms is None, s.start_ms or 0))
    call.segments = segments
    call.transcript_status = "available" if segments else call.transcript_status
    return call


def _leg_index(leg: str) -> int:
    tail = leg.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0
