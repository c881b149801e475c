"""A large media body read straight from the connection into reused buffers.

httpx hands a body over as a new bytes object per socket read, after h11 has parsed and
copied it twice; on 200 MB over loopback that Python work kept a download at ~0.7 of curl.
For an answer with a Content-Length and no transfer or content coding, the rest of the body
is exactly the next bytes on the connection. So httpx still does everything up to the body
(TLS and the account's CA bundle, redirects without credentials, retries of 429/5xx, the
rate limit), and the body is then read here with recv_into into a ring of preallocated
buffers. A hashing thread and a writing thread take each filled buffer in turn and hand it
back; hashlib and os.write let go of the GIL on them, and no bytes object is made per read.

h11 never sees that body, so httpcore closes the connection when the answer is closed instead
of reusing it: one reconnection per large file, which is why small files keep httpx's path.
"""

from __future__ import annotations

import hashlib
import os
import queue
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from recbrowser.providers.http_fastpath import raw_socket

if TYPE_CHECKING:
    import httpx

FAST_FROM = 1024 * 1024  # bodies at least this long; below, a kept-alive connection is worth more
SLOT = 1024 * 1024  # bytes per buffer of the ring
SLOTS = 16  # buffers in the ring: at most 16 MB waiting for the hash or the disk
WRITEBACK_EVERY = 8 * 1024 * 1024


class BodyInterrupted(Exception):
    """The connection failed or timed out while the body was being read (keep the .part)."""


def direct_socket(resp: httpx.Response) -> socket.socket | None:
    """The socket that carries the rest of `resp`'s body as is, or None for httpx's own path
    (chunked or compressed answers, small files, a proxy's TLS tunnel, another transport)."""
    headers = resp.headers
    if "transfer-encoding" in headers or resp.http_version not in ("HTTP/1.1", "HTTP/1.0"):
        return None
    if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    length = headers.get("content-length", "")
    if not length.isdigit() or int(length) < FAST_FROM:
        return None
    return raw_socket(resp)  # httpcore's internals: providers/http_fastpath.py


class _Stage:
    """One thread doing `work` on each buffer in order, then passing it on. After a failure it
    keeps passing buffers on undone, so the receiving thread never waits on a dead stage."""

    def __init__(self, name: str, work: Callable[[memoryview], object], then: Callable[[tuple | None], object]):
        self.work, self.then = work, then
        self.error: BaseException | None = None
        self.inbox: queue.SimpleQueue[tuple[memoryview, int | None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self.inbox.get()) is not None:
            if self.error is None:
                try:
                    self.work(item[0])
                except BaseException as e:  # handed to the receiving thread
                    self.error = e
            self.then(item)
        self.then(None)

    def join(self) -> None:
        self._thread.join()


class _FileWriter:
    """os.write of each buffer, and every 8 MB a writeback of what was written, so the closing
    fsync has only the tail left."""

    def __init__(self, fd: int, offset: int, start_writeback: Callable[[int, int, int], object] | None) -> None:
        self.fd, self.start_writeback = fd, start_writeback
        self.written = self.flushed = offset

    def __call__(self, view: memoryview) -> None:
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
            self.written += n
        if self.start_writeback and self.written - self.flushed >= WRITEBACK_EVERY:
            self.start_writeback(self.fd, self.flushed, self.written - self.flushed)
            self.flushed = self.written


class Pipeline:
    """SHA-256, then the file, each on its own thread, over a ring of reused buffers. The ring
    bounds what waits: a disk slower than the network holds the download back instead of
    filling memory. A write error (a full disk) is raised at the next buffer taken, or by
    check() once the pipeline is closed."""

    def __init__(self, fd: int, offset: int, digest: hashlib._Hash,
                 start_writeback: Callable[[int, int, int], object] | None, expected: int | None = None,
                 name: str = "media") -> None:
        slots = SLOTS if expected is None else max(1, min(SLOTS, -(-expected // SLOT)))  # a 2 MB file needs no 16 MB ring
        self._ring = memoryview(bytearray(slots * SLOT))
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for i in range(slots):
            self._free.put(i)
        # Threads named by path: "media-*" reads the socket, "download-*" takes httpx's chunks.
        self._writer = _Stage(f"{name}-writer", _FileWriter(fd, offset, start_writeback), self._release)
        self._hasher = _Stage(f"{name}-sha256", digest.update, self._writer.inbox.put)

    def _release(self, item: tuple | None) -> None:
        if item is not None:
            self._free.put(item[1])

    def take(self) -> tuple[int, memoryview]:
        """A free buffer to fill (waits while the hash and the disk catch up)."""
        self.check()
        slot = self._free.get()
        return slot, self._ring[slot * SLOT : (slot + 1) * SLOT]

    def send(self, slot: int, filled: memoryview) -> None:
        """The buffer's filled part: hashed, written, then the buffer is free again."""
        self._hasher.inbox.put((filled, slot))

    def put(self, data: bytes) -> None:
        """Bytes received some other way (httpx's chunks), copied into the ring."""
        data = memoryview(data)
        while data:
            slot, view = self.take()
            n = min(len(data), SLOT)
            view[:n] = data[:n]
            self.send(slot, view[:n])
            data = data[n:]

    def close(self) -> None:
        """Wait until every buffer sent is hashed and written (or a write has failed)."""
        self._hasher.inbox.put(None)
        self._hasher.join()
        self._writer.join()

    def check(self) -> None:
        if self._writer.error is not None:
            raise self._writer.error


def receive(resp: httpx.Response, sock: socket.socket, length: int, fd: int, offset: int, digest: hashlib._Hash,
            on_read: Callable[[int], object],
            start_writeback: Callable[[int, int, int], object] | None = None) -> int:
    """Read `length` body bytes of `resp` (whose socket is `sock`) into the file `fd`, positioned at
    `offset`, and into `digest`. `on_read(n)` after each read (progress; it may raise to cancel).
    Returns the body bytes received: fewer than `length` when the server closed early. Raises
    BodyInterrupted on a network failure; a write error (a full disk) as the OSError it is.
    What was received before any failure is in the file, so a retry can resume from it."""
    # What h11 read past the headers is the body's start; it hands all of it over as one piece
    # before it reads the socket again, so the next byte on the socket follows it.
    pieces = resp.iter_raw()
    first = next(pieces, b"")
    pipeline = Pipeline(fd, offset, digest, start_writeback, length - len(first))
    got = len(first)
    try:
        if first:
            on_read(len(first))
            pipeline.put(first)
        timeout = resp.request.extensions.get("timeout", {}).get("read")
        sock.settimeout(timeout)
        left = length - got
        while left > 0:
            slot, view = pipeline.take()
            filled = 0
            try:
                while filled < SLOT and left > 0:
                    try:
                        n = sock.recv_into(view[filled:], min(SLOT - filled, left))
                    except OSError:  # reset, timeout, a TLS failure: the body stopped here
                        raise BodyInterrupted from None
                    if not n:
                        left = 0  # the server closed early: the caller compares the length
                        break
                    filled += n
                    left -= n
                    got += n
                    on_read(n)
            finally:
                pipeline.send(slot, view[:filled])  # what was read goes to the file even on failure
    finally:
        pipeline.close()
        pieces.close()  # closes the answer's connection: h11 is not at the end of the message
    pipeline.check()
    return got
