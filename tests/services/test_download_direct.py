"""Large recordings read straight from the socket (services/media_stream.py): the same guarantees
as httpx's path, against a hand-written HTTP/1.1 server on loopback that controls exactly what
arrives in which packet (keep-alive, chunked, cut or paused bodies, TLS)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import threading
import time

import pytest
from support.certs import make_self_signed
from support.own_mounts import mount_tmpfs, resize_tmpfs, with_own_mounts

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import DiskFull, DownloadIncomplete, TlsError
from recbrowser.providers.base import MediaSource
from recbrowser.providers.http import HttpClient
from recbrowser.services.downloads import DownloadCancelled, download_call

SIZE = 6_000_000  # above media_stream.FAST_FROM (1 MiB), several of its 1 MiB buffers
SECRET = "tok-5d1e9c0a77"


class Server:
    """HTTP/1.1 with keep-alive and Range, one thread per connection."""

    def __init__(self, body: bytes, *, tls=None, chunked=False, first_packet=0, cut_at=None, cuts=1,
                 pause_at=None, pause_s=0.0, slow_from=None):
        self.body, self.tls, self.chunked, self.first_packet = body, tls, chunked, first_packet
        self.cut_at, self.cuts = cut_at, cuts  # the first `cuts` answers stop at cut_at (0: every answer)
        self.pause_at, self.pause_s = pause_at, pause_s  # the first answer stalls there
        self.slow_from = slow_from  # from there on, 50 ms before every 256 KB
        self.ranges: list[str | None] = []
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path="/rec.wav") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._sock.getsockname()[1]}{path}?token={SECRET}"

    def close(self) -> None:
        self._sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), contextlib.closing(conn):
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            f = conn.makefile("rb")
            while (line := f.readline()).strip():
                headers = {}
                while (h := f.readline()) not in (b"\r\n", b"\n", b""):
                    k, _, v = h.decode().partition(":")
                    headers[k.strip().lower()] = v.strip()
                if line.split()[1].startswith(b"/small"):
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                    continue
                if not self._answer(conn, headers.get("range")):
                    return  # the body was cut: the connection goes with it

    def _answer(self, conn: socket.socket, rng: str | None) -> bool:
        self.ranges.append(rng)
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        size = len(self.body)
        if self.chunked:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(0, size, 100_000):
                piece = self.body[i : i + 100_000]
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.sendall(b"0\r\n\r\n")
            return True
        head = f"HTTP/1.1 {'206 Partial Content' if start else '200 OK'}\r\nContent-Type: audio/wav\r\n"
        head += f"Content-Length: {size - start}\r\n"
        if start:
            head += f"Content-Range: bytes {start}-{size - 1}/{size}\r\n"
        cutting = self.cut_at is not None and (self.cuts == 0 or len(self.ranges) <= self.cuts)
        end = self.cut_at if cutting else size
        first = start + self.first_packet
        conn.sendall(head.encode() + b"\r\n" + self.body[start:first])  # headers and the body's start together
        if self.first_packet:
            time.sleep(0.1)  # so the client reads them before anything else arrives
        for i in range(first, end, 256 * 1024):
            if self.pause_at is not None and len(self.ranges) == 1 and i <= self.pause_at < i + 256 * 1024:
                time.sleep(self.pause_s)
            if self.slow_from is not None and i >= self.slow_from:
                time.sleep(0.05)
            conn.sendall(self.body[i : min(i + 256 * 1024, end)])
        return not cutting


class DirectProvider:
    """What download_call needs from a provider: the app's HTTP client and a resolved link."""

    name = "direct"

    def __init__(self, url: str, size: int, **http) -> None:
        self.url, self.size = url, size
        self.http = HttpClient(provider="direct", account="rec", per_host_rate=0, **http)

    def resolve_media(self, call: Call, rec: Recording) -> MediaSource:
        return MediaSource(self.url, file_name=rec.file_name, format="wav", size=self.size)


@contextlib.contextmanager
def direct(body: bytes, *, size: int = SIZE, read_timeout: float | None = None, **serving):
    """A Server answering with `body` as told, and a DirectProvider pointed at it."""
    server = Server(body, **serving)
    provider = DirectProvider(server.url(), size, **({} if read_timeout is None else {"read_timeout": read_timeout}))
    try:
        yield server, provider
    finally:
        provider.http.close()
        server.close()


@pytest.fixture
def body():
    return os.urandom(SIZE)


def add_call(store, size=SIZE):
    account = store.add_account(Account(name="rec", provider="yeastar", settings={}))
    call = Call(provider_id="c1", start_ms=0, has_audio=True,
                recordings=[Recording("r1", file_name="big.wav", format="wav", size=size)])
    store.upsert_calls(account.id, [call])
    return account, store.get_call("rec", "c1")


def fetch(store, account, call, provider, media, progress=None, cancelled=lambda: False):
    """download_call, noting which threads ran while the body arrived (asked at every read)."""
    seen: set[str] = set()

    def asked() -> bool:
        seen.update(t.name for t in threading.enumerate())
        return cancelled()

    files = download_call(store, account, provider, call, media, progress=progress, cancelled=asked)
    return files[0], seen


def check(f, body):
    assert f.size == len(body) and f.path.read_bytes() == body
    assert f.sha256 == hashlib.sha256(body).hexdigest()
    assert not list(f.path.parent.glob("*.part"))


@pytest.mark.parametrize("size", [SIZE, 1_300_000])  # the smaller one fits a ring of one buffer
def test_bytes_read_with_the_headers_start_the_file_and_the_client_keeps_working(store, data_dir, size):
    body = os.urandom(size)
    account, call = add_call(store, size)
    with direct(body, size=size, first_packet=200_000) as (server, provider):
        f, threads = fetch(store, account, call, provider, data_dir.media)
        check(f, body)
        # The socket path ran (not httpx's), so this test covers it; its connection was then closed.
        assert "media-sha256" in threads
        assert provider.http.get_json(server.url("/small")) == {}
        assert server.connections == 2
        assert [m.sha256 for m in store.media_for_call("rec", "c1")] == [f.sha256]


def test_a_chunked_answer_takes_httpx_path_and_is_complete(store, data_dir, body):
    account, call = add_call(store)
    with direct(body, chunked=True) as (server, provider):
        f, threads = fetch(store, account, call, provider, data_dir.media)
        check(f, body)
        assert "media-sha256" not in threads


def test_a_cut_body_resumes_from_what_arrived(store, data_dir, body):
    account, call = add_call(store)
    with direct(body, cut_at=2_500_000) as (server, provider):
        f, _ = fetch(store, account, call, provider, data_dir.media)
        check(f, body)
        assert server.ranges == [None, "bytes=2500000-"]  # every byte that arrived was kept


def test_a_body_cut_every_time_fails_clearly_and_keeps_the_part(store, data_dir, body):
    account, call = add_call(store)
    with direct(body, cut_at=1_500_000, cuts=0) as (server, provider):
        with pytest.raises(DownloadIncomplete) as e:
            fetch(store, account, call, provider, data_dir.media)
        assert SECRET not in str(e.value) and "big.wav" in str(e.value)
        (part,) = (data_dir.media / "rec").iterdir()
        assert part.name == "big.wav.part" and part.read_bytes() == body[:1_500_000]
        assert store.media_for_call("rec", "c1") == []


def test_a_stalled_body_times_out_and_resumes(store, data_dir, body):
    account, call = add_call(store)
    with direct(body, pause_at=3_000_000, pause_s=4.0, read_timeout=1.0) as (server, provider):  # slack for a loaded machine
        f, _ = fetch(store, account, call, provider, data_dir.media)
        check(f, body)
        stalled_at = 3_000_000 // (256 * 1024) * (256 * 1024)  # the server's last full piece before the stall
        assert server.ranges == [None, f"bytes={stalled_at}-"]  # all that arrived before the timeout was kept


def test_cancel_keeps_a_part_that_the_next_download_resumes(store, data_dir, body):
    account, call = add_call(store)
    stop = threading.Event()
    got: list[int] = []

    def progress(p):
        got.append(p.done)
        if p.done >= 2_000_000:
            stop.set()

    with direct(body, slow_from=2_000_000) as (server, provider):
        with pytest.raises(DownloadCancelled):
            fetch(store, account, call, provider, data_dir.media, progress=progress, cancelled=stop.is_set)
        part = data_dir.media / "rec" / "big.wav.part"
        kept = part.read_bytes()
        assert 2_000_000 <= len(kept) < SIZE and kept == body[: len(kept)]
        f, _ = fetch(store, account, call, provider, data_dir.media)
        check(f, body)
        assert server.ranges[-1] == f"bytes={len(kept)}-"


def test_self_signed_pbx_needs_the_ca_bundle_for_the_socket_path_too(store, data_dir, body, tmp_path):
    ctx, pem = make_self_signed(tmp_path)
    server = Server(body, tls=ctx, first_packet=100_000)
    account, call = add_call(store)
    bare = DirectProvider(server.url(), SIZE)
    pinned = DirectProvider(server.url(), SIZE, ca_bundle=pem)
    try:
        with pytest.raises(TlsError, match="ca_bundle"):
            fetch(store, account, call, bare, data_dir.media)
        assert server.ranges == []  # nothing was asked over the unverified connection
        f, threads = fetch(store, account, call, pinned, data_dir.media)
        check(f, body)
        assert "media-sha256" in threads
    finally:
        bare.http.close()
        pinned.http.close()
        server.close()


@with_own_mounts
def test_a_full_disk_on_the_socket_path_says_so_and_leaves_no_part(store, data_dir, body, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mount_tmpfs(small, "2m")
    account, call = add_call(store)
    with direct(body) as (server, provider):
        with pytest.raises(DiskFull, match="is full: free some space"):
            fetch(store, account, call, provider, small)
        assert not list(small.rglob("*.part")) and not list(small.rglob("*.wav"))
        assert store.media_for_call("rec", "c1") == []
        resize_tmpfs(small, "16m")
        f, _ = fetch(store, account, call, provider, small)
        check(f, body)
        subprocess.run(["umount", "-l", str(small)], capture_output=True)
