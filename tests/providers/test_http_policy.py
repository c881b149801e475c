"""The HTTP policy against purpose-built loopback servers: retries, errors, redirects, TLS, secrets."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import socket
import threading
import traceback
import uuid

import pytest
from support.certs import make_self_signed
from support.loopback import LoopbackServer, ok_json, reply

from recbrowser.errors import (
    AuthError,
    ConnectionFailed,
    NotFound,
    ProtocolError,
    ProviderError,
    RateLimited,
    ServerError,
    TlsError,
    UserFacingError,
)
from recbrowser.providers import http as http_module
from recbrowser.providers.http import HttpClient
from recbrowser.redact import RedactingFilter, redact_text, register_secret

# Built at run time so no traceback line that quotes this file's source contains the values.
CANARY = "CANARY" + uuid.uuid4().hex
BEARER = "BEARERCANARY" + uuid.uuid4().hex


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps):
    clients: list[HttpClient] = []

    def make(**kw) -> HttpClient:
        kw.setdefault("per_host_rate", 0)  # 0: unlimited
        c = HttpClient(provider="Yeastar", account="hq", sleep=sleeps.append, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def one_sentence(msg: str) -> None:
    assert msg.startswith("Yeastar account 'hq': ") and msg.endswith(".") and "\n" not in msg
    assert ". " not in msg.rstrip(".")


def assert_clean(exc: BaseException) -> None:
    text = str(exc) + repr(exc) + "".join(traceback.format_exception(exc))
    assert CANARY not in text and BEARER not in text
    assert exc.__cause__ is None and exc.__context__ is None, "an httpx error (with its URL) is chained"


# -- retries ------------------------------------------------------------------------------------
def test_429_honours_retry_after_seconds_and_http_date(make_client, sleeps):
    def handle(h, n):
        if n == 1:
            reply(h, 429, "slow down", {"Retry-After": "7"})
        elif n == 2:
            when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
            reply(h, 429, "slow down", {"Retry-After": email.utils.format_datetime(when, usegmt=True)})
        elif n == 3:
            reply(h, 429, "slow down", {"Retry-After": "100000"})
        else:
            ok_json(h)

    with LoopbackServer(handle) as srv:
        assert make_client().get_json(srv.url("/x")) == {"ok": True}
    assert sleeps[0] == 7
    assert 27 <= sleeps[1] <= 30
    assert sleeps[2] == 120  # capped by max_retry_after
    assert len(srv.seen) == 4


def test_429_forever_is_rate_limited_in_one_sentence(make_client, sleeps):
    srv = LoopbackServer(lambda h, n: reply(h, 429, "", {"Retry-After": "1"}))
    with srv, pytest.raises(RateLimited) as err:
        make_client().get_json(srv.url(f"/x?access_token={CANARY}"))
    msg = str(err.value)
    one_sentence(msg)
    assert f"127.0.0.1:{srv.port}" in msg and "429" in msg and "5 tries" in msg and "a few minutes" in msg
    assert sleeps == [1, 1, 1, 1] and len(srv.seen) == 5
    assert_clean(err.value)


def test_5xx_then_success_backs_off_exponentially(make_client, sleeps):
    statuses = {1: 503, 2: 502, 3: 500}
    with LoopbackServer(lambda h, n: reply(h, statuses[n]) if n in statuses else ok_json(h)) as srv:
        assert make_client(backoff=1.0).get_json(srv.url("/x")) == {"ok": True}
    assert len(sleeps) == 3
    for i, wait in enumerate(sleeps):  # backoff * 2**i with jitter in [50%, 100%]
        assert 0.5 * 2**i <= wait <= 2**i


def test_5xx_forever_is_server_error(make_client, sleeps):
    with LoopbackServer(lambda h, n: reply(h, 502, "bad gateway")) as srv, pytest.raises(ServerError) as err:
        make_client(retries=2).get_json(srv.url(f"/x?access_token={CANARY}"))
    one_sentence(str(err.value))
    assert "502" in str(err.value) and "3 tries" in str(err.value) and len(srv.seen) == 3
    assert_clean(err.value)


def test_post_is_retried_only_when_the_server_did_not_act(make_client, sleeps):
    with LoopbackServer(lambda h, n: reply(h, 500)) as srv, pytest.raises(ServerError):
        make_client().post_json(srv.url("/get_token"), json={"password": CANARY})
    assert len(srv.seen) == 1 and sleeps == []

    with LoopbackServer(lambda h, n: reply(h, 503) if n == 1 else ok_json(h)) as srv:
        assert make_client().post_json(srv.url("/get_token"), json={"a": 1}) == {"ok": True}
    assert len(srv.seen) == 2 and json.loads(srv.seen[1].body) == {"a": 1}


def test_dropped_connection_is_retried(make_client, sleeps):
    def handle(h, n):
        if n == 1:
            h.close_connection = True  # hang up without a word
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        else:
            ok_json(h)

    with LoopbackServer(handle) as srv:
        assert make_client().get_json(srv.url("/x")) == {"ok": True}
    assert len(srv.seen) == 2 and len(sleeps) == 1


def test_dropped_answer_to_a_post_is_not_replayed(make_client, sleeps):
    def handle(h, n):
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    with LoopbackServer(handle) as srv, pytest.raises(ConnectionFailed) as err:
        make_client().post_json(srv.url("/get_token"), json={})
    assert len(srv.seen) == 1 and sleeps == []
    one_sentence(str(err.value))


def test_read_timeout_is_retried_then_reported(make_client, sleeps):
    gave_up = threading.Event()

    def handle(h, n):
        gave_up.wait(10)  # answers only once the client has given up
        ok_json(h)

    with LoopbackServer(handle) as srv:
        try:
            with pytest.raises(ConnectionFailed) as err:
                make_client(read_timeout=0.1, retries=1).get_json(srv.url("/slow"))
        finally:
            gave_up.set()
    assert "did not answer" in str(err.value) and len(sleeps) == 1
    one_sentence(str(err.value))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_one_sentence(make_client, sleeps):
    port = _free_port()
    with pytest.raises(ConnectionFailed) as err:
        make_client().get_json(f"http://127.0.0.1:{port}/openapi/v1.0/x?access_token={CANARY}",
                               headers={"Authorization": f"Bearer {BEARER}"})
    msg = str(err.value)
    one_sentence(msg)
    assert f"could not reach 127.0.0.1:{port} (connection refused)" in msg
    assert "check the base URL and that the PBX" in msg
    assert len(sleeps) == 4  # refused may be a PBX rebooting: retried like other connect errors
    assert_clean(err.value)


def test_dns_failure_is_not_retried(make_client, sleeps):
    with pytest.raises(ConnectionFailed) as err:
        make_client().get_json("https://no-such-host.invalid/x")
    assert "could not find the host no-such-host.invalid" in str(err.value) and sleeps == []


# -- statuses and bodies ------------------------------------------------------------------------
def test_malformed_json_is_protocol_error_naming_host_and_path(make_client):
    body = '{"errcode": 0, "access_token": "' + CANARY + '"'  # cut short
    srv = LoopbackServer(lambda h, n: reply(h, 200, body, {"Content-Type": "application/json"}))
    with srv, pytest.raises(ProtocolError) as err:
        make_client().get_json(srv.url(f"/openapi/v1.0/cdr/list?access_token={CANARY}"))
    msg = str(err.value)
    one_sentence(msg)
    assert f"127.0.0.1:{srv.port}/openapi/v1.0/cdr/list" in msg and "not JSON" in msg
    assert_clean(err.value)


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (404, NotFound), (400, ProviderError)])
def test_client_errors_map_to_our_errors(make_client, sleeps, status, kind):
    with LoopbackServer(lambda h, n: reply(h, status, '{"error": "nope"}')) as srv, pytest.raises(kind) as err:
        make_client().get_json(srv.url(f"/thing?access_token={CANARY}"))
    assert err.value.status_code == status and len(srv.seen) == 1 and sleeps == []
    assert str(status) in str(err.value)
    one_sentence(str(err.value))
    assert_clean(err.value)


def test_stream_retries_before_the_body_and_hands_other_statuses_over(make_client, sleeps):
    srv = LoopbackServer(lambda h, n: reply(h, 503) if n == 1 else reply(h, 200, b"RIFF" * 1000))
    with srv, make_client().stream("GET", srv.url("/media/a[1].wav")) as resp:
        assert resp.read() == b"RIFF" * 1000
    assert len(srv.seen) == 2 and srv.seen[1].path == "/media/a[1].wav"
    srv = LoopbackServer(lambda h, n: reply(h, 416))
    with srv, make_client().stream("GET", srv.url("/media/a.wav"), headers={"Range": "bytes=10-"}) as resp:
        assert resp.status_code == 416
    assert srv.seen[0].headers["range"] == "bytes=10-"


# -- URLs and redirects -------------------------------------------------------------------------
def test_brackets_reach_the_server_byte_for_byte(make_client):
    path = "/recording/20260509[Queue 6400][1001]-[2].wav"
    with LoopbackServer(lambda h, n: ok_json(h)) as srv:
        make_client().get_json(srv.url("/media/call[1][2].wav?name=[x]&k=a%2Fb"), params={"page": "[3]"})
        make_client().request("GET", srv.url(path.replace(" ", "%20")))
    assert srv.seen[0].path == "/media/call[1][2].wav?name=[x]&k=a%2Fb&page=%5B3%5D"
    assert srv.seen[1].path == "/recording/20260509[Queue%206400][1001]-[2].wav"


def test_redirect_to_another_origin_drops_authorization(make_client):
    auth = {"Authorization": f"Bearer {BEARER}", "X-Api-Key": CANARY, "X-Trace": "keep"}
    with LoopbackServer(lambda h, n: ok_json(h)) as other:

        def handle(h, n):
            if h.path.startswith("/same"):
                reply(h, 302, "", {"Location": "/landing[1].json"})
            elif h.path.startswith("/cross-host"):
                reply(h, 302, "", {"Location": other.url("/landing[2].json", host="localhost")})
            elif h.path.startswith("/cross-port"):
                reply(h, 307, "", {"Location": other.url("/landing[3].json")})
            else:
                ok_json(h)

        with LoopbackServer(handle) as srv:
            client = make_client()
            client.get_json(srv.url("/same"), headers=auth)
            client.get_json(srv.url("/cross-host"), headers=auth)
            client.get_json(srv.url("/cross-port"), headers=auth)
    landed = srv.seen[1]
    assert landed.path == "/landing[1].json" and landed.headers["authorization"] == f"Bearer {BEARER}"
    assert landed.headers["x-api-key"] == CANARY
    assert [s.path for s in other.seen] == ["/landing[2].json", "/landing[3].json"]
    for s in other.seen:
        assert "authorization" not in s.headers and "x-api-key" not in s.headers
        assert s.headers["x-trace"] == "keep"


def test_redirect_loop_stops_after_five(make_client):
    srv = LoopbackServer(lambda h, n: reply(h, 302, "", {"Location": f"/hop{n}"}))
    with srv, pytest.raises(ProtocolError) as err:
        make_client().get_json(srv.url("/start"))
    assert "more than 5 times" in str(err.value) and len(srv.seen) == 6


# -- TLS --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    return make_self_signed(tmp_path_factory.mktemp("tls"))


def test_self_signed_certificate_needs_the_ca_bundle(make_client, sleeps, self_signed):
    ctx, cert = self_signed
    srv = LoopbackServer(lambda h, n: ok_json(h), tls=ctx)
    with srv:
        with pytest.raises(TlsError) as err:
            make_client().get_json(srv.url(f"/x?access_token={CANARY}"))
        assert make_client(ca_bundle=cert).get_json(srv.url("/x")) == {"ok": True}
    msg = str(err.value)
    one_sentence(msg)
    assert "system's trusted certificates" in msg and "self-signed" in msg and "ca_bundle" in msg
    assert sleeps == []  # retrying cannot fix a certificate
    assert_clean(err.value)


def test_wrong_ca_bundle_says_which_bundle_was_used(make_client, self_signed, tmp_path):
    ctx, _ = self_signed
    _, other = make_self_signed(tmp_path)  # a different PBX's certificate
    with LoopbackServer(lambda h, n: ok_json(h), tls=ctx) as srv, pytest.raises(TlsError) as err:
        make_client(ca_bundle=other).get_json(srv.url("/x"))
    assert f"with the CA bundle {other}" in str(err.value)
    one_sentence(str(err.value))


def test_missing_or_bad_ca_bundle_is_a_clear_error(make_client, tmp_path):
    with pytest.raises(UserFacingError) as err:
        make_client(ca_bundle=str(tmp_path / "nope.pem")).get_json("https://127.0.0.1:1/x")
    assert "does not exist" in str(err.value) and "nope.pem" in str(err.value)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(UserFacingError) as err:
        make_client(ca_bundle=str(junk)).get_json("https://127.0.0.1:1/x")
    assert "does not hold a PEM certificate" in str(err.value)


# -- secrets ------------------------------------------------------------------------------------------
def test_no_planted_secret_in_any_message_or_log_line(make_client, caplog):
    registered = "REGISTERED" + uuid.uuid4().hex
    client = make_client(retries=1)
    client.add_secret(registered)
    secrets = (CANARY, BEARER, registered)
    auth = {"Authorization": f"Bearer {BEARER}"}
    raised: list[BaseException] = []

    def handle(h, n):
        if "/redirect" in h.path:
            reply(h, 302, "", {"Location": f"/t/{registered}/final?access_token={CANARY}"})
        elif "/final" in h.path:
            reply(h, 500, f"token {CANARY}")
        else:
            reply(h, 200, "<html>" + registered)

    # Root at DEBUG: httpx's and httpcore's own records (which quote URLs and headers) are captured too.
    with caplog.at_level(logging.DEBUG), LoopbackServer(handle) as srv:
        for call in (
            lambda: client.get_json(srv.url(f"/redirect?access_token={CANARY}"), headers=auth),
            lambda: client.get_json(srv.url(f"/t/{registered}/x"), params={"access_token": CANARY}, headers=auth),
            lambda: client.post_json(srv.url("/final"), json={"password": CANARY}, headers=auth),
            lambda: client.get_json(f"http://127.0.0.1:{_free_port()}/x?access_token={CANARY}&key={CANARY}"),
        ):
            with pytest.raises(UserFacingError) as err:
                call()
            raised.append(err.value)
    assert {"recbrowser.http", "httpx", "httpcore.http11"} <= {r.name for r in caplog.records}
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "access_token=***" in logged
    for exc in raised:
        assert_clean(exc)
        assert registered not in str(exc)
    for secret in secrets:
        assert secret not in logged
        assert secret not in repr(client)


def test_redacting_filter_masks_registered_secrets_in_handlers(tmp_path):
    secret = "FILTERCANARY" + uuid.uuid4().hex
    register_secret(secret)
    logger = logging.getLogger("recbrowser.test_redact")
    path = tmp_path / "log.txt"
    handler = logging.FileHandler(path)
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("token %s in %s", secret, "https://pbx/x?signature=abc&page=2")
        try:
            raise ValueError(f"boom {secret}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = path.read_text()
    assert secret not in text and "signature=***&page=2" in text and "ValueError: boom ***" in text
    assert redact_text(f"Authorization: Bearer {secret[:10]}") == "Authorization: Bearer ***"
    assert redact_text("GET https://admin:pa55@pbx:8088/x?page=1") == "GET https://***@pbx:8088/x?page=1"
    assert redact_text("TOKEN EXPIRED; see the basic setup, monkey=1") == "TOKEN EXPIRED; see the basic setup, monkey=1"


# -- rate limit ----------------------------------------------------------------------------------------
class FakeClock:
    """The buckets' clock, advanced only by the clients' (fake) sleep: waits become exact."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_per_host_rate_limit_is_a_shared_token_bucket(monkeypatch, sleeps):
    clock = FakeClock()
    monkeypatch.setattr(http_module, "_clock", clock)
    monkeypatch.setattr(http_module, "_BUCKETS", {})  # fake-clock buckets must not outlive the test

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.sleep(seconds)

    def client() -> HttpClient:
        return HttpClient(provider="Yeastar", account="hq", per_host_rate=4.0, sleep=sleep)

    with LoopbackServer(lambda h, n: ok_json(h)) as srv, LoopbackServer(lambda h, n: ok_json(h)) as other:
        a, b = client(), client()
        for i in range(10):  # two accounts on one PBX share its bucket
            (a if i % 2 else b).get_json(srv.url(f"/x{i}"))
        assert sleeps == [0.25] * 6  # a burst of 4 (one second's worth), then one 1/4 s slot each
        client().get_json(other.url("/y"))  # another port has its own, full bucket
        assert len(sleeps) == 6
        a.close(), b.close()


def test_token_bucket_hands_out_each_slot_once_across_threads(monkeypatch):
    monkeypatch.setattr(http_module, "_clock", FakeClock())  # time stands still: no refill
    monkeypatch.setattr(http_module, "_BUCKETS", {})
    bucket = http_module._bucket(f"bucket-test-{uuid.uuid4().hex}:1", 10.0)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            w = bucket.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w * 10) for w in waits) == [0] * 10 + list(range(1, 31))


def test_bad_redirect_target_and_undecodable_body_are_protocol_errors(make_client, sleeps):
    def handle(h, n):
        if h.path == "/ftp":
            reply(h, 302, "", {"Location": f"ftp://127.0.0.1/x?access_token={CANARY}"})
        else:
            reply(h, 200, b"this is not gzip", {"Content-Encoding": "gzip", "Content-Type": "application/json"})

    with LoopbackServer(handle) as srv:
        for path, words in (("/ftp", "not an http(s) URL"), ("/gzip", "could not be decoded")):
            with pytest.raises(ProtocolError) as err:
                make_client().get_json(srv.url(path))
            assert words in str(err.value)
            one_sentence(str(err.value))
            assert_clean(err.value)
    assert sleeps == []


def test_a_host_can_be_exempted_from_the_rate_limit(monkeypatch, make_client, sleeps):
    monkeypatch.setattr(http_module, "_HOST_RATES", {})
    with LoopbackServer(lambda h, n: ok_json(h)) as srv:
        http_module.set_host_rate(f"127.0.0.1:{srv.port}", None)  # what a local emulator would do
        client = make_client(per_host_rate=1.0)
        for _ in range(5):
            client.get_json(srv.url("/x"))
    assert sleeps == []
