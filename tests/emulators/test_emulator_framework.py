"""The emulator framework over real loopback sockets: Range, fault syntax, and faults that
really happen on the wire (dropped, truncated, slow)."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from recbrowser.emulators.faults import FaultSet, FaultSpecError, parse_fault
from recbrowser.emulators.server import EmulatorServer, Request, parse_range, send_json, send_media

DATA = bytes(range(256)) * 4  # 1024 distinct-ish bytes


@pytest.fixture
def server():
    srv = EmulatorServer()
    srv.route("GET", "/media", lambda r: send_media(r.handler, DATA, "audio/wav"))
    srv.route("GET", "/api/download/", lambda r: send_media(r.handler, DATA, "audio/wav"), prefix=True)
    srv.route("GET", "/json", lambda r: send_json(r.handler, {"errcode": 0, "items": list(range(50))}))
    srv.route("POST", "/echo", lambda r: send_json(r.handler, {"got": r.json(), "q": r.query}))
    with srv:
        yield srv


def get(srv: EmulatorServer, path: str, **kw) -> httpx.Response:
    return httpx.get(srv.base_url + path, timeout=10, **kw)


def raw_get(srv: EmulatorServer, path: str) -> tuple[bytes, bytes]:
    """(headers, body) exactly as they came off the socket, until the server closed it."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n".encode())
        chunks = []
        while block := s.recv(65536):
            chunks.append(block)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return head, body


# -- server basics and Range -------------------------------------------------------------------
def test_start_gives_a_loopback_url_with_an_os_port_and_stop_closes_it():
    srv = EmulatorServer()
    url = srv.start()
    assert url.startswith("http://127.0.0.1:") and srv.port > 0
    assert srv.describe()["base_url"] == url
    srv.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/x", timeout=2)


def test_full_body_advertises_ranges_and_length(server):
    r = get(server, "/media")
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["accept-ranges"] == "bytes" and r.headers["content-length"] == str(len(DATA))


@pytest.mark.parametrize(("header", "first", "last"), [("bytes=10-19", 10, 19), ("bytes=1000-", 1000, 1023),
                                                       ("bytes=-24", 1000, 1023), ("bytes=1020-5000", 1020, 1023)])
def test_range_answers_206_with_content_range(server, header, first, last):
    r = get(server, "/api/download/x.wav", headers={"Range": header})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert r.content == DATA[first : last + 1] and r.headers["content-length"] == str(last - first + 1)


def test_unsatisfiable_range_is_416_with_the_size(server):
    r = get(server, "/media", headers={"Range": "bytes=1024-"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */1024"
    assert r.headers["content-length"] == "0"


def test_parse_range_edge_cases():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=0-0,5-6", 10) is None  # multi-range: whole body
    assert parse_range("items=1-2", 10) is None
    assert parse_range("bytes=5-2", 10) is None
    assert parse_range("bytes=0-", 0) is False


def test_requests_are_logged_and_counted(server):
    r = httpx.post(server.base_url + "/echo?a=1&b=two", json={"k": "v"}, timeout=10)
    assert r.json() == {"got": {"k": "v"}, "q": {"a": "1", "b": "two"}}
    get(server, "/nowhere")
    assert ("POST", "/echo", {"a": "1", "b": "two"}) in server.requests
    assert server.counters["requests"] == 2 and server.counters["GET /nowhere"] == 1


# -- fault syntax ----------------------------------------------------------------------------------
def test_fault_specs_parse():
    f = parse_fault("429:times=3,retry_after=1,path=cdr/search")
    assert (f.kind, f.times, f.path, f.params) == ("429", 3, "cdr/search", {"retry_after": "1"})
    assert parse_fault("5xx").times == 1
    assert parse_fault("slow:seconds=0.5,times=always").times == 0
    assert parse_fault("drop:always").times == 0
    assert parse_fault("token-expiry:after=4").number("after", 0) == 4
    assert parse_fault("errcode:code=10005,path=get_token").params["code"] == "10005"


@pytest.mark.parametrize("spec", ["boom", "429:retry=1", "slow:seconds=soon", "5xx:times=-1", "drop:path"])
def test_bad_fault_specs_say_what_is_wrong(spec):
    with pytest.raises(FaultSpecError):
        parse_fault(spec)


def test_faults_count_down_and_respect_the_path_filter():
    fs = FaultSet(["5xx:times=2,path=cdr/search"])
    assert fs.take("5xx", "/openapi/v1.0/recording/list") is None
    assert fs.take("5xx", "/openapi/v2.0/cdr/search") is not None
    assert fs.take("5xx", "/openapi/v1.0/cdr/search") is not None
    assert fs.take("5xx", "/openapi/v1.0/cdr/search") is None
    assert fs.fired("5xx") == 2
    forever = FaultSet(["429:times=0"])
    assert all(forever.take("429", "/x") for _ in range(20))


def test_429_then_recovery_only_on_the_matching_path(server):
    server.add_fault("429:times=2,retry_after=3,path=/json")
    assert get(server, "/media").status_code == 200
    first, second, third = (get(server, "/json") for _ in range(3))
    assert first.status_code == second.status_code == 429 and first.headers["retry-after"] == "3"
    assert third.status_code == 200 and third.json()["errcode"] == 0
    assert server.counters["fault:429"] == 2


def test_5xx_and_errcode_faults(server):
    server.add_fault("5xx:status=502")
    server.add_fault("errcode:code=10005")
    assert get(server, "/json").status_code == 502
    assert get(server, "/json").json() == {"errcode": 10005, "errmsg": "ACCESS DENIED"}
    assert get(server, "/json").json()["errcode"] == 0


def test_clear_faults(server):
    server.add_fault("5xx:always")
    server.clear_faults()
    assert get(server, "/json").status_code == 200


# -- faults on the wire ---------------------------------------------------------------------------
def test_drop_closes_without_an_answer(server):
    server.add_fault("drop:times=1")
    head, body = raw_get(server, "/json")
    assert head == b"" and body == b""
    server.add_fault("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        get(server, "/json")
    assert get(server, "/json").status_code == 200


def test_truncate_announces_the_full_length_but_sends_half(server):
    server.add_fault("truncate:path=/api/download")
    head, body = raw_get(server, "/api/download/rec.wav")
    assert f"Content-Length: {len(DATA)}".encode() in head
    assert body == DATA[: len(DATA) // 2]
    server.add_fault("truncate:path=/api/download")
    with pytest.raises(httpx.RemoteProtocolError):
        get(server, "/api/download/rec.wav")
    assert get(server, "/api/download/rec.wav").content == DATA  # times=1: the next one is whole


def test_truncate_applies_to_a_range_answer_too(server):
    server.add_fault("truncate")
    head, body = raw_get_range(server, "/media", "bytes=100-299")
    assert b"206" in head.split(b"\r\n")[0] and b"Content-Length: 200" in head
    assert body == DATA[100:200]


def raw_get_range(srv: EmulatorServer, path: str, rng: str) -> tuple[bytes, bytes]:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nRange: {rng}\r\n\r\n".encode())
        data = b"".join(iter(lambda: s.recv(65536), b""))
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


class Pause:
    """Stands in for the emulator's time.sleep: records the pause and holds it until released,
    so a test sees what has (not) been sent while the server pauses, with no clock involved."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.started, self.release = threading.Event(), threading.Event()

    def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.started.set()
        assert self.release.wait(10)


@pytest.fixture
def pause(monkeypatch):
    from types import SimpleNamespace

    from recbrowser.emulators import server as server_module

    p = Pause()
    monkeypatch.setattr(server_module, "time", SimpleNamespace(sleep=p.sleep, time=time.time, monotonic=time.monotonic))
    yield p
    p.release.set()


def test_slow_waits_before_answering(server, pause):
    server.add_fault("slow:seconds=0.3,path=/json")
    answers: list[httpx.Response] = []
    client = threading.Thread(target=lambda: answers.append(get(server, "/json")))
    client.start()
    assert pause.started.wait(10)
    assert answers == []  # nothing answered during the pause
    pause.release.set()
    client.join(10)
    assert [r.status_code for r in answers] == [200] and pause.seconds == [0.3]
    assert server.faults.fired("slow") == 1


def test_slow_body_stalls_mid_transfer(server, pause):
    server.add_fault("slow:seconds=0.4,stage=body,path=/media")
    received = bytearray()
    arrived = threading.Condition()

    def read() -> None:
        with httpx.stream("GET", server.base_url + "/media", timeout=10) as r:
            for chunk in r.iter_raw():
                with arrived:
                    received.extend(chunk)
                    arrived.notify_all()

    client = threading.Thread(target=read)
    client.start()
    assert pause.started.wait(10)
    with arrived:  # the first half reaches the client while the rest waits for the pause to end
        assert arrived.wait_for(lambda: len(received) >= len(DATA) // 2, timeout=10)
        assert bytes(received) == DATA[: len(DATA) // 2]
    pause.release.set()
    client.join(10)
    assert bytes(received) == DATA and pause.seconds == [0.4]


def test_malformed_json_is_invalid_json_with_status_200(server):
    server.add_fault("malformed-json:path=/json")
    r = get(server, "/json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    assert get(server, "/json").json()["errcode"] == 0


def test_concurrent_requests_are_served_in_parallel(server):
    # Each answer waits until all four requests are being handled at once: served in turn, the
    # barrier would never fill and every request would fail.
    together = threading.Barrier(4, timeout=10)
    server.route("GET", "/together", lambda r: (together.wait(), send_json(r.handler, {}))[1])
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(get(server, "/together").status_code)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 4 and not together.broken


def test_request_helper_tolerates_bad_json():
    req = Request(handler=None, method="POST", path="/", query={}, headers=None, body=b"{nope")  # type: ignore[arg-type]
    assert req.json() is None
