"""A Wildix emulator (REFERENCE.md section 1): WDA history + transcriptions, the PBX's recording
files, and a cloud storage host the PBX redirects older recordings to, on three loopback ports.

`WildixEmulator` is the WDA server; it starts and stops the PBX and storage servers with it,
and the three share one FaultSet (`path=` picks the host: `/v2/history`, `/spoolview`, `/wildix-rec`).
Where the sources are silent the choice is an INFERENCE, marked here:

- WDA answers 401 `{"message": ...}` for a missing, wrong or expired key and for a Simple Token;
  errors carry the SDK exception name in `__type` (smithy style);
- QueryConversations: `filter.to` is inclusive, rows newest first, `limit` above 1000 -> 400;
  durations in whole seconds [T S-W5], every flow listed once per side for internal calls;
- chunk `start`/`end` count from the flow's `startTime`; the webhook's `offset` likewise;
- the PBX answers 401 `{"type":"error","reason":...}` to a wrong token and to a Company API Key
  (a WMS older than 7.09); recordings older than a day redirect (302) to presigned storage,
  which refuses a request carrying Authorization (400, as S3 does) and lapsed links (403);
- `429:retry_after=-1` answers 429 without Retry-After (this emulator only);
- AI summaries ("transcriptions and AI summaries" [C-seed], route undocumented): GET
  `/v2/history/calls/{id}/flows/{n}/summary` -> `{"summary": {"text", "language", ...}}`, 404
  `CallSummaryNotFoundException` while the transcript is not available (or for `late_summaries`);
- chunk `sentiment` per sentence: negative for a complaint, positive for thanks, else neutral.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import string
import threading
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from recbrowser.emulators import speech
from recbrowser.emulators.server import EmulatorServer, Request, send_bytes, send_json, send_media, send_text

DAY_MS = 86_400_000
COMPANY, PBX_SERIAL = "it_w424242", "000000424242"
AGENTS = [("Anna Schmidt", "201"), ("Ben Wolf", "202"), ("Clara Novak", "203"), ("David Okafor", "204")]
_FIRST = ["Lena", "Jonas", "Marie", "Paul", "Sofia", "Lukas", "Emma", "Noah"]
_LAST = ["Becker", "Fischer", "Weber", "Meyer", "Wagner", "Koch"]
_ALNUM = string.ascii_letters + string.digits
_WDA = "/v2/history/"
# What a WDA summary says about each topic (sentence keys of speech.TOPICS).
_SUMMARY = {
    "ask_price": "The caller asked about the price of the premium plan; the agent quoted forty nine euros a month.",
    "ask_invoice": "The caller was charged twice on the last invoice; the agent issued a refund due within five days.",
    "ask_delivery": "The caller asked when the order would arrive; the agent said next week, on Tuesday.",
}
_SENTIMENT = {"ask_invoice": "negative", "card_number": "negative", "caller_bye": "positive", "refund_eta": "positive"}


@dataclass(slots=True)
class Flow:
    index: int
    start_ms: int
    end_ms: int
    caller: dict[str, Any]
    callee: dict[str, Any]
    status: str  # COMPLETED | MISSED
    wait_ms: int
    talk_ms: int
    transcription: str = "UNAVAILABLE"  # AVAILABLE | POST_TRANSCRIPTION | UNAVAILABLE
    dialogue: speech.Dialogue | None = None  # placements relative to the recording's start
    rec_start: int | None = None
    rec_file: str = ""
    pauses: list[dict[str, Any]] = field(default_factory=list)
    hold_ms: int = 0


@dataclass(slots=True)
class EmulatedCall:
    id: str
    start_ms: int
    direction: str
    flows: list[Flow]


def _participant(who: tuple[str, str], local: bool) -> dict[str, Any]:
    name, phone = who
    p: dict[str, Any] = {"type": "LOCAL" if local else "REMOTE", "role": "AGENT" if local else "CLIENT", "phone": phone, "name": name}
    if local:
        p.update(userId=f"u-{phone}", userExtension=phone, userDepartment="Support", email=f"{name.split()[0].lower()}@example.com")
    return p


class _Side(EmulatorServer):
    """The PBX or the storage host: routes only, owned by the WildixEmulator."""

    def __init__(self, owner: WildixEmulator, provider: str):
        super().__init__()
        self.provider, self.faults = provider, owner.faults

    def _pre_faults(self, req: Request) -> bool:
        return _no_retry_after_429(self, req) or super()._pre_faults(req)


class WildixEmulator(EmulatorServer):
    provider = "wildix"

    def __init__(self, calls: int = 40, seed: int = 1, faults: tuple[str, ...] | list[str] = (),
                 now_ms: int | None = None, redirect_after_ms: int = DAY_MS, showcase: bool = False):
        super().__init__(faults)
        rng = random.Random(seed)
        self.api_key = "wsk-v1-" + "".join(rng.choices(_ALNUM, k=93))
        self.simple_token = "".join(rng.choices("0123456789abcdef", k=40))
        self._storage_key = f"storage-{seed}".encode()
        self.now_ms = now_ms if now_ms is not None else int(time.time()) // 86400 * DAY_MS
        self.redirect_after_ms = redirect_after_ms
        self.key_expired = self.token_expired = False
        self.late: dict[tuple[str, int], int] = {}  # (call id, flow) -> 404s still to answer before the transcript
        self.never: set[tuple[str, int]] = set()  # AVAILABLE in the listing, 404 for ever
        self.late_summaries: dict[tuple[str, int], int] = {}  # (call id, flow) -> 404s before the summary
        self.summary_requests = 0
        self.extra_fields: dict[str, Any] = {}  # added to every listed CallRecord (unknown fields)
        self.drop_fields: set[str] = set()  # removed from every listed CallRecord (missing fields)
        self.storage_authorization: list[str] = []  # Authorization headers that reached the storage host
        self.pbx_raw_paths: list[str] = []
        self._audio: OrderedDict[str, bytes] = OrderedDict()
        self._state = threading.Lock()
        self._expiry_seen: dict[int, int] = {}
        self.calls = self._generate(calls, rng)
        if showcase:  # after the seeded ones: the same seed lists the same calls with or without them
            self.calls += self._showcase(len(self.calls))
        self.by_id = {c.id: c for c in self.calls}
        self._by_file = {f.rec_file: f for c in self.calls for f in c.flows if f.rec_file}
        # Listing rows, oldest first: (flow start, call, flow); internal flows twice (seen from both sides).
        # A conference (flow None) every tenth call: conferences share the list and the paging.
        # Internal flows twice: the second copy is the callee side's view (see _side_view).
        self._rows: list[tuple[int, EmulatedCall, Flow | None, int]] = sorted(
            [(f.start_ms, c, f, n) for c in self.calls for f in c.flows for n in range(2 if c.direction == "INTERNAL" else 1)]
            + [(c.start_ms + 1, c, None, 0) for c in self.calls[::10]], key=lambda r: r[0])
        self._keys = [r[0] for r in self._rows]
        self.pbx, self.storage = _Side(self, "wildix-pbx"), _Side(self, "wildix-storage")
        self.route("POST", _WDA + "conversations", self._wda(self._conversations))
        self.route("GET", _WDA + "calls/", self._wda(self._call_routes), prefix=True)
        self.pbx.route("GET", "/spoolview/recordings/", self._pbx_recording, prefix=True)
        self.storage.route("GET", "/wildix-rec/", self._storage_get, prefix=True)

    # -- life cycle and what the CLI prints -------------------------------------------------------------
    def start(self) -> str:
        self.pbx.start()
        self.storage.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.pbx.stop()
        self.storage.stop()

    def account_settings(self) -> dict[str, str]:
        return {"pbx_url": self.pbx.base_url, "wda_url": self.base_url}

    def secrets(self) -> dict[str, str]:
        return {"simple_token": self.simple_token, "api_key": self.api_key}

    def call_ids_between(self, start_ms: int, end_ms: int) -> set[str]:
        return {c.id for c in self.calls if start_ms <= c.start_ms < end_ms}

    # -- generation ---------------------------------------------------------------------------------------
    def _generate(self, n: int, rng: random.Random) -> list[EmulatedCall]:
        customers = [(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", f"+39{rng.randint(200000000, 399999999)}") for _ in range(40)]
        end = self.now_ms - 60_000
        starts = sorted(rng.randint(end - 14 * DAY_MS, end) for _ in range(n))
        calls = []
        for i, start in enumerate(starts):
            kind = rng.choice(["INBOUND"] * 6 + ["OUTBOUND"] * 3 + ["INTERNAL"])
            agent, customer = rng.choice(AGENTS), rng.choice(customers)
            if kind == "INBOUND":
                caller, callee = _participant(customer, False), _participant(agent, True)
            elif kind == "OUTBOUND":
                caller, callee = _participant(agent, True), _participant(customer, False)
            else:
                caller, callee = _participant(agent, True), _participant(rng.choice([a for a in AGENTS if a != agent]), True)
            call = EmulatedCall(f"{COMPANY}_{start // 1000}.{i}", start, kind, [])
            wait = rng.randint(2000, 12000)
            if rng.random() < 0.15:
                call.flows.append(Flow(0, start, start + wait + 8000, caller, callee, "MISSED", wait + 8000, 0))
            else:
                self._answered(call, rng, caller, callee, wait, agent)
            calls.append(call)
        return calls

    def _showcase(self, first: int) -> list[EmulatedCall]:
        """The scripted calls of emulators/showcase.py, inbound to Anna, in the last hours."""
        from recbrowser.emulators.showcase import SCRIPTED

        calls = []
        for n, script in enumerate(SCRIPTED):
            start = self.now_ms - (len(SCRIPTED) - n) * 3_600_000
            call = EmulatedCall(f"{COMPANY}_{start // 1000}.{first + n}", start, "INBOUND", [])
            caller = _participant(("Maria Rossi", "+390212345678"), False)
            callee = _participant(AGENTS[0], True)
            d, wait = script.dialogue(), 4000
            flow = Flow(0, start, start + wait + d.total_ms, caller, callee, "COMPLETED", wait, d.total_ms, "AVAILABLE", d)
            flow.rec_start = start + wait
            flow.rec_file = f"{datetime.fromtimestamp(flow.rec_start / 1000, UTC):%Y.%m.%d-%H.%M.%S}-{script.name}-{callee['userExtension']}[pbx]-0.wav"
            if script.hold:
                flow.pauses.append({"start": flow.rec_start + script.hold[0], "end": flow.rec_start + script.hold[1], "reason": "hold"})
                flow.hold_ms = script.hold[1] - script.hold[0]
            call.flows.append(flow)
            calls.append(call)
        return calls

    def _answered(self, call: EmulatedCall, rng: random.Random, caller: dict, callee: dict, wait: int, agent: tuple) -> None:
        d = speech.plan_dialogue(rng, transfer=call.direction == "INBOUND" and rng.random() < 0.15)
        rec0 = call.start_ms + wait
        cut = d.transfer_ms if d.transfer_ms is not None else d.total_ms
        first = tuple(p for p in d.placements if p.offset_ms < cut)
        parts = [(caller, callee, call.start_ms, rec0, speech.Dialogue(first, cut), wait)]
        if d.transfer_ms is not None:
            second = tuple(speech.Placement(p.offset_ms - cut, p.duration_ms, p.text, p.speaker, p.key) for p in d.placements[len(first):])
            agent2 = _participant(rng.choice([a for a in AGENTS if a != agent]), True)
            parts.append((caller, agent2, rec0 + cut, rec0 + cut, speech.Dialogue(second, d.total_ms - cut), 0))
        recorded = rng.random() < 0.9
        status = rng.choice(["AVAILABLE"] * 8 + ["POST_TRANSCRIPTION", "UNAVAILABLE"]) if recorded else "UNAVAILABLE"
        for idx, (frm, to, f_start, r_start, dlg, w) in enumerate(parts):
            flow = Flow(idx, f_start, r_start + dlg.total_ms, frm, to, "COMPLETED", w, dlg.total_ms, status, dlg)
            if recorded:
                flow.rec_start = r_start
                t = datetime.fromtimestamp(r_start / 1000, UTC)
                ext = (to if to["type"] == "LOCAL" else frm).get("userExtension", "bot111")
                flow.rec_file = f"{t:%Y.%m.%d-%H.%M.%S}-{rng.randint(100000, 999999)}-{ext}[pbx]-{rng.getrandbits(20):05x}-{idx}.wav"
                if len(dlg.placements) > 1 and rng.random() < 0.25:  # a hold in a silent gap between two turns
                    p = dlg.placements[0]
                    at = r_start + p.offset_ms + p.duration_ms + 50
                    flow.pauses.append({"start": at, "end": at + 200, "reason": "hold"})
            call.flows.append(flow)

    # -- wire format ---------------------------------------------------------------------------------------
    def record(self, call: EmulatedCall, flow: Flow, unit: str = "s") -> dict[str, Any]:
        """A CallRecord for one flow; `unit` "s" as in QueryConversations, "ms" as in GetCall and webhooks."""
        conv = (lambda ms: round(ms / 1000)) if unit == "s" else (lambda ms: ms)
        remote = flow.callee if flow.callee["type"] == "REMOTE" else flow.caller
        rec: dict[str, Any] = {
            "id": call.id, "flowIndex": flow.index, "pbx": PBX_SERIAL, "company": COMPANY, "licenses": ["x-bees"],
            "type": "call", "time": flow.end_ms, "startTime": flow.start_ms, "endTime": flow.end_ms,
            "duration": conv(flow.end_ms - flow.start_ms), "talkTime": conv(flow.talk_ms), "waitTime": conv(flow.wait_ms),
            "connectTime": conv(flow.wait_ms), "holdTime": conv(flow.hold_ms), "direction": call.direction, "callStatus": flow.status,
            "caller": flow.caller, "callee": flow.callee, "destination": flow.callee["phone"],
            "serviceNumber": flow.callee["phone"], "remotePhone": remote["phone"] if remote["type"] == "REMOTE" else "",
            "trunkName": "SIPTRUNK" if call.direction != "INTERNAL" else "", "tags": self._tags(call), "flags": [],
            **({"queueName": "Support", "queueId": "q-6400", "queueTime": conv(flow.wait_ms)}
               if call.direction == "INBOUND" else {}),
            "transcriptionStatus": flow.transcription, "transcriptionLanguage": "en-US",
            "attachments": [{"recording": self._attachment(flow)}] if flow.rec_file else [],
        }
        for key in self.drop_fields:
            rec.pop(key, None)
        return {**rec, **self.extra_fields}

    @staticmethod
    def _tags(call: EmulatedCall) -> list[str]:
        """Tags a supervisor set in Wildix on some calls (deterministic per call)."""
        n = int(hashlib.sha256(call.id.encode()).hexdigest()[:2], 16)
        return ["vip"] if n % 4 == 0 else ["follow-up", "billing"] if n % 4 == 1 else []

    def complete_transcription(self, call_id: str) -> None:
        """The pipeline finishes a flow that was still processing: listed AVAILABLE from now on."""
        with self._state:
            for flow in self.by_id[call_id].flows:
                if flow.transcription == "POST_TRANSCRIPTION":
                    flow.transcription = "AVAILABLE"

    def summary(self, call: EmulatedCall, flow: Flow) -> str:
        assert flow.dialogue is not None
        said = " ".join(_SUMMARY[p.key] for p in flow.dialogue.placements if p.key in _SUMMARY)
        return said or "The agent greeted the caller and transferred the call."

    def _attachment(self, flow: Flow) -> dict[str, Any]:
        assert flow.rec_start is not None and flow.dialogue is not None
        t = datetime.fromtimestamp(flow.rec_start / 1000, UTC)
        try:
            base = self.pbx.base_url
        except RuntimeError:  # not serving (webhook files made offline): the seed guide's PBX name
            base = "https://example.wildixin.com:443"
        url = f"{base}/spoolview/recordings/{t:%Y.%m.%d}/{t:%H}/{t:%M}/{flow.rec_file}"
        return {"url": url, "fileName": flow.rec_file, "start": flow.rec_start, "end": flow.rec_start + flow.dialogue.total_ms,
                "pauses": flow.pauses, "owner": "system"}

    def chunks(self, call: EmulatedCall, flow: Flow) -> list[dict[str, Any]]:
        """WDA transcription chunks: `start`/`end` in ms from the flow's start (INFERENCE)."""
        assert flow.dialogue is not None and flow.rec_start is not None
        agent_side = "callee" if flow.callee["type"] == "LOCAL" and call.direction != "OUTBOUND" else "caller"
        other = "caller" if agent_side == "callee" else "callee"
        gap = flow.rec_start - flow.start_ms
        return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{call.id}/{flow.index}/{i}")), "time": flow.start_ms,
                 "speaker": agent_side if p.speaker == "agent" else other, "text": p.text, "language": "en-US",
                 "isFinal": True, "start": gap + p.offset_ms, "end": gap + p.offset_ms + p.duration_ms,
                 "sentiment": _SENTIMENT.get(p.key, "neutral")}
                for i, p in enumerate(flow.dialogue.placements)]

    def webhook_events(self, call: EmulatedCall) -> list[dict[str, Any]]:
        """What a relay would have stored: call:completed, then per transcribed flow the
        transcription and formatted-text events (chunk shape of the seed guide)."""
        env = {"pbx": PBX_SERIAL, "company": COMPANY, "integrationId": "emulated-relay"}
        flows = [{k: v for k, v in self.record(call, f, "ms").items() if k not in ("id", "pbx", "company", "licenses", "type")}
                 for f in call.flows]
        data = {"id": call.id, "pbx": PBX_SERIAL, "time": call.flows[-1].end_ms, "company": COMPANY, "licenses": ["x-bees"],
                "type": "call", "flows": flows, "endCause": "normal"}
        out = [{"id": call.id, "time": call.flows[-1].end_ms, "type": "call:completed", "data": data, **env}]
        for f in call.flows:
            if f.transcription != "AVAILABLE" or f.dialogue is None:
                continue
            names = {"caller": f.caller["name"], "callee": f.callee["name"]}
            chunks = [{"id": c["id"], "name": names[c["speaker"]], "offset": c["start"],
                       "text": c["text"], "time": time.strftime("%H:%M:%S", time.gmtime(c["start"] // 1000))}
                      for c in self.chunks(call, f)]
            callrec = {**self.record(call, f, "ms")}
            out.append({"id": call.id, "time": f.end_ms + 900, "type": "call:transcription:completed",
                        "data": {"call": callrec, "chunks": chunks}, **env})
            text = "\n".join(f"{c['name']}: {c['text']}" for c in chunks)
            out.append({"id": call.id, "time": f.end_ms + 950, "type": "call:transcription:text:completed",
                        "data": {"call": callrec, "text": text}, **env})
        return out

    # -- WDA -----------------------------------------------------------------------------------------------
    def _pre_faults(self, req: Request) -> bool:
        return _no_retry_after_429(self, req) or super()._pre_faults(req)

    def _expiry_due(self, path: str) -> bool:
        fault = self.faults.peek("token-expiry", path)
        if fault is None:
            return False
        with self._state:
            seen = self._expiry_seen.get(id(fault), 0) + 1
            self._expiry_seen[id(fault)] = seen
        return seen > fault.number("after", 0) and self.faults.take("token-expiry", path) is not None

    def _wda(self, fn: Any) -> Any:
        def handle(req: Request) -> None:
            auth = req.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else ""
            if token == self.api_key and self._expiry_due(req.path):
                self.key_expired = True
            if token != self.api_key or self.key_expired:
                message = "Token expired" if token == self.api_key else "Unauthorized"
                return send_json(req.handler, {"__type": "UnauthorizedException", "message": message}, status=401)
            status, body = fn(req)
            send_json(req.handler, body, status=status)
        return handle

    @staticmethod
    def _error(status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
        return status, {"__type": kind, "message": message}

    def _conversations(self, req: Request) -> tuple[int, dict[str, Any]]:
        body = req.json()
        if not isinstance(body, dict):
            return self._error(400, "ValidationException", "body must be a JSON object")
        limit, offset, flt = body.get("limit", 100), body.get("offset", 0), body.get("filter") or {}
        if not isinstance(limit, int) or not 1 <= limit <= 1000 or not isinstance(offset, int) or offset < 0:
            return self._error(400, "ValidationException", "limit must be 1..1000 and offset >= 0")
        try:
            lo_ms = _parse_iso(flt.get("from")) if flt.get("from") else None
            hi_ms = _parse_iso(flt.get("to")) if flt.get("to") else None
        except ValueError:
            return self._error(400, "ValidationException", "filter.from and filter.to must be ISO 8601 dates")
        lo = 0 if lo_ms is None else bisect_left(self._keys, lo_ms)
        hi = len(self._rows) if hi_ms is None else bisect_right(self._keys, hi_ms)
        rows = self._rows[lo:hi][::-1]  # newest first
        page = rows[offset : offset + limit]
        items = [{"call": self._side_view(c, f, n)} if f is not None else
                 {"conference": {"id": f"conf-{c.id}", "startTime": t, "type": "conference"}} for t, c, f, n in page]
        return 200, {"conversations": items}

    def _side_view(self, call: EmulatedCall, flow: Flow, copy: int) -> dict[str, Any]:
        """The second listing of an internal flow is the callee's: no attachment, no transcript (INFERENCE)."""
        rec = self.record(call, flow)
        return {**rec, "attachments": [], "transcriptionStatus": "UNAVAILABLE"} if copy else rec

    def _call_routes(self, req: Request) -> tuple[int, dict[str, Any]]:
        parts = req.path[len(_WDA + "calls/"):].split("/")
        if len(parts) < 3 or parts[1] != "flows" or not parts[2].isdigit():
            return self._error(404, "NotFoundException", "no such route")
        call = self.by_id.get(parts[0])
        idx = int(parts[2])
        if call is None or idx >= len(call.flows):
            return self._error(404, "CallNotFoundException", "Call not found")
        flow = call.flows[idx]
        if len(parts) == 3:
            return 200, {"call": self.record(call, flow, "ms")}
        key = (call.id, idx)
        if parts[3:] == ["summary"]:
            with self._state:
                self.summary_requests += 1
                late = self.late_summaries.get(key, 0)
                if late:
                    self.late_summaries[key] = late - 1
            if flow.transcription != "AVAILABLE" or late:
                return self._error(404, "CallSummaryNotFoundException", "Call summary not found")
            return 200, {"summary": {"id": call.id, "flowIndex": idx, "language": "en-US", "time": flow.end_ms + 1500,
                                     "text": self.summary(call, flow)}}
        with self._state:
            late = self.late.get(key, 0)
            if late:
                self.late[key] = late - 1
        if flow.transcription != "AVAILABLE" or key in self.never or late:
            return self._error(404, "CallTranscriptionNotFoundException", "Call transcription not found")
        chunks = self.chunks(call, flow)
        if parts[3:] == ["transcription", "text"]:
            names = {"caller": flow.caller["name"], "callee": flow.callee["name"]}
            lines = [{"id": c["id"], "name": names[c["speaker"]], "text": c["text"], "offset": c["start"],
                      "time": datetime.fromtimestamp((flow.start_ms + c["start"]) / 1000, UTC).isoformat()} for c in chunks]
            return 200, {"filename": f"transcription-{call.id}.txt", "chunks": lines,
                         "text": "\n".join(f"{c['name']}: {c['text']}" for c in lines)}
        return 200, {"transcription": {"id": call.id, "pbx": PBX_SERIAL, "time": flow.end_ms + 900, "company": COMPANY,
                                       "type": "call_transcription", "flowIndex": idx, "flowStartTime": flow.start_ms,
                                       "callStartTime": call.start_ms, "chunks": chunks},
                     "interaction": {"talkRatio": 50, "wordsPerMinute": 130, "interruptions": 0, "patience": 1.2,
                                     "longestMonologue": 4, "longestCustomerStory": 3, "participants": []}}

    # -- PBX and storage -------------------------------------------------------------------------------------
    def _pbx_recording(self, req: Request) -> None:
        h = req.handler
        with self._state:
            self.pbx_raw_paths.append(h.path)
        auth = req.headers.get("Authorization", "")
        if auth == f"Bearer {self.simple_token}" and self._expiry_due(req.path):
            self.token_expired = True
        if auth != f"Bearer {self.simple_token}" or self.token_expired:
            return send_json(h, {"type": "error", "reason": "Authorization required"}, status=401)
        flow = self._by_file.get(req.path.rsplit("/", 1)[-1])
        if flow is None:
            return send_json(h, {"type": "error", "reason": "File not found"}, status=404)
        assert flow.rec_start is not None
        if self.now_ms - flow.rec_start > self.redirect_after_ms:
            expires = int(time.time()) + 900
            key = f"/wildix-rec/{PBX_SERIAL}/{flow.rec_file}"
            sig = hmac.new(self._storage_key, f"{key}|{expires}".encode(), hashlib.sha256).hexdigest()
            location = f"{self.storage.base_url}{key}?X-Amz-Expires=900&X-Amz-Date={expires}&X-Amz-Signature={sig}"
            return send_bytes(h, b"", "text/plain", status=302, headers={"Location": location})
        send_media(h, self.audio(flow), "audio/wav")

    def _storage_get(self, req: Request) -> None:
        h = req.handler
        if req.headers.get("Authorization"):
            with self._state:
                self.storage_authorization.append(req.headers["Authorization"])
            return send_bytes(h, b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>",
                              "application/xml", status=400)
        expires = req.query.get("X-Amz-Date", "0")
        sig = hmac.new(self._storage_key, f"{req.path}|{expires}".encode(), hashlib.sha256).hexdigest()
        lapsed = not expires.isdigit() or int(expires) < time.time() or self.faults.take("expired-url", req.path)
        flow = self._by_file.get(req.path.rsplit("/", 1)[-1])
        if lapsed or flow is None or not hmac.compare_digest(sig, req.query.get("X-Amz-Signature", "")):
            self.storage.count("download:expired")
            return send_bytes(h, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                              "application/xml", status=403)
        send_media(h, self.audio(flow), "audio/wav")

    def audio(self, flow: Flow) -> bytes:
        assert flow.dialogue is not None
        with self._state:
            if flow.rec_file in self._audio:
                return self._audio[flow.rec_file]
        data = speech.render_wav(flow.dialogue)
        with self._state:
            self._audio[flow.rec_file] = data
            while len(self._audio) > 16:
                self._audio.popitem(last=False)
        return data


def _no_retry_after_429(server: EmulatorServer, req: Request) -> bool:
    """`429:retry_after=-1`: a 429 without Retry-After (the shared fault always sends one)."""
    fault = server.faults.peek("429", req.path)
    if fault is None or fault.number("retry_after", 1) >= 0 or not server.faults.take("429", req.path):
        return False
    server.count("fault:429")
    send_text(req.handler, "Too Many Requests", status=429)
    return True


def _parse_iso(text: Any) -> int:
    dt = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return int((dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp() * 1000)
