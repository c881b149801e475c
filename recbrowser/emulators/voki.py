"""A Voki (Avanter) emulator (REFERENCE.md section 3, seed 002) over real HTTP on 127.0.0.1.

Sign-in with e-mail, password and tenant (`X-Tenant` on every request), optional two-factor
(TOTP), refresh, a 5-requests-a-minute limit on `/api/auth/*`, the paged call list, each
call's recording metadata with its Whisper text, the AI summary, and a real WebM (VP8 + Opus)
download with Range. Where the documents are silent the choice is INFERENCE:

- call items carry `inserted_at`, `started_at`, `ended_at` and `duration` (seconds);
- a page holds at most 100 calls; `date_from`/`date_to` are whole days, `date_to` inclusive;
- an unknown tenant -> 404 `Tenant not found`; the MFA code field is `code`;
- the AI summary exists only for transcribed calls; the download answers `video/webm`.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from recbrowser.emulators import speech, video
from recbrowser.emulators.server import EmulatorServer, Request, TokenBook, send_bytes, send_json, send_media
from recbrowser.providers.voki_map import totp

DAY_MS = 86_400_000
MAX_PAGE = 100
_CALL = re.compile(r"^/api/v1/calls/(?P<id>[^/]+)/(?P<sub>recording|recording/download|summary)$")
_TOPICS = sorted(speech.TOPICS)
_CUSTOMERS = ["Ana Souza", "Bruno Lima", "Carla Dias", "Diego Rocha", "Elisa Prado", "Fábio Nunes", "Gabi Reis"]
_AGENTS = [("Anna Costa", "Suporte"), ("Rafael Melo", "Vendas"), ("Julia Alves", "Suporte")]


@dataclass(slots=True)
class EmuCall:
    id: str
    start_ms: int
    status: str  # completed / missed / cancelled / active
    topic: str
    customer: int
    agent: int
    recording: str  # "ok", "none" (404) or "processing" (transcript not ready)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VokiEmulator(EmulatorServer):
    provider = "voki"

    def __init__(self, calls: int = 40, seed: int = 1, faults: tuple[str, ...] | list[str] = (),
                 now_ms: int | None = None, tenant: str = "avanter", email: str = "supervisor@avanter.demo",
                 password: str | None = None, mfa: bool = False, wrap_tokens: bool = True,
                 token_ttl: float = 900, auth_limit: int = 5, auth_window: float = 60.0,
                 deny_recordings: bool = False):
        super().__init__(faults)
        self.seed, self.tenant, self.email, self.mfa, self.wrap_tokens = seed, tenant, email, mfa, wrap_tokens
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000) - 60_000
        rnd = random.Random(seed).getrandbits(64)
        self.password = password or f"demo-password-{seed}-{rnd:016x}"
        # A base32 TOTP key as an authenticator app would scan it.
        self.totp_secret = "JBSWY3DPEHPK3PXP" + f"{rnd:016x}".translate(str.maketrans("0189abcdef", "ABIJCDEFGH")).upper()
        self.deny_recordings = deny_recordings
        self.tokens = TokenBook(token_ttl, 30 * 86_400)
        self.auth_limit, self.auth_window = auth_limit, auth_window
        self._auth_times: deque[float] = deque()
        self._mfa_tokens: set[str] = set()
        self._state = threading.Lock()
        self._expiry_seen = 0
        self.calls = self._generate(calls)
        self._by_id = {c.id: c for c in self.calls}
        for path, fn in (("/api/auth/login", self._login), ("/api/auth/mfa/verify", self._verify),
                         ("/api/auth/refresh", self._refresh)):
            self.route("POST", path, fn)
        self.route("GET", "/api/v1/calls", self._list)
        self.route("GET", "/api/v1/calls/", self._call, prefix=True)

    # -- what tests and the CLI use -------------------------------------------------------------
    def account_settings(self) -> dict[str, str]:
        return {"base_url": self.base_url, "tenant": self.tenant, "email": self.email}

    def secrets(self) -> dict[str, str]:
        return {"password": self.password, **({"totp_secret": self.totp_secret} if self.mfa else {})}

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def by_id(self, call_id: str) -> EmuCall | None:
        return self._by_id.get(call_id)

    def transcript(self, c: EmuCall) -> str:
        return " ".join(p.text for p in video.dialogue(c.topic).placements)

    def summary(self, c: EmuCall) -> str:
        what = {"price": "asked about the premium plan price", "invoice": "was charged twice and gets a refund",
                "delivery": "asked when the order arrives"}[c.topic]
        return f"The customer {_CUSTOMERS[c.customer]} {what}; {_AGENTS[c.agent][0]} resolved it."

    # -- generation -----------------------------------------------------------------------------
    def _generate(self, n: int) -> list[EmuCall]:
        rng = random.Random(self.seed)
        out = []
        for _ in range(n):
            start = rng.randint(self.now_ms - 14 * DAY_MS, self.now_ms - 3_600_000) // 1000 * 1000
            roll = rng.random()
            status = "completed" if roll < 0.8 else "missed" if roll < 0.9 else "cancelled"
            rec = "ok"
            if status == "completed":
                r = rng.random()
                rec = "none" if r < 0.08 else "processing" if r < 0.14 else "ok"
            out.append(EmuCall(str(uuid.UUID(int=rng.getrandbits(128), version=4)), start, status,
                               rng.choice(_TOPICS), rng.randrange(len(_CUSTOMERS)), rng.randrange(len(_AGENTS)), rec))
        return sorted(out, key=lambda c: (c.start_ms, c.id))

    # -- plumbing -------------------------------------------------------------------------------
    @staticmethod
    def _error(req: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        if headers:
            send_bytes(req.handler, json.dumps({"errors": {"detail": detail}}).encode(), "application/json",
                       status=status, headers=headers)
        else:
            send_json(req.handler, {"errors": {"detail": detail}}, status=status)

    def _tenant_ok(self, req: Request) -> bool:
        if req.headers.get("X-Tenant") != self.tenant:
            self._error(req, 404, "Tenant not found")
            return False
        return True

    def _rate_limited(self, req: Request) -> bool:
        """The documented 5 requests a minute on /api/auth/*, counted over a sliding window."""
        now = time.monotonic()
        with self._state:
            while self._auth_times and now - self._auth_times[0] >= self.auth_window:
                self._auth_times.popleft()
            if len(self._auth_times) >= self.auth_limit:
                oldest = self._auth_times[0] if self._auth_times else now
                wait = int(self.auth_window - (now - oldest)) + 1
                self.count("auth:429")
                self._error(req, 429, "Too many requests", headers={"Retry-After": str(wait)})
                return True
            self._auth_times.append(now)
        return False

    def _tokens_answer(self, req: Request, pair: tuple[str, str]) -> None:
        role = "attendant" if self.deny_recordings else "supervisor"
        data = {"access_token": pair[0], "refresh_token": pair[1],
                "user": {"id": str(uuid.UUID(int=self.seed, version=4)), "name": "Demo Supervisor",
                         "email": self.email, "role": role, "avatar_url": None, "mfa_enabled": self.mfa}}
        send_json(req.handler, {"data": data} if self.wrap_tokens else data)

    # -- auth -----------------------------------------------------------------------------------
    def _login(self, req: Request) -> None:
        if self._rate_limited(req):
            return
        body = req.json() if isinstance(req.json(), dict) else {}
        missing = {k: ["can't be blank"] for k in ("email", "password", "tenant") if not body.get(k)}
        if missing:
            return send_json(req.handler, {"errors": missing}, status=422)
        if body["tenant"] != self.tenant or req.headers.get("X-Tenant") != self.tenant:
            return self._error(req, 404, "Tenant not found")
        if (body["email"].lower(), body["password"]) != (self.email.lower(), self.password):
            return self._error(req, 401, "Invalid credentials")
        if self.mfa:
            token = uuid.uuid4().hex
            with self._state:
                self._mfa_tokens.add(token)
            return send_json(req.handler, {"data": {"mfa_required": True, "mfa_token": token}})
        pair = self.tokens.issue()
        assert pair is not None
        self._tokens_answer(req, pair)

    def _verify(self, req: Request) -> None:
        if self._rate_limited(req) or not self._tenant_ok(req):
            return
        body = req.json() if isinstance(req.json(), dict) else {}
        with self._state:
            known = body.get("mfa_token") in self._mfa_tokens
        code = str(body.get("code") or "")
        now = time.time()
        if not known:
            return self._error(req, 401, "Invalid or expired MFA token")
        if code not in {totp(self.totp_secret, now + d) for d in (-30, 0, 30)}:
            return self._error(req, 401, "Invalid code")
        with self._state:
            self._mfa_tokens.discard(body["mfa_token"])
        pair = self.tokens.issue()
        assert pair is not None
        self._tokens_answer(req, pair)

    def _refresh(self, req: Request) -> None:
        if self._rate_limited(req) or not self._tenant_ok(req):
            return
        body = req.json() if isinstance(req.json(), dict) else {}
        pair = self.tokens.refresh(str(body.get("refresh_token") or ""))
        if pair is None:
            return self._error(req, 401, "Invalid refresh token")
        self._tokens_answer(req, pair)

    def _authorized(self, req: Request) -> bool:
        if not self._tenant_ok(req):
            return False
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not self.tokens.valid(header[7:]):
            self._error(req, 401, "Unauthorized")
            return False
        fault = self.faults.peek("token-expiry", req.path)
        if fault is not None:
            with self._state:
                self._expiry_seen += 1
                due = self._expiry_seen > fault.number("after", 0)
            if due and self.faults.take("token-expiry", req.path):
                self._expiry_seen = 0
                self.count("fault:token-expiry")
                self.expire_tokens()
                self._error(req, 401, "Unauthorized")
                return False
        return True

    # -- the API --------------------------------------------------------------------------------
    def _list(self, req: Request) -> None:
        if not self._authorized(req):
            return
        q = req.query
        try:
            page, size = max(1, int(q.get("page", 1))), min(MAX_PAGE, max(1, int(q.get("page_size", 20))))
            lo = _day_ms(q.get("date_from"), 0)
            hi = _day_ms(q.get("date_to"), DAY_MS)  # inclusive whole day
        except ValueError:
            return send_json(req.handler, {"errors": {"page": ["is invalid"]}}, status=422)
        rows = [c for c in self.calls if (lo is None or c.start_ms >= lo) and (hi is None or c.start_ms < hi)]
        if q.get("sort_order", "desc") == "desc":
            rows = rows[::-1]
        total = len(rows)
        chunk = rows[(page - 1) * size : page * size]
        send_json(req.handler, {"data": [self.item(c) for c in chunk],
                                "meta": {"current_page": page, "page_size": size,
                                         "total_pages": max(1, -(-total // size)), "total_count": total}})

    def item(self, c: EmuCall) -> dict[str, Any]:
        agent, dept = _AGENTS[c.agent]
        name = _CUSTOMERS[c.customer]
        talk = video.dialogue(c.topic).total_ms // 1000 if c.status == "completed" else 0
        return {"id": c.id, "status": c.status, "department_id": str(uuid.UUID(int=c.agent + 1, version=4)),
                "department_name": dept, "user_id": str(uuid.UUID(int=c.agent + 100, version=4)), "user_name": agent,
                "customer_name": name, "customer_email": f"{name.split()[0].lower()}@example.com",
                "customer_phone": f"+55119{c.customer:04d}{c.agent:04d}", "inserted_at": _iso(c.start_ms - 20_000),
                "started_at": _iso(c.start_ms), "ended_at": _iso(c.start_ms + talk * 1000), "duration": talk}

    @staticmethod
    def language(c: EmuCall) -> str:
        """Whisper's language tag: the seed's pt-BR for some customers, English for the rest."""
        return "pt-BR" if c.customer % 3 == 0 else "en"

    def recording(self, c: EmuCall) -> dict[str, Any]:
        d = video.dialogue(c.topic)
        text = self.transcript(c) if c.recording == "ok" else None
        return {"id": "r" + c.id[1:], "call_id": c.id, "format": "webm", "duration": d.total_ms // 1000,
                "file_size": len(video.webm(c.topic)),
                "download_url": f"/api/v1/calls/{c.id}/recording/download",
                "transcription": {"status": "completed" if text else "processing", "text": text,
                                  "language": self.language(c)},
                "created_at": _iso(c.start_ms + d.total_ms + 60_000)}

    def _call(self, req: Request) -> None:
        m = _CALL.match(req.path)
        if m is None:
            return self._error(req, 404, "Not found")
        if not self._authorized(req):
            return
        c = self._by_id.get(m["id"])
        if m["sub"] == "summary":
            if c is None or c.recording != "ok" or c.status != "completed":
                return self._error(req, 404, "Summary not found")
            return send_json(req.handler, {"data": {"call_id": c.id, "summary": self.summary(c)}})
        if self.deny_recordings:
            return self._error(req, 403, "Forbidden")
        if c is None or c.status != "completed" or c.recording == "none":
            return self._error(req, 404, "Recording not found")
        if m["sub"] == "recording":
            return send_json(req.handler, {"data": self.recording(c)})
        if self.faults.take("expired-url", req.path):
            return self._error(req, 404, "Recording not found")
        send_media(req.handler, video.webm(c.topic), "video/webm")


def _day_ms(text: str | None, add: int) -> int | None:
    if not text:
        return None
    return int(datetime.combine(date.fromisoformat(text[:10]), datetime.min.time(), UTC).timestamp() * 1000) + add
