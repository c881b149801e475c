"""Redirects never carry secrets away: no https -> http, no body or cookie to another origin,
and no sign-in or token request of any provider is redirected at all. Real loopback HTTP(S)."""

from __future__ import annotations

import json
import uuid

import pytest
from support.certs import make_self_signed
from support.loopback import LoopbackServer, ok_json, reply

from recbrowser.domain import Account
from recbrowser.errors import ProtocolError
from recbrowser.providers import bandwidth, voki, yeastar
from recbrowser.providers.http import HttpClient

SECRET = "SECRETCANARY" + uuid.uuid4().hex  # built at run time: no traceback quotes it


@pytest.fixture(autouse=True)
def no_cached_tokens():
    for module in (yeastar, voki, bandwidth):
        module.forget_tokens()
    yield
    for module in (yeastar, voki, bandwidth):
        module.forget_tokens()


def client(**kw) -> HttpClient:
    return HttpClient(provider="Yeastar", account="hq", per_host_rate=0, sleep=lambda s: None, **kw)


def one_sentence(msg: str) -> None:
    assert msg.endswith(".") and "\n" not in msg and ". " not in msg.rstrip(".")


def leaked(server: LoopbackServer) -> bool:
    return any(SECRET.encode() in s.body or SECRET in json.dumps(s.headers) or SECRET in s.path for s in server.seen)


@pytest.mark.parametrize("status", [307, 308])
def test_a_body_never_follows_a_redirect_to_another_origin(status):
    other = LoopbackServer(lambda h, n: ok_json(h))
    srv = LoopbackServer(lambda h, n: reply(h, status, "", {"Location": other.url("/elsewhere")}))
    with other, srv:
        c = client()
        with pytest.raises(ProtocolError) as err:
            c.post_json(srv.url("/api/things"), json={"client_secret": SECRET})
        c.close()
    assert other.seen == [] and len(srv.seen) == 1  # the second server never got the request
    msg = str(err.value)
    one_sentence(msg)
    assert "another server" in msg and SECRET not in msg


def test_a_body_follows_a_redirect_within_the_same_origin():
    def handle(h, n):
        if h.path == "/old":
            reply(h, 308, "", {"Location": "/new"})
        else:
            ok_json(h)

    with LoopbackServer(handle) as srv:
        c = client()
        assert c.post_json(srv.url("/old"), json={"a": 1}) == {"ok": True}
        c.close()
    assert [(s.method, s.path, s.body) for s in srv.seen] == [("POST", "/old", b'{"a":1}'), ("POST", "/new", b'{"a":1}')]


def test_https_is_never_redirected_to_http(tmp_path):
    ctx, cert = make_self_signed(tmp_path)
    plain = LoopbackServer(lambda h, n: ok_json(h))
    srv = LoopbackServer(lambda h, n: reply(h, 302, "", {"Location": plain.url("/media/a.wav")}), tls=ctx)
    with plain, srv:
        c = client(ca_bundle=cert)
        with pytest.raises(ProtocolError) as err:
            c.get_json(srv.url("/media/a.wav"), headers={"X-Trace": "1"})
        with pytest.raises(ProtocolError), c.stream("GET", srv.url("/media/b.wav")):
            pass
        c.close()
    assert plain.seen == []
    msg = str(err.value)
    one_sentence(msg)
    assert "unencrypted" in msg and "http://127.0.0.1" in msg


def test_a_cookie_set_by_one_server_never_reaches_another():
    with LoopbackServer(lambda h, n: ok_json(h)) as other:
        def handle(h, n):
            reply(h, 302, "", {"Location": other.url("/landing"), "Set-Cookie": f"session={SECRET}; Path=/"})

        with LoopbackServer(handle) as srv:
            c = client()
            c.get_json(srv.url("/start"))
            c.get_json(srv.url("/again"))
            c.close()
    assert len(other.seen) == 2 and not leaked(other) and not leaked(srv)


# -- every credential exchange of the providers: refused, never redirected -------------------------
def _redirecting_pair(status: int):
    other = LoopbackServer(lambda h, n: ok_json(h, {"access_token": "x", "errcode": 0}))
    srv = LoopbackServer(lambda h, n: reply(h, status, "", {"Location": other.url(h.path)}))
    return other, srv


def _yeastar(base: str):
    p = yeastar.YeastarProvider(Account(name="hq", provider="yeastar", settings={"base_url": base, "client_id": "id"}),
                                {"client_secret": SECRET})
    return p, p.test_credentials


def _voki(base: str):
    account = Account(name="vk", provider="voki", settings={"base_url": base, "tenant": "acme", "email": "a@b.example"})
    p = voki.VokiProvider(account, {"password": SECRET})
    return p, p.sign_in


def _voki_refresh(base: str):
    account = Account(name="vk", provider="voki", settings={"base_url": base, "tenant": "acme", "email": "a@b.example"})
    p = voki.VokiProvider(account, {"password": "pw", "refresh_token": SECRET})
    return p, p.sign_in


def _bandwidth(base: str):
    settings = {"account_id": "9", "base_url": base, "token_url": f"{base}/api/v1/oauth2/token", "client_id": "id"}
    p = bandwidth.BandwidthProvider(Account(name="bw", provider="bandwidth", settings=settings), {"client_secret": SECRET})
    return p, p.test_credentials


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("make", [_yeastar, _voki, _voki_refresh, _bandwidth], ids=["yeastar", "voki", "voki-refresh", "bandwidth"])
def test_sign_in_requests_are_never_redirected(make, status):
    other, srv = _redirecting_pair(status)
    with other, srv:
        provider, sign_in = make(srv.url("").rstrip("/"))
        try:
            with pytest.raises(ProtocolError) as err:
                sign_in()
        finally:
            provider.close()
    assert other.seen == [] and len(srv.seen) == 1
    msg = str(err.value)
    one_sentence(msg)
    assert "redirected the sign-in request" in msg and "check the base URL" in msg and SECRET not in msg
