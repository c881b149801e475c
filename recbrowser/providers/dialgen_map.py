"""Dialgen call status, metrics and transcripts -> domain objects (REFERENCE.md section 5).

Pure functions: no HTTP, so the mapping is tested on the spec's and the vendor page's own
payloads. A call is the persistent status (`call/check-status` `data`), optionally merged with
the metrics answer (`call/get-metric` `callData`) or an `onCallComplete` webhook's `callData`.
"""

from __future__ import annotations

from typing import Any

from recbrowser.domain import Call, Party, Recording, Segment
from recbrowser.providers.timeparse import iso_ms
from recbrowser.providers.unreadable import reads

RETENTION_MS = 90 * 86_400_000  # "Recordings are automatically deleted after 90 days" [C-seed]
EXPIRED_REASON = "audio expired at the provider (Dialgen deletes recordings after 90 days)"
_STATUS = {"COMPLETED": "answered", "MISSED": "missed", "FAILED": "failed"}
_ROLES = {"assistant": "agent", "user": "caller"}
# Keys under which an object-form transcription might hold its turns. The spec types
# `CallMetricsResponse.callData.transcription` as a bare `object` with no properties
# (INFERENCE: a wrapper around the same turns as the array form).
_LIST_KEYS = ("messages", "transcription", "transcript", "turns", "items", "entries")


def seconds_ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, int(round(value * 1000)))


def turns(transcription: Any) -> list[dict[str, Any]]:
    """Both shapes: the array of `{role, content, timestamp?}` (webhooks, check-status, the vendor
    page) and the object the spec declares for get-metric (turns under a list key, or keyed by
    position, or one text block)."""
    if isinstance(transcription, list):
        return [t for t in transcription if isinstance(t, dict)]
    if not isinstance(transcription, dict):
        return []
    for key in _LIST_KEYS:
        if isinstance(transcription.get(key), list):
            return turns(transcription[key])
    text = transcription.get("content") or transcription.get("text")
    if isinstance(text, str):
        return [{"role": transcription.get("role", ""), "content": text, "timestamp": transcription.get("timestamp")}]
    numbered = sorted((k for k in transcription if str(k).isdigit()), key=int)
    return [transcription[k] for k in numbered if isinstance(transcription[k], dict)]


def segments(transcription: Any, start_ms: int, agent: str = "", caller: str = "") -> list[Segment]:
    """ISO timestamps become offsets from the call start (the recording starts with the call,
    INFERENCE); turns without a readable timestamp are untimed (start_ms None)."""
    out: list[Segment] = []
    for t in turns(transcription):
        text = t.get("content") if isinstance(t.get("content"), str) else t.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        role = _ROLES.get(str(t.get("role") or "").lower(), "")
        at = iso_ms(t.get("timestamp"))
        speaker = {"agent": agent or "Agent", "caller": caller or "Caller"}.get(role, str(t.get("role") or ""))
        out.append(Segment(text=text.strip(), speaker=speaker, role=role,
                           start_ms=max(0, at - start_ms) if at is not None else None))
    return out


@reads("call", lambda data, *_a, **_k: data.get("id"))
def call_from_status(data: dict[str, Any], now_ms: int, metric: dict[str, Any] | None = None,
                     extra: dict[str, Any] | None = None) -> Call:
    """`data`: check-status `data` or a webhook/get-metric `callData`; `metric`: get-metric's
    `callData` (summary, metricJson); `extra`: ids learnt elsewhere (batchId, agentId, contactId)."""
    metric = metric or {}
    # The status answer wins, but an empty value there must not hide what the metrics hold.
    merged = {**metric, **{k: v for k, v in data.items() if v not in (None, "", [], {})}}
    call_id = str(merged["id"])
    start = iso_ms(merged.get("createdAt")) or iso_ms(merged.get("startTime")) or 0
    end = iso_ms(merged.get("endedAt")) or iso_ms(merged.get("endTime"))
    duration = seconds_ms(merged.get("duration"))
    if duration is None and end is not None and start:
        duration = max(0, end - start)
    contact = merged.get("contact") if isinstance(merged.get("contact"), dict) else {}
    number = str(contact.get("phoneNumber") or merged.get("phoneNumber") or "")
    name = str(contact.get("name") or merged.get("contactName") or "")
    agent = str(merged.get("agent") or "") if isinstance(merged.get("agent"), str) else ""
    agent = agent or "Dialgen agent"
    direction = str(merged.get("direction") or "OUTBOUND").lower()  # batches only dial out
    direction = direction if direction in ("inbound", "outbound") else "unknown"
    customer, ours = Party(number=number, name=name), Party(name=agent)
    status = str(merged.get("status") or "").upper()
    url = merged.get("recordingUrl") if isinstance(merged.get("recordingUrl"), str) else ""
    # INFERENCE: the 90 days count from the call's creation.
    expires = start + RETENTION_MS if start else None
    expired = expires is not None and expires <= now_ms
    recordings = []
    if status == "COMPLETED" and (url or expired):
        recordings.append(Recording(provider_id=call_id, file_name=f"{call_id}.mp3", format="mp3",
                                    duration_ms=duration, start_ms=start or None, expires_ms=expires))
    has_audio = bool(url) and not expired
    segs = segments(merged.get("transcription"), start, agent, name or number)
    live = status in ("SCHEDULED", "ONGOING")
    tstate = "available" if segs else "pending" if live or (status == "COMPLETED" and not expired and not
                                                             merged.get("transcription")) else "none"
    ids = {k: merged.get(k) for k in ("batchId", "agentId", "contactId", "callSid") if merged.get(k)}
    sentiment, details = _metrics(metric.get("metricJson"))
    return Call(
        provider_id=call_id,
        start_ms=start,
        direction=direction,
        from_party=ours if direction == "outbound" else customer,
        to_party=customer if direction == "outbound" else ours,
        agent=agent,
        status=_STATUS.get(status, "unknown"),
        duration_ms=duration,
        has_audio=has_audio,
        audio_reason="" if has_audio else _reason(status, url, expired),
        transcript_status=tstate,
        summary=str(metric.get("summary") or data.get("summary") or ""),
        sentiment=sentiment,
        details=details,
        recordings=recordings,
        segments=segs if segs or not live else None,
        raw={"status": data, "metric": metric, **ids, **(extra or {})},
    )


# get-metric's default metrics [S-D4] under the labels recbrowser shows; custom metrics keep their names.
_METRIC_LABELS = {"intent": "intent", "keyPoints": "key_points", "callStatus": "call_status", "confidence": "confidence",
                  "actionItems": "action_items", "selfEvaluation": "self_evaluation"}


def _metrics(metric_json: Any) -> tuple[str, dict[str, Any]]:
    """(sentiment, the other metrics) of get-metric's `metricJson`; empty values are left out."""
    if not isinstance(metric_json, dict):
        return "", {}
    sentiment = str(metric_json.get("sentiment") or "").lower()
    details = {_METRIC_LABELS.get(k, k): v for k, v in metric_json.items()
               if k != "sentiment" and v not in (None, "", [], {}) and isinstance(v, str | int | float | list | dict)}
    return sentiment, details


def _reason(status: str, url: str, expired: bool) -> str:
    if expired:
        return EXPIRED_REASON
    if status in ("SCHEDULED", "ONGOING"):
        return "the call is still in progress at Dialgen"
    if status in ("MISSED", "FAILED"):
        return f"the call was {status.lower()}: nothing was recorded"
    return "Dialgen offers no recording for this call"
