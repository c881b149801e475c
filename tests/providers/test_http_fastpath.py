"""httpcore's internals that recbrowser uses for speed (recbrowser/providers/http_fastpath.py):
still there, and still needed, in the httpcore it was written for. When httpcore is upgraded
the first test fails: then check the two pieces again and re-target (or drop) them."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import httpx
import pytest

from recbrowser.providers import http_fastpath

BODY = b"\x01" * (2 * 1024 * 1024)


def test_the_httpcore_in_use_is_the_one_the_fast_path_was_written_for():
    assert httpcore.__version__ == http_fastpath.HTTPCORE, (
        f"httpcore is {httpcore.__version__}: check providers/http_fastpath.py against it, then re-target it")


def test_httpcore_on_its_own_still_reads_64_kb_at_a_time_so_widening_is_still_needed():
    # A fresh interpreter: this one's httpcore may have been widened by another test already.
    code = "import httpcore; print(httpcore._sync.http11.HTTP11Connection.READ_NUM_BYTES)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) < http_fastpath.READ_NUM_BYTES


def test_a_client_reads_256_kb_at_a_time_once_it_has_made_its_first_request():
    code = ("import httpcore\nfrom recbrowser.providers.http import HttpClient\n"
            "before = httpcore._sync.http11.HTTP11Connection.READ_NUM_BYTES\n"
            "HttpClient(provider='yeastar', account='a')._http()\n"
            "print(before, httpcore._sync.http11.HTTP11Connection.READ_NUM_BYTES)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert (int(out[0]), int(out[1])) == (64 * 1024, 256 * 1024)  # importing alone changes nothing


class _Body(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Body)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/rec.wav"
    srv.shutdown()
    srv.server_close()


def test_httpcore_still_hands_over_the_socket_a_body_arrives_on(server):
    with httpx.Client() as client, client.stream("GET", server) as resp:
        sock = http_fastpath.raw_socket(resp)
        assert isinstance(sock, socket.socket)
        first = b"".join(resp.iter_raw())[:4]  # the body is still readable through httpx
    assert first == BODY[:4]

