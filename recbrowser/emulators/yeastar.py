"""A Yeastar P-Series OpenAPI emulator (REFERENCE.md section 2): tokens, CDR v1/v2, recordings,
AI transcripts, over real HTTP on 127.0.0.1.

Behaviour the vendor documents is copied; where the documents are silent the choice is marked
INFERENCE below and in the module's answers:

- wrong Client ID/Secret on get_token, and a request without User-Agent -> errcode 10005
  ACCESS DENIED (HTTP 200);
- a 9th get_token while 8 access tokens are live -> errcode 60002 MAX LIMITATION EXCEEDED;
- refresh_token revokes the access token it belonged to and is single-use;
- an expired or unknown download link -> HTTP 404 with {"errcode":60001,"errmsg":"DATA NOT FOUND"};
- a second concurrent mp3 download -> HTTP 200 {"errcode":70082,"errmsg":"OVERLOAD_TASK_RUNNING"};
- system/information carries the display format as data.date_display_format (third-party);
- aidownload with no matching transcripts -> errcode 0 and a file holding `[]`; `leg` counts
  legs within one call.

Calls are generated up front from the seed (cheap: dialogue plans only); audio is rendered
on first download and cached.
"""

from __future__ import annotations

import bisect
import json
import random
import re
import string
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from recbrowser.emulators import speech
from recbrowser.emulators.server import ERRMSG, EmulatorServer, Request, TokenBook, send_json, send_media

ACCESS_TTL, REFRESH_TTL, LINK_TTL = 1800, 86400, 1800
TOKEN_CAP = 8
DAY_S = 86400
AGENTS = [("Anna Schmidt", "2001"), ("Ben Wolf", "2002"), ("Clara Novak", "2003"), ("David Okafor", "2004"),
          ("Eva Lindqvist", "2005"), ("Farid Haddad", "2006")]
_FIRST = ["Lena", "Jonas", "Marie", "Paul", "Sofia", "Lukas", "Emma", "Noah", "Mia", "Elias", "Hannah", "Felix"]
_LAST = ["Becker", "Fischer", "Weber", "Meyer", "Wagner", "Hoffmann", "Koch", "Richter", "Klein", "Braun"]
_STATUS = (["ANSWERED"] * 76 + ["NO ANSWER"] * 9 + ["BUSY"] * 4 + ["FAILED"] * 3 + ["VOICEMAIL"] * 3
           + ["ABANDONED"] * 5)
_TYPES = ["Inbound"] * 6 + ["Outbound"] * 3 + ["Internal"]
_SUMMARY = {
    "ask_price": "The caller asked about the price of the premium plan; the agent quoted forty nine euros a month.",
    "ask_invoice": "The caller was charged twice on the last invoice and gave a card number; the agent issued a refund "
                   "due within five days.",
    "ask_delivery": "The caller asked when the order would arrive; the agent said next week, on Tuesday.",
}
_FMT_TOKENS = re.compile(r"YYYY|MM|DD|HH|hh|mm|ss|AM\|PM")
_FMT_MAP = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "AM|PM": "%p"}
_ALNUM = string.ascii_letters + string.digits


def display_pattern(time_format: str) -> str:
    """PBX display format (`MM/DD/YYYY hh:mm:ss AM|PM`) -> strftime/strptime pattern."""
    out = _FMT_TOKENS.sub(lambda m: _FMT_MAP[m.group(0)], time_format)
    if "%p" in out:
        out = out.replace("%H", "%I")
    if not all(t in out for t in ("%Y", "%m", "%d", "%M", "%S")):
        raise ValueError(f"{time_format!r} is not a PBX display format such as 'YYYY/MM/DD HH:mm:ss'")
    return out


@dataclass(slots=True)
class EmulatedCall:
    index: int
    uid: str
    start_s: int
    call_type: str
    caller: tuple[str, str]  # (name, number); name "" = unknown caller
    callee: tuple[str, str]
    status: str  # v2 last_status vocabulary
    ring_s: int
    talk_s: int
    in_v1: bool
    in_v2: bool
    dialogue: speech.Dialogue | None = None
    agent2: tuple[str, str] | None = None  # the second leg's agent after a transfer
    rec_id: int | None = None
    rec_file: str = ""
    transcript: bool = False

    @property
    def rec_start_s(self) -> int:
        return self.start_s + self.ring_s  # recording starts when the call is answered


class YeastarApiError(Exception):
    def __init__(self, code: int, errmsg: str | None = None):
        super().__init__(code)
        self.code, self.errmsg = code, errmsg or ERRMSG.get(code, "FAILURE")


class YeastarEmulator(EmulatorServer):
    provider = "yeastar"

    def __init__(self, calls: int = 40, seed: int = 1, faults: tuple[str, ...] | list[str] = (),
                 recording_format: str = "wav", time_format: str = "YYYY/MM/DD HH:mm:ss",
                 timezone: str = "Europe/Berlin", now_ms: int | None = None,
                 client_id: str = "recbrowser-demo", client_secret: str | None = None):
        super().__init__(faults)
        if recording_format not in ("wav", "mp3"):
            raise ValueError("recording_format must be 'wav' or 'mp3'")
        self.seed, self.recording_format = seed, recording_format
        self.time_format, self.pattern = time_format, display_pattern(time_format)
        self.timezone, self.tz = timezone, ZoneInfo(timezone)
        self.now_ms = now_ms if now_ms is not None else int(time.time()) // DAY_S * DAY_S * 1000
        self.client_id = client_id
        self.client_secret = client_secret or f"demo-secret-{seed}-{random.Random(seed).getrandbits(64):016x}"
        self.tokens = TokenBook(ACCESS_TTL, REFRESH_TTL, cap=TOKEN_CAP)
        self.max_concurrent_mp3 = 0
        self.media_requests = 0  # recording downloads (step 2), successful or not
        self._links: dict[str, tuple[float, str, Any]] = {}  # download name -> (expiry, kind, payload)
        self._expiry_seen: dict[int, int] = {}
        self._mp3_active = 0
        self._audio: OrderedDict[int, bytes] = OrderedDict()
        self._state = threading.Lock()
        self._sysrand = random.SystemRandom()  # tokens and link names need not be reproducible
        self.cdrs = self._generate(calls)
        self._v1 = [c for c in self.cdrs if c.in_v1]
        self._v2 = [c for c in self.cdrs if c.in_v2]
        self._recorded = [c for c in self.cdrs if c.rec_id is not None]
        self._by_rec = {c.rec_id: c for c in self._recorded}
        self._by_file = {c.rec_file: c for c in self._recorded}
        self._keys = {id(lst): [c.start_s for c in lst] for lst in (self._v1, self._v2, self._recorded)}
        for method, path, fn in [
            ("POST", "/openapi/v1.0/get_token", self._get_token), ("POST", "/openapi/v1.0/refresh_token", self._refresh_token),
            ("GET", "/openapi/v1.0/cdr/search", self._cdr_v1), ("GET", "/openapi/v1.0/cdr/list", self._cdr_v1),
            ("GET", "/openapi/v2.0/cdr/search", self._cdr_v2), ("GET", "/openapi/v1.0/recording/list", self._rec_list),
            ("GET", "/openapi/v1.0/recording/search", self._rec_list),
            ("GET", "/openapi/v1.0/recording/download", self._rec_download),
            ("GET", "/openapi/v2.0/cdr/aidownload", self._aidownload),
            ("GET", "/openapi/v1.0/system/information", self._sysinfo),
        ]:
            self.route(method, path, self._api(fn, auth=not path.endswith("_token")))
        self.route("GET", "/api/download/", self._download, prefix=True)

    # -- what tests and the CLI use --------------------------------------------------------------
    def account_settings(self) -> dict[str, str]:
        return {"base_url": self.base_url, "client_id": self.client_id, "time_format": self.time_format,
                "timezone": self.timezone}

    def secrets(self) -> dict[str, str]:
        return {"client_secret": self.client_secret}

    @property
    def tokens_issued(self) -> int:
        return self.tokens.count  # by get_token and refresh_token

    @property
    def issued_tokens(self) -> list[str]:
        return self.tokens.issued

    @property
    def live_tokens(self) -> int:
        return self.tokens.live()

    def call_ids_between(self, start_ms: int, end_ms: int) -> set[str]:
        return {c.uid for c in self.cdrs if start_ms <= c.start_s * 1000 < end_ms}

    def expire_tokens(self) -> None:
        """Declare every live access token expired (as after 30 minutes)."""
        self.tokens.expire_all()

    def display(self, unix_s: int) -> str:
        return datetime.fromtimestamp(unix_s, self.tz).strftime(self.pattern)

    # -- generation ------------------------------------------------------------------------------
    def _generate(self, n: int) -> list[EmulatedCall]:
        rng = random.Random(self.seed)
        customers = [(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" if rng.random() < 0.85 else "",
                      f"+49{rng.choice(('30', '40', '89', '221'))}{rng.randint(1000000, 9999999)}") for _ in range(60)]
        end_s = self.now_ms // 1000 - 60
        starts = sorted(rng.randint(end_s - 14 * DAY_S, end_s) for _ in range(n))
        calls, uids, rec_id = [], set(), 600
        for i, start in enumerate(starts):
            local = datetime.fromtimestamp(start, self.tz).strftime("%Y%m%d%H%M%S")
            uid = f"{local}{rng.getrandbits(20):05X}"
            while uid in uids:
                uid = f"{local}{rng.getrandbits(20):05X}"
            uids.add(uid)
            kind, agent, customer = rng.choice(_TYPES), rng.choice(AGENTS), rng.choice(customers)
            caller, callee = {"Inbound": (customer, agent), "Outbound": (agent, customer),
                              "Internal": (agent, rng.choice([a for a in AGENTS if a != agent]))}[kind]
            status = rng.choice(_STATUS)
            # Firmware CDR switch: the oldest calls only in v1, the newest only in v2, a band in both.
            c = EmulatedCall(i, uid, start, kind, caller, callee, status, rng.randint(2, 15), 0,
                             in_v1=i < n * 0.4, in_v2=i >= n * 0.3)
            if status == "ANSWERED":
                transfer = kind == "Inbound" and rng.random() < 0.15
                c.dialogue = speech.plan_dialogue(rng, transfer)
                c.talk_s = c.dialogue.total_ms // 1000
                if transfer:
                    c.agent2 = rng.choice([a for a in AGENTS if a != agent])
                if rng.random() < 0.85:
                    c.rec_id, rec_id = rec_id, rec_id + rng.randint(1, 3)
                    c.transcript = c.in_v2 and rng.random() < 0.8
            elif status == "VOICEMAIL":
                c.talk_s = rng.randint(5, 30)
            calls.append(c)
        recorded = [c for c in calls if c.rec_id is not None]
        for j, c in enumerate(recorded):
            stamp = datetime.fromtimestamp(c.rec_start_s, self.tz).strftime("%Y%m%d%H%M%S")
            name = f"{stamp}-{c.start_s}.{c.index % 100}-{c.caller[1]}-{c.callee[1]}-{c.call_type}.{self.recording_format}"
            # Odd names real PBX file systems can hold: clients must sanitise them.
            if j == len(recorded) - 1:
                name = name.replace(f"-{c.callee[1]}-", f"-[{c.callee[0] or 'queue'}]-")
            elif j == len(recorded) - 3:
                name = "../../" + name
            c.rec_file = name
        return calls

    # -- request plumbing --------------------------------------------------------------------------
    def _api(self, fn: Any, auth: bool) -> Any:
        def handle(req: Request) -> None:
            try:
                if not req.headers.get("User-Agent", "").strip():
                    raise YeastarApiError(10005)  # INFERENCE: the docs only say the header is required
                if auth:
                    self._check_token(req)
                send_json(req.handler, {"errcode": 0, "errmsg": "SUCCESS", **fn(req)})
            except YeastarApiError as e:
                send_json(req.handler, {"errcode": e.code, "errmsg": e.errmsg})
        return handle

    def unknown_route(self, req: Request) -> None:
        if req.path.startswith("/openapi/"):
            send_json(req.handler, {"errcode": 10001, "errmsg": "INTERFACE NOT EXISTED"})
        else:
            send_json(req.handler, {"errcode": 60001, "errmsg": "DATA NOT FOUND"}, status=404)

    def _check_token(self, req: Request) -> None:
        if not self.tokens.valid(req.query.get("access_token", "")) or self._token_expiry_fault(req):
            raise YeastarApiError(10004)

    def _token_expiry_fault(self, req: Request) -> bool:
        """The `token-expiry` fault (path= narrows it, after=N lets N requests through first):
        every live token lapses, as when 30 minutes pass between two requests. Step-2 links
        (the AI transcript file, a recording) can meet it as well as the API calls."""
        fault = self.faults.peek("token-expiry", req.path)
        if fault is not None:
            with self._state:
                seen = self._expiry_seen.get(id(fault), 0) + 1
                self._expiry_seen[id(fault)] = seen
            if seen > fault.number("after", 0) and self.faults.take("token-expiry", req.path):
                self._expiry_seen[id(fault)] = 0
                self.count("fault:token-expiry")
                self.expire_tokens()
                return True
        return False

    def _new_link(self, name: str, kind: str, payload: Any) -> str:
        now = time.time()
        with self._state:  # lapsed links are forgotten, so a long-running emulator does not grow
            self._links = {k: v for k, v in self._links.items() if v[0] > now}
            self._links[name] = (now + LINK_TTL, kind, payload)
        return f"/api/download/{name}"

    def _stamp(self) -> str:
        return datetime.now(self.tz).strftime("%Y%m%d%H%M%S") + "-" + "".join(self._sysrand.choices(_ALNUM, k=16))

    # -- authentication ----------------------------------------------------------------------------
    @staticmethod
    def _token_answer(pair: tuple[str, str]) -> dict[str, Any]:
        return {"access_token_expire_time": ACCESS_TTL, "access_token": pair[0],
                "refresh_token_expire_time": REFRESH_TTL, "refresh_token": pair[1]}

    def _get_token(self, req: Request) -> dict[str, Any]:
        body = req.json()
        if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
            raise YeastarApiError(40002)
        if body.get("username") != self.client_id or body.get("password") != self.client_secret:
            raise YeastarApiError(10005)  # INFERENCE: the docs give no code for bad credentials
        pair = self.tokens.issue()
        if pair is None:
            raise YeastarApiError(60002)  # MAX LIMITATION EXCEEDED [S-Y7]; that get_token uses it for the cap is INFERENCE
        return self._token_answer(pair)

    def _refresh_token(self, req: Request) -> dict[str, Any]:
        body = req.json()
        token = body.get("refresh_token") if isinstance(body, dict) else None
        pair = self.tokens.refresh(str(token))  # INFERENCE: single use; the old access token is revoked
        if pair is None:
            raise YeastarApiError(10004)
        return self._token_answer(pair)

    # -- CDR ------------------------------------------------------------------------------------------
    def _when(self, value: str | None, iso_and_unix: bool = False) -> int | None:
        if value is None or value == "":
            return None
        try:
            if iso_and_unix and value.isdigit():
                return int(value)
            if iso_and_unix and "T" in value:
                dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
                return int((dt if dt.tzinfo else dt.replace(tzinfo=self.tz)).timestamp())
            return int(datetime.strptime(value, self.pattern).replace(tzinfo=self.tz).timestamp())
        except ValueError:
            raise YeastarApiError(40002) from None

    @staticmethod
    def _page(req: Request, rows: list[Any], cap: int = 10000) -> tuple[int, list[Any]]:
        try:
            page, size = int(req.query.get("page", 1)), int(req.query.get("page_size", cap))
        except ValueError:
            raise YeastarApiError(40002) from None
        if page < 1 or not 1 <= size <= cap or req.query.get("order_by", "asc") not in ("asc", "desc"):
            raise YeastarApiError(40002)
        if req.query.get("order_by") == "desc":
            rows = rows[::-1]
        return len(rows), rows[(page - 1) * size : page * size]

    def _between(self, calls: list[EmulatedCall], start: int | None, end: int | None) -> list[EmulatedCall]:
        keys = self._keys[id(calls)]  # start times, sorted: calls are generated in time order
        lo = 0 if start is None else bisect.bisect_left(keys, start)
        hi = len(calls) if end is None else bisect.bisect_right(keys, end)  # end is inclusive
        return calls[lo:hi]

    @staticmethod
    def _party(p: tuple[str, str]) -> str:
        return f"{p[0]}<{p[1]}>" if p[0] else p[1]

    def _filter(self, calls: list[EmulatedCall], q: dict[str, str], v1: bool) -> list[EmulatedCall]:
        frm, to, ctype = q.get("call_from"), q.get("call_to"), q.get("call_type")
        status = q.get("status" if v1 else "last_status")
        return [c for c in calls if (not frm or frm in c.caller[1]) and (not to or to in c.callee[1])
                and (not ctype or c.call_type == ctype)
                and (not status or (self._v1_status(c) if v1 else c.status) == status)]

    @staticmethod
    def _v1_status(c: EmulatedCall) -> str:
        return "NO ANSWER" if c.status == "ABANDONED" else c.status  # v1 has no ABANDONED

    def _cdr_v1(self, req: Request) -> dict[str, Any]:
        q = req.query
        calls = self._between(self._v1, self._when(q.get("start_time"), True), self._when(q.get("end_time"), True))
        total, page = self._page(req, self._filter(calls, q, v1=True))
        return {"total_number": total, "data": [self._v1_row(c) for c in page]}

    def _v1_row(self, c: EmulatedCall) -> dict[str, Any]:
        inbound, outbound = c.call_type == "Inbound", c.call_type == "Outbound"
        return {"id": c.index + 1, "time": self.display(c.start_s), "call_from": self._party(c.caller),
                "call_to": self._party(c.callee), "timestamp": c.start_s, "uid": c.uid,
                "src_addr": "203.0.113.7" if inbound else "", "src_trunk": "Telekom-SIP" if inbound else "",
                "dst_trunk": "Telekom-SIP" if outbound else "", "duration": c.ring_s + c.talk_s,
                "ring_duration": c.ring_s, "talk_duration": c.talk_s, "disposition": self._v1_status(c),
                "call_type": c.call_type, "did_number": "+49301234500" if inbound else "",
                "dod_number": "+49301234500" if outbound else "", "record_file": c.rec_file}

    def _cdr_v2(self, req: Request) -> dict[str, Any]:
        q = req.query
        calls = self._between(self._v2, self._when(q.get("time_begin")), self._when(q.get("time_end")))
        total, page = self._page(req, self._filter(calls, q, v1=False))
        return {"total_number": total, "data": [self._v2_row(c) for c in page]}

    def _v2_row(self, c: EmulatedCall) -> dict[str, Any]:
        queues = [{"name": "Support", "number": "6400", "status": c.status}] if c.call_type == "Inbound" else []
        return {"id": f"{c.start_s:08X}-{0x7D800000 + c.index:08X}", "uid": c.uid, "time": self.display(c.start_s),
                "call_type": c.call_type, "call_from": self._party(c.caller), "call_from_name": c.caller[0],
                "call_from_number": c.caller[1], "call_to": self._party(c.callee), "call_to_name": c.callee[0],
                "call_to_number": c.callee[1], "last_status": c.status, "call_duration": c.ring_s + c.talk_s,
                "routing_duration": c.ring_s, "handling_duration": c.talk_s, "queues": queues}

    # -- recordings -----------------------------------------------------------------------------------
    def _rec_list(self, req: Request) -> dict[str, Any]:
        q = req.query
        start, end = self._when(q.get("start_time"), True), self._when(q.get("end_time"), True)
        rows = self._between(self._recorded, start, end)
        if q.get("ids"):
            wanted = {s.strip() for s in q["ids"].split(",")}
            rows = [c for c in rows if str(c.rec_id) in wanted]
        rows = [c for c in rows if (not q.get("caller") or q["caller"] in c.caller[1])
                and (not q.get("callee") or q["callee"] in c.callee[1])]
        total, page = self._page(req, rows)
        return {"total_number": total, "data": [self._rec_row(c) for c in page]}

    def _rec_row(self, c: EmulatedCall) -> dict[str, Any]:
        assert c.dialogue is not None
        size = (speech.mp3_size if self.recording_format == "mp3" else speech.wav_size)(c.dialogue.total_ms)
        return {"id": c.rec_id, "time": self.display(c.start_s), "uid": c.uid, "call_from": self._party(c.caller),
                "call_to": self._party(c.callee), "duration": c.talk_s, "size": size, "call_type": c.call_type,
                "file": c.rec_file, "call_from_number": c.caller[1], "call_from_name": c.caller[0],
                "call_to_number": c.callee[1], "call_to_name": c.callee[0]}

    def _rec_download(self, req: Request) -> dict[str, Any]:
        rid, file = req.query.get("id"), req.query.get("file")
        if not rid and not file:
            raise YeastarApiError(40002)
        call = self._by_rec.get(int(rid)) if rid and rid.isdigit() else self._by_file.get(file or "")
        if call is None:
            raise YeastarApiError(60001)
        name = f"Recording-X.7.0.6-1-download-{self._stamp()}.{self.recording_format}"
        return {"file": call.rec_file, "download_resource_url": self._new_link(name, "recording", call)}

    def audio(self, call: EmulatedCall) -> bytes:
        """The recording's bytes in the PBX's format; rendered once, a few kept in memory."""
        assert call.rec_id is not None and call.dialogue is not None
        with self._state:
            if call.rec_id in self._audio:
                self._audio.move_to_end(call.rec_id)
                return self._audio[call.rec_id]
        data = speech.render_wav(call.dialogue)
        if self.recording_format == "mp3":
            data = speech.to_mp3(data, call.dialogue.total_ms)
        with self._state:
            self._audio[call.rec_id] = data
            while len(self._audio) > 32:
                self._audio.popitem(last=False)
        return data

    # -- AI transcripts ---------------------------------------------------------------------------------
    def _aidownload(self, req: Request) -> dict[str, Any]:
        q = req.query
        calls = self._between(self._v2, self._when(q.get("start_time")), self._when(q.get("end_time")))
        legs = [leg for c in self._filter(calls, q, v1=False) if c.transcript for leg in self.legs(c)]
        name = f"PBX-AI_Transcription-X.23.0.70-download-{self._stamp()}.json"
        return {"file": name, "download_resource_url": self._new_link(name, "json", legs)}

    def legs(self, c: EmulatedCall) -> list[dict[str, Any]]:
        """The aidownload entries of one call: one per leg, transcript stamped in epoch ms."""
        assert c.dialogue is not None
        d, rec0 = c.dialogue, c.rec_start_s * 1000
        agent = c.caller if c.call_type == "Outbound" else c.callee
        customer = c.callee if c.call_type == "Outbound" else c.caller
        first = [p for p in d.placements if d.transfer_ms is None or p.offset_ms < d.transfer_ms]
        parts = [(1, c.caller, c.callee, agent, first, c.start_s, c.ring_s, c.talk_s)]
        if c.agent2 is not None and d.transfer_ms is not None:
            # The second agent's leg starts at the transfer and rings until their first word.
            cut_s, second = d.transfer_ms // 1000, d.placements[len(first):]
            ring2 = max(0, (second[0].offset_ms - d.transfer_ms) // 1000)
            parts = [(1, c.caller, c.callee, agent, first, c.start_s, c.ring_s, cut_s),
                     (2, customer, c.agent2, c.agent2, list(second), c.rec_start_s + cut_s, ring2,
                      c.talk_s - cut_s - ring2)]
        out = []
        for n, frm, to, who, said, t0, ring, talk in parts:
            # The caller waits on hold while the first agent transfers (talk_duration excludes it).
            hold = min(2, talk) if n == 1 and len(parts) > 1 else 0
            talk -= hold
            leg_hex = (int(c.uid[-5:], 16) * 31 + n * 7919) & 0xFFFFF
            out.append({
                "uid": c.uid, "leg_id": f"{datetime.fromtimestamp(t0, self.tz):%Y%m%d%H%M%S}-{leg_hex:05X}",
                "leg": n, "time": self.display(t0), "call_type": c.call_type, "call_from": frm[1], "call_to": to[1],
                "status": "ANSWERED", "call_duration": ring + talk + hold, "ring_duration": ring, "talk_duration": talk,
                "hold_duration": hold,
                "ai_transcription": [{"source_number": (who if p.speaker == "agent" else customer)[1], "content": p.text,
                                      "timestamp": rec0 + p.offset_ms, "duration": p.duration_ms // 1000} for p in said],
                "ai_summary": " ".join(_SUMMARY[p.key] for p in said if p.key in _SUMMARY)
                or "The agent greeted the caller and transferred the call.",
            })
        return out

    def _sysinfo(self, req: Request) -> dict[str, Any]:
        # INFERENCE: field names per a third-party client; the P-Series docs do not list them.
        return {"data": {"device_name": "Emulated P-Series", "model": "P570", "firmware_version": "37.23.0.123",
                         "sn": f"EMU{self.seed:08d}", "timezone": self.timezone,
                         "date_display_format": self.time_format}}

    # -- step 2: the bytes ---------------------------------------------------------------------------------
    def _download(self, req: Request) -> None:
        h, name = req.handler, req.path.rsplit("/", 1)[-1]
        with self._state:
            link = self._links.get(name)
        token_ok = self.tokens.valid(req.query.get("access_token", ""))
        if link is not None and link[1] == "recording":
            with self._state:
                self.media_requests += 1
        if not req.headers.get("User-Agent", "").strip():
            return send_json(h, {"errcode": 10005, "errmsg": "ACCESS DENIED"})
        if not token_ok or self._token_expiry_fault(req):
            return send_json(h, {"errcode": 10004, "errmsg": "TOKEN EXPIRED"})
        if link is None or link[0] <= time.time() or self.faults.take("expired-url", req.path):
            self.count("download:expired")
            return send_json(h, {"errcode": 60001, "errmsg": "DATA NOT FOUND"}, status=404)  # INFERENCE
        _, kind, payload = link
        if kind == "json":
            return send_media(h, json.dumps(payload, ensure_ascii=False).encode(), "application/json")
        if self.recording_format == "wav":
            return send_media(h, self.audio(payload), "audio/wav")
        with self._state:
            self._mp3_active += 1
            self.max_concurrent_mp3 = max(self.max_concurrent_mp3, self._mp3_active)
            busy = self._mp3_active > 1
        try:
            if busy:  # the PBX serves one mp3 download at a time [S-Y16]; the error shape is INFERENCE
                return send_json(h, {"errcode": 70082, "errmsg": "OVERLOAD_TASK_RUNNING"})
            send_media(h, self.audio(payload), "audio/mpeg")
        finally:
            with self._state:
                self._mp3_active -= 1
