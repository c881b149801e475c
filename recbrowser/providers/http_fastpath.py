"""Where recbrowser reaches into httpcore's internals for speed: the one place it does.

Written for httpcore 1.0.9 (pinned in pyproject.toml and requirements.lock); each piece checks
that the internals it needs are still there and falls back to httpx's public path when not.
tests/providers/test_http_fastpath.py fails when httpcore leaves that version: then check both again.

1. Bigger reads. httpcore reads HTTP/1.1 answers 64 KB per recv(); every read then goes
   through h11's parser and two copies. 256 KB reads cut that per-read cost by about a fifth of
   a download's CPU time (recv returns what has arrived, so small JSON answers are not held
   back). `widen_reads()` is called before the first request of each HttpClient.
2. The body's socket. A large plain body is read straight from the connection
   (services/media_stream.py); `raw_socket` finds that connection's socket in httpcore's stream.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

HTTPCORE = "1.0.9"  # the version both pieces were written for
READ_NUM_BYTES = 256 * 1024


def reads_are_small() -> bool:
    """Whether httpcore's HTTP/1.1 connection still reads less than READ_NUM_BYTES at a time."""
    import httpcore

    return 0 < getattr(httpcore._sync.http11.HTTP11Connection, "READ_NUM_BYTES", 0) < READ_NUM_BYTES


def widen_reads() -> bool:
    """Read READ_NUM_BYTES per recv() where httpcore reads less; returns whether reads are that wide."""
    import httpcore

    if reads_are_small():
        httpcore._sync.http11.HTTP11Connection.READ_NUM_BYTES = READ_NUM_BYTES
    return getattr(httpcore._sync.http11.HTTP11Connection, "READ_NUM_BYTES", 0) >= READ_NUM_BYTES


def raw_socket(resp: httpx.Response) -> socket.socket | None:
    """The socket `resp`'s body arrives on, where httpcore's stream is a plain socket (or the
    SSLSocket httpcore wrapped with our context); None for TLS inside a proxy's TLS
    (TLSinTLSStream), another transport, or an httpcore whose layout is unknown."""
    try:
        from httpcore._backends.sync import SyncStream
    except ImportError:
        return None
    stream = resp.extensions.get("network_stream")
    if type(stream) is not SyncStream:
        return None
    sock = stream.get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None
