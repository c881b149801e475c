"""A Dialgen emulator (REFERENCE.md section 5, dialgen-openapi.json): the API host plus a separate
"recordings" host serving MP3 at signed, expiring URLs, over real HTTP on 127.0.0.1.

Answers follow the spec's schemas (tests/emulators/test_dialgen_spec.py checks). Where the documents are
silent the choice is INFERENCE:

- a wrong userId -> 403 `{"error": "Forbidden", ...}` (the spec's Forbidden response);
- recording URLs are `<recordings host>/<callId>.mp3?expires=<epoch s>&sig=<hmac>`, valid for
  `url_ttl` seconds; an expired or forged one -> 403, audio past the 90 days -> 404;
- the live status (`/status/call`) answers for 30 days and names the contactId; nothing else does;
- transcripts of calls older than `UNTIMED_DAYS` carry no timestamps (the check-status schema's shape).

Calls are planned up front from the seed (cheap); audio is rendered on first download.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from recbrowser.emulators import speech
from recbrowser.emulators.server import EmulatorServer, Request, send_json, send_media, send_text

DAY_MS = 86_400_000
RETENTION_MS = 90 * DAY_MS
LIVE_MS = 30 * DAY_MS
UNTIMED_DAYS = 60
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_NAMES = ["John Doe", "Maria Garcia", "Wei Chen", "Aisha Khan", "Lars Berg", "Ana Souza", "Tom Baker"]
_AGENTS = ["Sales Assistant", "Support Agent", "Renewals Bot"]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _cuid(rng: random.Random) -> str:  # 25 characters like the spec's "cmk3n7v8l0001k004w0f0b3b1"
    return "cm" + "".join(rng.choice(_ALPHABET) for _ in range(23))


@dataclass(slots=True)
class EmuCall:
    call_id: str
    batch_id: str | None  # None: a single dial or an inbound call (not enumerable)
    agent_id: str
    agent: str
    contact_id: str
    name: str
    number: str
    start_ms: int
    status: str
    direction: str
    dialogue: speech.Dialogue


class RecordingsHost(EmulatorServer):
    """The media host: no API key, only a valid signature before the expiry."""

    provider = "dialgen-recordings"

    def __init__(self, api: DialgenEmulator):
        super().__init__()
        self.faults = api.faults  # one fault set for both hosts, as `emulate --fault` expects
        self.api = api
        self.route("GET", "/", self._media, prefix=True)

    def _media(self, req: Request) -> None:
        api = self.api
        call = api.by_id.get(req.path.strip("/").removesuffix(".mp3"))
        if call is None or call.status != "COMPLETED":
            return send_text(req.handler, "<Error><Code>NoSuchKey</Code></Error>", status=404)
        expires = req.query.get("expires", "")
        good = hmac.compare_digest(api.sign(call.call_id, expires), req.query.get("sig", ""))
        if not good or not expires.isdigit() or int(expires) < time.time() or self.faults.take("expired-url", req.path):
            self.count("refused")
            return send_text(req.handler, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                             status=403)
        if call.start_ms + RETENTION_MS <= api.now_ms:
            return send_text(req.handler, "<Error><Code>NoSuchKey</Code></Error>", status=404)
        send_media(req.handler, api.audio(call), "audio/mpeg")


class DialgenEmulator(EmulatorServer):
    provider = "dialgen"

    def __init__(self, calls: int = 40, seed: int = 1, faults: tuple[str, ...] | list[str] = (),
                 now_ms: int | None = None, user_id: str = "user_33mdemo", api_key: str | None = None,
                 url_ttl: float = 3600, batch_size: int = 500, days: int = 120):
        super().__init__(faults)
        self.seed, self.user_id, self.url_ttl = seed, user_id, url_ttl
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000) - 60_000
        self.api_key = api_key or f"dg_live_{random.Random(seed).getrandbits(96):024x}"
        self._sign_key = f"emulator-{seed}".encode()
        self._audio: OrderedDict[str, bytes] = OrderedDict()
        self._state = threading.Lock()
        # Calls whose check-status answer leaves out recordingUrl (its schema has it; the seed
        # names get-metric as the source): the connector must fall back to get-metric.
        self.status_without_url: set[str] = set()
        self.calls, self.batches = self._generate(calls, batch_size, days)
        self.by_id = {c.call_id: c for c in self.calls}
        self.hidden: set[str] = set()  # ids the batches list but the call endpoints answer 404 for
        self.recordings = RecordingsHost(self)
        self.exchanges: list[tuple[str, dict[str, str], int, Any]] = []  # (path, query, status, body)
        routes = {"batch/list": self._batch_list, "batch/check-status": self._batch_status,
                  "call/check-status": self._call_status, "status/call": self._live_status,
                  "call/get-metric": self._metric}
        for path, fn in routes.items():
            self.route("GET", f"/api/v1/{path}", self._guarded(fn))

    def start(self) -> str:
        self.recordings.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.recordings.stop()

    def account_settings(self) -> dict[str, str]:
        return {"base_url": self.base_url, "user_id": self.user_id}

    def secrets(self) -> dict[str, str]:
        return {"api_key": self.api_key}

    # -- generation ---------------------------------------------------------------------------------
    def _generate(self, n: int, batch_size: int, days: int) -> tuple[list[EmuCall], dict[str, dict[str, Any]]]:
        rng = random.Random(self.seed)
        agents = [(_cuid(rng), a) for a in _AGENTS]
        batches: dict[str, dict[str, Any]] = {}
        calls: list[EmuCall] = []
        left = n
        # Even a small demo shows the three states of Dialgen audio: a batch whose audio expired
        # (92+ days old), one whose audio expires within the week (84-88 days), then fresh calls.
        ages = [(92, days), (84, 88), (2, 20)] if days > 95 else []
        while left > 0:
            size = min(left, rng.randint(max(1, batch_size // 2), batch_size))
            if len(batches) < 2 and ages:
                size = min(size, max(1, n // 10))  # a tenth each: most of a small demo stays recent
            start = rng.randint(self.now_ms - days * DAY_MS, self.now_ms - DAY_MS)
            if len(batches) < len(ages):
                start = self.now_ms - rng.randint(*ages[len(batches)]) * DAY_MS
            agent_id, agent = rng.choice(agents)
            bid = f"batch_{start}_agent_{agent_id}"
            batches[bid] = {"createdAt": start, "agentId": agent_id, "calls": []}
            for _ in range(size):
                # About one in ten is a single dial or an inbound call: in no batch.
                single = rng.random() < 0.1
                at = start + rng.randint(0, DAY_MS // 2)
                roll = rng.random()
                status = "COMPLETED" if roll < 0.85 else "MISSED" if roll < 0.93 else "FAILED" if roll < 0.99 else "ONGOING"
                call = EmuCall(_cuid(rng), None if single else bid, agent_id, agent, f"contact_{_cuid(rng)}",
                               rng.choice(_NAMES), f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}",
                               min(at, self.now_ms - 60_000), status,
                               "INBOUND" if single and rng.random() < 0.5 else "OUTBOUND", speech.plan_dialogue(rng))
                calls.append(call)
                if not single:
                    batches[bid]["calls"].append(call)
            left -= size
        return calls, batches

    def single_calls(self) -> list[EmuCall]:
        return [c for c in self.calls if c.batch_id is None]

    # -- plumbing -----------------------------------------------------------------------------------
    def sign(self, call_id: str, expires: str) -> str:
        return hmac.new(self._sign_key, f"{call_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def recording_url(self, call: EmuCall) -> str | None:
        if call.status != "COMPLETED" or call.start_ms + RETENTION_MS <= self.now_ms:
            return None
        expires = str(int(time.time() + self.url_ttl))
        return f"{self.recordings.base_url}/{call.call_id}.mp3?expires={expires}&sig={self.sign(call.call_id, expires)}"

    def _reply(self, req: Request, obj: Any, status: int = 200) -> None:
        with self._state:
            self.exchanges.append((req.path, dict(req.query), status, obj))
        send_json(req.handler, obj, status=status)

    def _error(self, req: Request, status: int, error: str, message: str) -> None:
        self._reply(req, {"error": error, "message": message}, status)

    def _guarded(self, fn: Any) -> Any:
        def run(req: Request) -> None:
            if req.headers.get("Authorization", "") != f"Bearer {self.api_key}":
                return self._error(req, 401, "Unauthorized", "Invalid or missing API key")
            if not req.query.get("userId"):
                return self._error(req, 400, "Bad Request", "Missing required parameter: userId")
            if req.query["userId"] != self.user_id:
                return self._error(req, 403, "Forbidden", "Access denied")
            fn(req)
        return run

    def _call_or_404(self, req: Request) -> EmuCall | None:
        call = self.by_id.get(req.query.get("callId", ""))
        if call is None or call.call_id in self.hidden:
            self._error(req, 404, "Not Found", "Call not found")
        return call

    # -- API ----------------------------------------------------------------------------------------
    def _batch_list(self, req: Request) -> None:
        rows = []
        for bid, b in sorted(self.batches.items(), key=lambda kv: -kv[1]["createdAt"]):  # newest first
            n = len(b["calls"])
            ok = sum(c.status == "COMPLETED" for c in b["calls"])
            rows.append({"batchId": bid, "status": "completed", "total": n, "processed": n, "succeeded": ok,
                         "failed": n - ok, "percentComplete": 100, "createdAt": iso(b["createdAt"]),
                         "agentId": b["agentId"], "priority": 5})
        self._reply(req, rows)

    def _batch_status(self, req: Request) -> None:
        b = self.batches.get(req.query.get("batchId", ""))
        if b is None:
            return self._error(req, 404, "Not Found", "Batch not found")
        limit = req.query.get("limit", "10")
        calls = sorted(b["calls"], key=lambda c: -c.start_ms)  # most recent first
        if limit not in ("all", "-1"):
            calls = calls[: int(limit) if limit.isdigit() else 10]
        n, ok = len(b["calls"]), sum(c.status == "COMPLETED" for c in b["calls"])
        self._reply(req, {
            "batchId": req.query["batchId"], "status": "completed", "priority": 5,
            "statistics": {"total": n, "processed": n, "succeeded": ok, "failed": n - ok, "pending": 0,
                           "percentComplete": 100, "successRate": round(100 * ok / n) if n else 0},
            "performance": {"callsPerSecond": 0.5, "estimatedTimeRemaining": None, "elapsedTime": 2 * n},
            "timestamps": {"createdAt": iso(b["createdAt"]), "startedAt": iso(b["createdAt"]),
                           "completedAt": iso(b["createdAt"] + DAY_MS // 2)},
            "recentCalls": [{"id": c.call_id, "callSid": f"CA{c.call_id[2:]}", "status": c.status,
                             "duration": c.dialogue.total_ms // 1000, "createdAt": iso(c.start_ms),
                             "phoneNumber": c.number, "contactName": c.name} for c in calls],
            "webhooks": None, "agentId": b["agentId"], "userId": self.user_id})

    def transcription(self, call: EmuCall) -> list[dict[str, Any]]:
        if call.status != "COMPLETED":
            return []
        timed = call.start_ms > self.now_ms - UNTIMED_DAYS * DAY_MS
        out = []
        for p in call.dialogue.placements:
            turn: dict[str, Any] = {"role": "assistant" if p.speaker == "agent" else "user", "content": p.text}
            if timed:
                turn["timestamp"] = iso(call.start_ms + p.offset_ms)
            out.append(turn)
        return out

    def _call_status(self, req: Request) -> None:
        if (c := self._call_or_404(req)) is None:
            return
        data: dict[str, Any] = {"id": c.call_id, "status": c.status, "direction": c.direction,
                                "duration": c.dialogue.total_ms // 1000 if c.status == "COMPLETED" else 0,
                                "createdAt": iso(c.start_ms), "contact": {"name": c.name, "phoneNumber": c.number},
                                "agent": c.agent, "transcription": self.transcription(c)}
        if c.status != "ONGOING":
            data["endedAt"] = iso(c.start_ms + c.dialogue.total_ms)
        if (url := self.recording_url(c)) and c.call_id not in self.status_without_url:
            data["recordingUrl"] = url
        self._reply(req, {"success": True, "data": data})

    def _live_status(self, req: Request) -> None:
        if (c := self._call_or_404(req)) is None:
            return
        if c.start_ms + LIVE_MS <= self.now_ms:
            return self._error(req, 404, "Not Found", "Call status not found in cache")
        self._reply(req, {"callId": c.call_id, "status": c.status, "startTime": iso(c.start_ms),
                          "phoneNumber": c.number, "contactId": c.contact_id, "batchId": c.batch_id, "error": None,
                          "duration": c.dialogue.total_ms // 1000 if c.status == "COMPLETED" else None,
                          "recordingUrl": self.recording_url(c)})

    def _metric(self, req: Request) -> None:
        if (c := self._call_or_404(req)) is None:
            return
        if req.query.get("agentId") != c.agent_id or req.query.get("contactId") != c.contact_id:
            return self._error(req, 404, "Not Found", "No metrics for this call, agent and contact")
        self._reply(req, {"success": True, "callData": self.metric_data(c), "metricSchema": {}})

    def metric_data(self, c: EmuCall) -> dict[str, Any]:
        """get-metric's `callData`; also the body of the onCallComplete webhook (with a few more ids)."""
        topics = sorted({p.key for p in c.dialogue.placements if p.key.startswith("ask_")})
        sentiment = ("positive", "neutral", "negative")[int(c.call_id[-1], 36) % 3]
        return {"id": c.call_id, "contactId": c.contact_id, "agentId": c.agent_id, "status": c.status,
                "startTime": iso(c.start_ms), "endTime": iso(c.start_ms + c.dialogue.total_ms),
                "duration": c.dialogue.total_ms // 1000, "phoneNumber": c.number, "contactName": c.name,
                # The spec types this `object`; the emulator wraps the array form in one (INFERENCE).
                "transcription": {"messages": self.transcription(c)},
                "summary": f"{c.name} called about {', '.join(t.removeprefix('ask_') for t in topics) or 'an account'}.",
                "metricJson": {"intent": "SUPPORT", "sentiment": sentiment, "confidence": 0.9,
                               "keyPoints": topics, "callStatus": "SUCCESS"},
                # The seed's get-metric answer carries the recording URL (its documented source).
                **({"recordingUrl": url} if (url := self.recording_url(c)) else {})}

    def webhook(self, c: EmuCall) -> dict[str, Any]:
        data = {**self.metric_data(c), "transcription": self.transcription(c), "batchId": c.batch_id,
                "callSid": f"CA{c.call_id[2:]}", "direction": c.direction, "createdAt": iso(c.start_ms)}
        if url := self.recording_url(c):
            data["recordingUrl"] = url
        return {"event": "call.completed", "callData": data}

    def audio(self, call: EmuCall) -> bytes:
        """The call's MP3; rendered once, a few kept in memory."""
        with self._state:
            if call.call_id in self._audio:
                return self._audio[call.call_id]
        d = call.dialogue
        data = speech.to_mp3(speech.render_wav(d), d.total_ms)
        with self._state:
            self._audio[call.call_id] = data
            while len(self._audio) > 32:
                self._audio.popitem(last=False)
        return data
