"""A Bandwidth Voice emulator (REFERENCE.md section 4, bandwidth-openapi.yml): OAuth2 token,
recordings, media, transcriptions and the delete/transcribe actions, over real HTTP on 127.0.0.1.

Paths, parameters and bodies follow the spec; every answer validates against its schema
(tests/emulators/test_bandwidth_spec.py checks). Where the documents are silent the choice is INFERENCE:

- `listAccountCallRecordings` answers in ascending `startTime` order and cuts at 1,000 entries;
- a bad client ID/secret at the token URL -> 401 `{"error": "invalid_client"}` (RFC 6749 shape);
- a wrong account ID in the path -> 403 `authorization-error`; an unknown id -> 404;
- after `deleteRecordingMedia` the metadata stays, with `status` "deleted" and no `mediaUrl`;
- a multi-channel recording has the far party on channel 0 and our side on channel 1;
- recordings older than `NEW_SHAPE_DAYS` carry the pre-2026-06-23 transcription shape;
- the first inbound two-channel recording is of a call transferred with <Transfer>: it carries
  `transferTo` (an agent's mobile) and `transferCallerId` (our number), and its channel 1 is that
  agent; the refusal of a transcription outside 0.5 s..4 h says so in its `description`.

Calls are planned up front from the seed (cheap); audio is rendered on first download.
"""

from __future__ import annotations

import base64
import bisect
import io
import json
import random
import re
import threading
import time
import wave
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from recbrowser.emulators import speech
from recbrowser.emulators.server import EmulatorServer, Request, TokenBook, _Handler, send_bytes, send_json, send_media

DAY_MS = 86_400_000
NEW_SHAPE_DAYS = 7
APP_ID = "04e88489-df02-4e34-a0ee-27a91849555f"
_PATH = re.compile(r"^/api/v2/accounts/(?P<acc>[^/]+)/(?:recordings|calls/(?P<call>[^/]+)/recordings"
                   r"(?:/(?P<rec>[^/]+)(?:/(?P<sub>media|transcription))?)?)$")
_AGENT_NUMBERS = ["+19195550100", "+19195550101", "+19195550102"]
TRANSFER_TARGET = "+19195550177"  # an agent's mobile a call is transferred to


@dataclass(slots=True)
class EmuRecording:
    call_id: str
    recording_id: str
    start_ms: int
    direction: str
    far: str  # the customer's number
    near: str  # our Bandwidth number
    channels: int
    fmt: str
    dialogue: speech.Dialogue
    transcript: str | None  # "available", "processing" or None
    media_deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Exchange:
    """One request and its answer, kept when `record` is on (the spec test reads them)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0
    content_type: str = ""
    response: Any = None


class _BandwidthHandler(_Handler):
    def do_DELETE(self) -> None:
        self.server.emulator._dispatch(self)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _duration(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    seconds = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    return f"PT{minutes}M{seconds}S" if minutes else f"PT{seconds}S"


def _id(rng: random.Random, prefix: str) -> str:  # 47 characters, like the SDK's fixtures
    b = rng.getrandbits
    return f"{prefix}-{b(32):08x}-{b(32):08x}-{b(16):04x}-{b(16):04x}-{b(16):04x}-{b(48):012x}"


class BandwidthEmulator(EmulatorServer):
    provider = "bandwidth"

    def __init__(self, calls: int = 40, seed: int = 1, faults: tuple[str, ...] | list[str] = (),
                 now_ms: int | None = None, account_id: str = "9900000", client_id: str = "recbrowser-demo",
                 client_secret: str | None = None, username: str = "demo-api-user", password: str | None = None,
                 token_ttl: float = 3600, burst: int = 0, quirks: bool = False, record: bool = False):
        super().__init__(faults)
        self.seed, self.account_id, self.quirks, self.record = seed, account_id, quirks, record
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000) - 60_000
        self.client_id, self.username = client_id, username
        rnd = random.Random(seed).getrandbits(64)
        self.client_secret = client_secret or f"demo-secret-{seed}-{rnd:016x}"
        self.password = password or f"demo-password-{seed}-{rnd:016x}"
        self.tokens = TokenBook(token_ttl, 0)
        self.token_ttl = token_ttl
        self.exchanges: list[Exchange] = []
        self.media_requests = 0
        self._audio: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._state = threading.Lock()
        self._expiry_seen: dict[int, int] = {}
        self.recordings = self._generate(calls, burst)
        self._reindex()
        self.route("POST", "/api/v1/oauth2/token", self._token)
        for method in ("GET", "POST", "DELETE"):
            self.route(method, "/api/v2/accounts/", self._api, prefix=True)

    def start(self) -> str:
        url = super().start()
        assert self._httpd is not None
        self._httpd.RequestHandlerClass = _BandwidthHandler  # the framework's handler has no do_DELETE
        return url

    # -- what tests and the CLI use ---------------------------------------------------------------
    def account_settings(self) -> dict[str, str]:
        return {"account_id": self.account_id, "base_url": f"{self.base_url}/api/v2",
                "token_url": f"{self.base_url}/api/v1/oauth2/token", "client_id": self.client_id}

    def secrets(self) -> dict[str, str]:
        return {"client_secret": self.client_secret}

    def basic_settings(self) -> dict[str, str]:
        return {"account_id": self.account_id, "base_url": f"{self.base_url}/api/v2", "username": self.username}

    def call_ids_between(self, start_ms: int, end_ms: int) -> set[str]:
        return {r.call_id for r in self.recordings if start_ms <= r.start_ms < end_ms}

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def by_id(self, recording_id: str) -> EmuRecording | None:
        return self._by_id.get(recording_id)

    # -- generation ---------------------------------------------------------------------------------
    def _generate(self, n: int, burst: int) -> list[EmuRecording]:
        rng = random.Random(self.seed)
        customers = [f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}" for _ in range(60)]
        out: list[EmuRecording] = []
        starts = [rng.randint(self.now_ms - 14 * DAY_MS, self.now_ms - 3_600_000) for _ in range(n)]
        # A burst: `burst` short calls in one hour two days ago, more than one list answer can hold.
        hour = (self.now_ms - 2 * DAY_MS) // 3_600_000 * 3_600_000
        starts += [hour + rng.randint(0, 3_599_999) for _ in range(burst)]
        for i, start in enumerate(sorted(starts)):
            direction = "inbound" if rng.random() < 0.7 else "outbound"
            dialogue = speech.plan_dialogue(rng)
            channels = 2 if rng.random() < 0.3 else 1
            fmt = "mp3" if channels == 1 and rng.random() < 0.15 else "wav"
            roll = rng.random()
            transcript = "available" if roll < 0.75 else "processing" if roll < 0.8 else None
            call_id = _id(rng, "c")
            rec = EmuRecording(call_id, _id(rng, "r"), start, direction, rng.choice(customers),
                               rng.choice(_AGENT_NUMBERS), channels, fmt, dialogue, transcript)
            out.append(rec)
            if i % 10 == 3:  # some calls hold a second recording (StartRecording again later in the call)
                later = start + dialogue.total_ms + rng.randint(2000, 20_000)
                out.append(EmuRecording(call_id, _id(rng, "r"), later, direction, rec.far, rec.near, 1, "wav",
                                        speech.plan_dialogue(rng), "available"))
        out.sort(key=lambda r: (r.start_ms, r.recording_id))
        transferred = next((r for r in out if r.channels == 2 and r.direction == "inbound"), None)
        if transferred is not None:  # the call was handed on with <Transfer> to an agent's mobile
            transferred.extra.update(transferTo=TRANSFER_TARGET, transferCallerId=transferred.near)
        return out

    def _reindex(self) -> None:
        self._keys = [r.start_ms for r in self.recordings]
        self._by_id = {r.recording_id: r for r in self.recordings}

    # -- plumbing -----------------------------------------------------------------------------------
    def _reply(self, req: Request, obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._log(req, status, "application/json", obj)
        if headers:
            data = json.dumps(obj, separators=(",", ":")).encode()
            send_bytes(req.handler, data, "application/json", status=status, headers=headers)
        else:
            send_json(req.handler, obj, status=status)

    def _empty(self, req: Request) -> None:  # 204 No Content
        self._log(req, 204, "", None)
        send_bytes(req.handler, b"", "application/json", status=204)

    def _log(self, req: Request, status: int, ctype: str, obj: Any) -> None:
        if self.record:
            with self._state:
                self.exchanges.append(Exchange(req.method, req.path, dict(req.query), dict(req.headers.items()),
                                               req.body, status, ctype, obj))

    @staticmethod
    def error(kind: str, description: str) -> dict[str, Any]:
        return {"type": kind, "description": description, "id": None}

    def _pre_faults(self, req: Request) -> bool:
        # 429 and 5xx carry a voiceApiError body, as the spec declares; retry_after < 0: no Retry-After at all.
        if fault := self.faults.take("429", req.path):
            self.count("fault:429")
            wait = fault.number("retry_after", 1)
            self._reply(req, self.error("error", "Too many requests"), 429,
                        headers={"Retry-After": str(int(wait))} if wait >= 0 else {"X-No-Retry-After": "1"})
            return True
        if fault := self.faults.take("5xx", req.path):
            self.count("fault:5xx")
            self._reply(req, self.error("internal-server-error", "Something went wrong"), int(fault.number("status", 500)))
            return True
        return super()._pre_faults(req)

    def unknown_route(self, req: Request) -> None:
        self._reply(req, self.error("not-found", "The path was not found"), 404)

    # -- OAuth2 ---------------------------------------------------------------------------------------
    def _token(self, req: Request) -> None:
        form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
        auth = req.headers.get("Authorization", "")
        user, pw = self._basic(auth)
        if form.get("grant_type") != "client_credentials":
            return self._reply(req, {"error": "unsupported_grant_type"}, 400)
        if (user, pw) != (self.client_id, self.client_secret):
            return self._reply(req, {"error": "invalid_client"}, 401)
        pair = self.tokens.issue()
        assert pair is not None
        self._reply(req, {"access_token": pair[0], "token_type": "Bearer", "expires_in": int(self.token_ttl)})

    @staticmethod
    def _basic(header: str) -> tuple[str, str]:
        try:
            user, _, pw = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            return ("", "")
        return (user, pw) if header.startswith("Basic ") else ("", "")

    def _authorized(self, req: Request) -> bool:
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            if not self.tokens.valid(header[7:]):
                return False
            fault = self.faults.peek("token-expiry", req.path)
            if fault is not None:
                with self._state:
                    seen = self._expiry_seen[id(fault)] = self._expiry_seen.get(id(fault), 0) + 1
                if seen > fault.number("after", 0) and self.faults.take("token-expiry", req.path):
                    self._expiry_seen[id(fault)] = 0
                    self.count("fault:token-expiry")
                    self.expire_tokens()
                    return False
            return True
        return self._basic(header) == (self.username, self.password)

    # -- the Voice API --------------------------------------------------------------------------------
    def _api(self, req: Request) -> None:
        m = _PATH.match(req.path)
        if m is None:
            return self.unknown_route(req)
        if not self._authorized(req):
            return self._reply(req, self.error("authentication-error", "The credentials provided were invalid"), 401)
        if m["acc"] != self.account_id:
            return self._reply(req, self.error("authorization-error", "Access is denied"), 403)
        if m["rec"] is None:  # listAccountCallRecordings or listCallRecordings
            return self._list(req, m["call"]) if req.method == "GET" else self._not_allowed(req)
        rec = self._by_id.get(m["rec"])
        if rec is None or rec.call_id != m["call"]:
            return self._reply(req, self.error("not-found", "Recording not found"), 404)
        if req.method == "DELETE":
            return self._delete(req, rec, m["sub"] or "recording")
        handler = {(None, "GET"): lambda q, r: self._reply(q, self.metadata(r)), ("media", "GET"): self._media,
                   ("transcription", "GET"): self._transcription,
                   ("transcription", "POST"): self._transcribe}.get((m["sub"], req.method))
        if handler is None:
            return self._not_allowed(req)
        handler(req, rec)

    def _not_allowed(self, req: Request) -> None:
        self._reply(req, self.error("validation", "Method not allowed"), 405)

    def _when(self, text: str | None) -> int | None:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000) if text else None

    def _list(self, req: Request, call_id: str | None) -> None:
        q = req.query
        try:
            lo, hi = self._when(q.get("minStartTime")), self._when(q.get("maxStartTime"))
        except ValueError:
            return self._reply(req, self.error("validation", "minStartTime and maxStartTime must be ISO 8601"), 400)
        with self._state:
            first = 0 if lo is None else bisect.bisect_left(self._keys, lo)
            last = len(self._keys) if hi is None else bisect.bisect_left(self._keys, hi)  # maxStartTime is exclusive
            rows = [r for r in self.recordings[first:last] if call_id is None or r.call_id == call_id]
        rows = [r for r in rows if (not q.get("to") or r_to(r) == q["to"]) and (not q.get("from") or r_from(r) == q["from"])]
        self._reply(req, [self.metadata(r) for r in rows[:1000]])

    def metadata(self, r: EmuRecording) -> dict[str, Any]:
        base = f"{self.base_url}/api/v2/accounts/{self.account_id}/calls/{r.call_id}/recordings/{r.recording_id}"
        total = r.dialogue.total_ms
        meta: dict[str, Any] = {
            "applicationId": APP_ID, "accountId": self.account_id, "callId": r.call_id, "recordingId": r.recording_id,
            "to": r_to(r), "from": r_from(r), "duration": _duration(total), "direction": r.direction,
            "channels": r.channels, "startTime": _iso(r.start_ms), "endTime": _iso(r.start_ms + total),
            "fileFormat": r.fmt, "status": "deleted" if r.media_deleted else "complete",
            "mediaUrl": None if r.media_deleted else f"{base}/media",
            "transcription": None if r.transcript is None else {
                "id": "t" + r.recording_id[1:], "status": r.transcript,
                "completedTime": _iso(r.start_ms + total + 60_000), "url": f"{base}/transcription"},
            "recordingName": f"call-{r.call_id[2:10]}",
            **r.extra,
        }
        if self.quirks:  # a newer API adds fields, older records lack some, a state clients must tolerate
            h = int(r.recording_id[2:10], 16)
            drop = ("recordingName", "channels", "endTime", "applicationId") * (h % 5 == 0) + ("duration",) * (h % 7 == 0)
            meta = {k: v for k, v in meta.items() if k not in drop} | {"recordingTags": {"queue": "support"}, "futureField": 7}
            if h % 11 == 0 and not r.media_deleted:
                meta["status"] = "archived-soon"
        return meta

    def _media(self, req: Request, r: EmuRecording) -> None:
        with self._state:
            self.media_requests += 1
        if r.media_deleted or self.faults.take("expired-url", req.path):
            return self._reply(req, self.error("not-found", "Recording media not found"), 404)
        data, ctype = self.audio(r)
        self._log(req, 200, ctype, None)
        send_media(req.handler, data, ctype)

    def audio(self, r: EmuRecording) -> tuple[bytes, str]:
        """The recording's bytes and content type; rendered once, a few kept in memory."""
        with self._state:
            if r.recording_id in self._audio:
                self._audio.move_to_end(r.recording_id)
                return self._audio[r.recording_id]
        d = r.dialogue
        if r.channels == 2:
            data, ctype = stereo_wav(d), "audio/vnd.wave"
        elif r.fmt == "mp3":
            data, ctype = speech.to_mp3(speech.render_wav(d), d.total_ms), "audio/mpeg"
        else:
            data, ctype = speech.render_wav(d), "audio/vnd.wave"
        with self._state:
            self._audio[r.recording_id] = (data, ctype)
            while len(self._audio) > 32:
                self._audio.popitem(last=False)
        return data, ctype

    def transcription(self, r: EmuRecording) -> dict[str, Any]:
        d = r.dialogue
        if r.channels == 2:  # one transcript per channel: far party first
            speaker_of = {"caller": 0, "agent": 1}
        else:  # mono: the engine numbers voices in the order they speak
            order = list(dict.fromkeys(p.speaker for p in d.placements))
            speaker_of = {who: i for i, who in enumerate(order)}
        by_speaker: dict[int, list[str]] = {}
        for p in d.placements:
            by_speaker.setdefault(speaker_of[p.speaker], []).append(p.text)
        if r.start_ms < self.now_ms - NEW_SHAPE_DAYS * DAY_MS:  # before the shape changed
            texts = [" ".join(by_speaker[k]) for k in sorted(by_speaker)] if r.channels == 2 else \
                [" ".join(p.text for p in d.placements)]
            return {"transcripts": [{"text": t, "confidence": 0.93} for t in texts]}
        return {
            "transcripts": [{"speaker": k, "text": " ".join(v), "confidence": 0.95} for k, v in sorted(by_speaker.items())],
            "clips": [{"speaker": speaker_of[p.speaker], "text": p.text, "confidence": 0.96,
                       "startTimeSeconds": p.offset_ms / 1000, "endTimeSeconds": (p.offset_ms + p.duration_ms) / 1000}
                      for p in d.placements],
        }

    def _transcription(self, req: Request, r: EmuRecording) -> None:
        if r.transcript != "available":
            return self._reply(req, self.error("not-found", "Transcription not found"), 404)
        self._reply(req, self.transcription(r))

    def _delete(self, req: Request, r: EmuRecording, what: str) -> None:
        if what == "transcription":
            r.transcript = None
        elif what == "media":
            r.media_deleted = True
        else:
            with self._state:
                self.recordings = [x for x in self.recordings if x is not r]
                self._reindex()
        self._empty(req)

    def _transcribe(self, req: Request, r: EmuRecording) -> None:
        body = req.json()
        if body is not None and not isinstance(body, dict):
            return self._reply(req, self.error("validation", "The body must be a transcribeRecording object"), 400)
        if not 500 < r.dialogue.total_ms < 4 * 3_600_000:
            return self._reply(req, self.error(
                "validation", "Recordings must be longer than 500 milliseconds and shorter than 4 hours to be "
                "transcribed"), 400)
        if r.media_deleted:
            return self._reply(req, self.error("validation", "The recording cannot be transcribed"), 400)
        r.transcript = "available"  # INFERENCE: at once; real transcriptions take a while ("processing")
        self._empty(req)


def r_to(r: EmuRecording) -> str:
    return r.near if r.direction == "inbound" else r.far


def r_from(r: EmuRecording) -> str:
    return r.far if r.direction == "inbound" else r.near


def stereo_wav(d: speech.Dialogue) -> bytes:
    """Two channels: the far party (caller) on the left, our side (agent) on the right."""
    chans = []
    for who in ("caller", "agent"):
        mono = speech.render_wav(speech.Dialogue(tuple(p for p in d.placements if p.speaker == who), d.total_ms))
        with wave.open(io.BytesIO(mono)) as w:
            chans.append(array("h", w.readframes(w.getnframes())))
    both = array("h", bytes(4 * len(chans[0])))
    both[0::2], both[1::2] = chans[0], chans[1]
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(speech.RATE)
        w.writeframes(both.tobytes())
    return out.getvalue()
