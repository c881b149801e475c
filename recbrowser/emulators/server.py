"""A small HTTP server framework for the provider emulators: real sockets on 127.0.0.1.

Each emulator registers routes (method + path, or a path prefix such as `/api/download/`) and
answers with `send_json` / `send_media`. Every request is logged (`requests`) and counted
(`counters`) so tests can assert on what a client really did, and faults (see faults.py) are
applied here, in one place, before and while answering.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import ssl
import string
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from recbrowser.emulators.faults import Fault, FaultSet

CHUNK = 64 * 1024


@dataclass
class Request:
    handler: _Handler
    method: str
    path: str  # percent-decoded, without the query
    query: dict[str, str]
    headers: Message
    body: bytes

    def json(self) -> Any:
        """The JSON body, or None when it is missing or unreadable."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError):
            return None


Handler = Callable[[Request], None]


@dataclass
class Route:
    method: str
    path: str
    fn: Handler
    prefix: bool = False

    def matches(self, method: str, path: str) -> bool:
        if method != self.method:
            return False
        return path.startswith(self.path) if self.prefix else path == self.path


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: EmulatorServer


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, like the PBX ("a new TCP connection for every
    # request"), and a short body is then a visible truncation for the client.
    protocol_version = "HTTP/1.0"
    server: _HTTPServer
    server_version = "emulator"

    def do_GET(self) -> None:
        self.server.emulator._dispatch(self)

    def do_POST(self) -> None:
        self.server.emulator._dispatch(self)

    def do_HEAD(self) -> None:
        self.server.emulator._dispatch(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read `requests`; stderr noise helps nobody


class EmulatorServer:
    """An HTTP server on 127.0.0.1 with an OS-chosen port. Subclasses add routes."""

    provider = "generic"

    def __init__(self, faults: tuple[str, ...] | list[str] = ()):
        self.faults = FaultSet(list(faults))
        self.routes: list[Route] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.counters: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self.tls: ssl.SSLContext | None = None  # set before start() to serve HTTPS
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> str:
        if self._httpd is None:
            self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
            if self.tls is not None:  # an on-prem PBX with its own (often self-signed) certificate
                self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
            self._httpd.emulator = self
            self._port = int(self._httpd.server_address[1])
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=f"{self.provider}-emulator", daemon=True)
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        # After stop() the old port is kept: clients then meet a refused connection, as with a PBX that went away.
        if self._port is None:
            raise RuntimeError("the emulator has not been started; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls is not None else 'http'}://127.0.0.1:{self.port}"

    # -- what the CLI prints ------------------------------------------------------------------
    def account_settings(self) -> dict[str, str]:
        return {"base_url": self.base_url}

    def secrets(self) -> dict[str, str]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {"provider": self.provider, "base_url": self.base_url, "settings": self.account_settings(),
                "secrets": self.secrets()}

    # -- routes and faults --------------------------------------------------------------------
    def route(self, method: str, path: str, fn: Handler, prefix: bool = False) -> None:
        self.routes.append(Route(method.upper(), path, fn, prefix))

    def add_fault(self, spec: str) -> Fault:
        return self.faults.add(spec)

    def clear_faults(self) -> None:
        self.faults.clear()

    def count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counters[key] += n

    def unknown_route(self, req: Request) -> None:
        """Override to answer unknown paths the way the provider does."""
        send_json(req.handler, {"error": "not found"}, status=404)

    # -- dispatch -----------------------------------------------------------------------------
    def _dispatch(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length > 0 else b""
        req = Request(h, h.command, path, query, h.headers, body)
        with self._lock:
            self.requests.append((h.command, path, query))
            self.counters["requests"] += 1
            self.counters[f"{h.command} {path}"] += 1
        if self._pre_faults(req):
            return
        method = "GET" if h.command == "HEAD" else h.command
        route = next((r for r in self.routes if r.matches(method, path)), None)
        try:
            if route is None:
                self.unknown_route(req)
            else:
                route.fn(req)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away mid-answer: nothing left to tell it
        except Exception as e:  # an emulator bug: make it loud for the test, not a hang
            send_text(h, f"emulator error: {type(e).__name__}: {e}", status=500)
            raise

    def _pre_faults(self, req: Request) -> bool:
        """Faults that act before the route runs. True when the request has been answered."""
        h, path = req.handler, req.path
        slow = self.faults.peek("slow", path)
        if slow and slow.params.get("stage") != "body":
            self.faults.take("slow", path)
            self.count("fault:slow")
            time.sleep(slow.number("seconds", 2))
        if self.faults.take("drop", path):
            self.count("fault:drop")
            drop_connection(h)
            return True
        if fault := self.faults.take("429", path):
            self.count("fault:429")
            send_text(h, "Too Many Requests", status=429,
                      headers={"Retry-After": str(int(fault.number("retry_after", 1)))})
            return True
        if fault := self.faults.take("5xx", path):
            self.count("fault:5xx")
            send_text(h, "Service Unavailable", status=int(fault.number("status", 503)))
            return True
        if fault := self.faults.take("errcode", path):
            self.count("fault:errcode")
            code = int(fault.number("code", -1))
            send_json(h, {"errcode": code, "errmsg": fault.params.get("errmsg", ERRMSG.get(code, "FAILURE"))})
            return True
        return False


class TokenBook:
    """Access/refresh token pairs with lifetimes and an optional cap on live access tokens.

    Thread-safe. Tokens are random (not seeded): nothing should depend on their value.
    """

    def __init__(self, access_ttl: float, refresh_ttl: float, cap: int | None = None):
        self.access_ttl, self.refresh_ttl, self.cap = access_ttl, refresh_ttl, cap
        self.issued: list[str] = []  # every access and refresh token handed out, for leak tests
        self.count = 0  # pairs issued, by login or refresh
        self._access: dict[str, float] = {}  # token -> expiry (time.time())
        self._refresh: dict[str, tuple[float, str]] = {}  # refresh token -> (expiry, its access token)
        self._lock = threading.Lock()
        self._rand = random.SystemRandom()

    def _new(self) -> str:
        return "".join(self._rand.choices(string.ascii_letters + string.digits, k=32))

    def _pair(self) -> tuple[str, str]:
        access, refresh, now = self._new(), self._new(), time.time()
        self._access[access] = now + self.access_ttl
        self._refresh[refresh] = (now + self.refresh_ttl, access)
        self.count += 1
        self.issued += [access, refresh]
        return access, refresh

    def issue(self) -> tuple[str, str] | None:
        """A new (access, refresh) pair, or None when `cap` access tokens are live."""
        with self._lock:
            if self.cap is not None and self._live() >= self.cap:
                return None
            return self._pair()

    def refresh(self, refresh_token: str) -> tuple[str, str] | None:
        """Trade a live refresh token (single use) for a new pair; its old access token is revoked."""
        with self._lock:
            expiry, old_access = self._refresh.pop(refresh_token, (0.0, ""))
            if expiry <= time.time():
                return None
            self._access.pop(old_access, None)
            return self._pair()

    def valid(self, access_token: str) -> bool:
        with self._lock:
            return self._access.get(access_token, 0) > time.time()

    def _live(self) -> int:
        now = time.time()
        return sum(1 for exp in self._access.values() if exp > now)

    def live(self) -> int:
        with self._lock:
            return self._live()

    def expire_all(self) -> None:
        with self._lock:
            for t in self._access:
                self._access[t] = 0


# Yeastar-style messages for the errcode fault; other providers pass errmsg= explicitly.
ERRMSG = {-2: "INTERNAL SERVER ERROR", -1: "FAILURE", 10001: "INTERFACE NOT EXISTED", 10004: "TOKEN EXPIRED",
          10005: "ACCESS DENIED", 40002: "PARAMETER ERROR", 60001: "DATA NOT FOUND", 60002: "MAX LIMITATION EXCEEDED",
          70004: "ACCOUNT IP BLOCKED", 70087: "IP FORBIDDEN"}


def _faults(h: BaseHTTPRequestHandler) -> FaultSet | None:
    emu = getattr(h.server, "emulator", None)
    return emu.faults if emu is not None else None


def _path(h: BaseHTTPRequestHandler) -> str:
    return unquote(urlsplit(h.path).path)


def drop_connection(h: BaseHTTPRequestHandler) -> None:
    """Close the socket without a byte of answer (the client sees a dropped connection)."""
    h.close_connection = True
    with contextlib.suppress(OSError):
        h.connection.shutdown(socket.SHUT_RDWR)


def send_bytes(h: BaseHTTPRequestHandler, data: bytes, content_type: str, status: int = 200,
               headers: dict[str, str] | None = None) -> None:
    """Send a complete answer; applies the `truncate` and `slow:stage=body` faults."""
    faults, path = _faults(h), _path(h)
    truncate = faults.take("truncate", path) if faults else None
    slow = faults.peek("slow", path) if faults else None
    if slow and slow.params.get("stage") == "body":
        faults.take("slow", path)  # type: ignore[union-attr]
    else:
        slow = None
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(data)))  # always the full length, even when truncating
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    if h.command == "HEAD":
        return
    end = len(data) // 2 if truncate else len(data)
    start = 0
    if slow:  # half of what will be sent, then the pause, then the rest
        start = end // 2
        h.wfile.write(data[:start])
        h.wfile.flush()
        time.sleep(slow.number("seconds", 2))
    for i in range(start, end, CHUNK):
        h.wfile.write(data[i : min(i + CHUNK, end)])
    h.wfile.flush()
    if truncate:
        drop_connection(h)


def send_json(h: BaseHTTPRequestHandler, obj: Any, status: int = 200) -> None:
    """A JSON answer; applies the `malformed-json` fault (the body is cut mid-document)."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    faults = _faults(h)
    if faults and faults.take("malformed-json", _path(h)):
        data = data[: max(1, len(data) // 2)]
    send_bytes(h, data, "application/json;charset=UTF-8", status=status)


def send_text(h: BaseHTTPRequestHandler, text: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
    send_bytes(h, text.encode("utf-8"), "text/plain; charset=utf-8", status=status, headers=headers)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """`Range: bytes=a-b | a- | -n` -> (first, last) inclusive; None = send it all;
    False = unsatisfiable. Multi-range requests are answered whole (RFC 9110 allows it)."""
    if not header or not header.strip().lower().startswith("bytes=") or "," in header:
        return None
    spec = header.split("=", 1)[1].strip()
    first_s, sep, last_s = spec.partition("-")
    if not sep:
        return None
    try:
        if first_s == "":  # suffix: the last n bytes
            n = int(last_s)
            return (max(0, size - n), size - 1) if n > 0 and size > 0 else False
        first = int(first_s)
        last = int(last_s) if last_s else size - 1
    except ValueError:
        return None
    if first >= size:
        return False
    if first < 0 or last < first:
        return None
    return first, min(last, size - 1)


def send_media(h: BaseHTTPRequestHandler, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
    """Serve bytes with Range support: 206 + Content-Range, 416 when unsatisfiable,
    `Accept-Ranges: bytes` and Content-Length on every answer."""
    size = len(data)
    extra = {"Accept-Ranges": "bytes", **(headers or {})}
    rng = parse_range(h.headers.get("Range"), size)
    if rng is False:
        send_bytes(h, b"", content_type, status=416, headers={**extra, "Content-Range": f"bytes */{size}"})
    elif rng is None or rng is True:
        send_bytes(h, data, content_type, headers=extra)
    else:
        first, last = rng
        send_bytes(h, data[first : last + 1], content_type, status=206,
                   headers={**extra, "Content-Range": f"bytes {first}-{last}/{size}"})
