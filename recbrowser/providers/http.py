"""The one HTTP policy every provider uses: timeouts, retries, rate limit, redirects, TLS, redaction.

Sync httpx, called from worker threads. Retry policy:

* 429 (honouring Retry-After), 500/502/503/504 and transport failures (timeouts, dropped or
  refused connections) are retried with exponential backoff and jitter; TLS failures and DNS
  failures are not (retrying cannot fix them).
* POST is not idempotent (a Yeastar `get_token` spends one of only 8 tokens), so a POST is only
  retried when the server surely did not act on it: 429 and 503 (the server refused the work)
  and failures to connect (nothing was sent). A read timeout or a dropped answer after the body
  was sent is reported, never replayed.

Redirects are followed here, not by httpx, so that auth headers are only sent to the origin of
the URL the caller gave, and the URL is kept byte for byte (file names with `[` and `]`). A
redirect from https to http is refused (it would put tokens and audio on the wire in clear), a
request body never follows a redirect to another origin (a 307/308 would re-send a password or
client secret there), and a credential exchange (a token or sign-in request) is never
redirected at all. No cookie is ever stored or sent: no provider needs one, and a jar would
carry one server's cookie to another port of the same host.
"""

from __future__ import annotations

import email.utils
import http.cookiejar
import logging
import os
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

import httpx

from recbrowser import errors
from recbrowser.providers import http_fastpath, plain_http, tls
from recbrowser.redact import protect_library_loggers, redact_text, register_secret

log = logging.getLogger("recbrowser.http")
protect_library_loggers()

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
POST_RETRY_STATUSES = frozenset({429, 503})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token", "api-key"})


_clock = time.monotonic  # the buckets' clock; tests swap in one that only their fake sleep advances


class _TokenBucket:
    """`rate` requests per second with a burst of one second's worth; thread-safe.

    A caller reserves a slot (the count may go negative) and sleeps outside the lock, so
    concurrent workers queue fairly instead of all waking at once.
    """

    def __init__(self, rate: float):
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = _clock()
        self.lock = threading.Lock()

    def reserve(self) -> float:
        with self.lock:
            now = _clock()
            self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= 1
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


def default_rate() -> float | None:
    """10 requests/s per host, gentle on a small on-prem PBX. RECBROWSER_MAX_RPS overrides it
    (0 lifts the limit: the test suite does so for its loopback emulators)."""
    value = os.environ.get("RECBROWSER_MAX_RPS", "").strip()
    try:
        rate = float(value) if value else 10.0
    except ValueError:
        rate = 10.0
    return rate if rate > 0 else None


_BUCKETS: dict[str, _TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()
_HOST_RATES: dict[str, float | None] = {}


def set_host_rate(host_port: str, rate: float | None) -> None:
    """Override every client's limit for one "host:port" (None: unlimited), e.g. a local emulator."""
    with _BUCKETS_LOCK:
        _HOST_RATES[host_port] = rate
        _BUCKETS.pop(host_port, None)


def _bucket(host_port: str, rate: float) -> _TokenBucket:
    with _BUCKETS_LOCK:
        b = _BUCKETS.get(host_port)
        if b is None:
            b = _BUCKETS[host_port] = _TokenBucket(rate)
        elif rate < b.rate:  # two accounts on one PBX: the stricter limit wins
            with b.lock:
                b.rate, b.capacity = rate, max(1.0, rate)
        return b


def _host_port(url: httpx.URL) -> str:
    default = {"http": 80, "https": 443}.get(url.scheme)
    port = url.port or default
    return f"{url.host}:{port}" if url.port and url.port != default else url.host


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme))


def _with_params(url: str, params: Any) -> str:
    # httpx replaces the URL's own query when given params; we append, keeping both as given.
    if not params:
        return url
    url = url.split("#", 1)[0]
    query = str(httpx.QueryParams(params))
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _tls_problem(exc: BaseException) -> str | None:
    for e in _causes(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            return e.verify_message or "certificate verify failed"
        if isinstance(e, ssl.SSLError):
            return e.reason or "TLS handshake failed"
    text = str(exc)
    return "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in text else None


def _is_dns_failure(exc: BaseException) -> bool:
    return any(isinstance(e, socket.gaierror) for e in _causes(exc)) or "Name or service not known" in str(exc)


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class HttpClient:
    """An httpx client bound to one provider account, with the app's network policy."""

    def __init__(
        self, *, provider: str, account: str, user_agent: str = "recbrowser/0.1", ca_bundle: str | None = None,
        connect_timeout: float = 10.0, read_timeout: float = 30.0, retries: int = 4, backoff: float = 0.5,
        max_backoff: float = 30.0, max_retry_after: float = 120.0,
        per_host_rate: float | None = None,  # requests/s per host:port shared by every client; None: default_rate(), 0: no limit
        sleep: Callable[[float], Any] = time.sleep,  # injectable: tests record waits instead of sleeping
    ):
        self.provider = provider
        self.account = account
        self.user_agent = user_agent
        self.ca_bundle = ca_bundle or None
        self.timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.per_host_rate = per_host_rate if per_host_rate is not None else default_rate()
        self.sleep = sleep
        self.auth_headers = set(AUTH_HEADERS)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._random = random.Random()

    def __repr__(self) -> str:
        return redact_text(f"<HttpClient {self.provider} account {self.account!r}>")

    # -- secrets --------------------------------------------------------------------------
    def add_secret(self, value: str) -> None:
        register_secret(value)  # process-wide, so log handlers with RedactingFilter mask it too

    def add_auth_header(self, name: str) -> None:
        """Treat header `name` like Authorization: never sent to another origin, value masked."""
        self.auth_headers.add(name.lower())

    def redact(self, text: str) -> str:
        return redact_text(text)

    # -- the client -------------------------------------------------------------------------
    def _http(self) -> httpx.Client:
        # Built on first use: a bad CA bundle fails the first request, not the account listing.
        with self._lock:
            if self._client is None:
                http_fastpath.widen_reads()  # 256 KB per recv() instead of httpcore's 64 KB
                no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
                self._client = httpx.Client(timeout=self.timeout, verify=self._ssl_context(), follow_redirects=False,
                                            headers={"User-Agent": self.user_agent}, cookies=no_cookies)
            return self._client

    def _ssl_context(self) -> ssl.SSLContext:
        problem = None
        try:
            return tls.trust(self.ca_bundle)  # the bundle on top of the system's certificates
        except FileNotFoundError:
            problem = "does not exist"
        except PermissionError:
            problem = "cannot be read (permission denied)"
        except (ssl.SSLError, OSError, ValueError):
            problem = "does not hold a PEM certificate"
        raise errors.UserFacingError(
            self._say(f"the CA bundle file {self.ca_bundle} {problem}; choose the PBX's certificate file (PEM) in the account settings")
        )

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- public API -------------------------------------------------------------------------
    def request(
        self, method: str, url: str, *, params: Any = None, json: Any = None, data: Any = None,
        headers: dict[str, str] | None = None, expect_json: bool = False, follow_redirects: bool = True,
        credentials: bool = False,
    ) -> httpx.Response:
        """Send with retries; return a 2xx/3xx answer, raise a errors.ProviderError for anything else.

        `credentials`: this request exchanges a secret for a token (sign-in, get_token, refresh);
        a redirect answer to it is refused with one sentence instead of being followed.
        """
        hdrs = dict(headers or {})
        if expect_json:
            hdrs.setdefault("Accept", "application/json")
        follow: bool | str = "refuse" if credentials else follow_redirects
        resp = self._with_retries(method, url, params, json, data, hdrs, follow, stream=False)
        self._raise_for_status(method, resp)
        return resp

    def get_json(self, url: str, *, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._parse(self.request("GET", url, params=params, headers=headers, expect_json=True))

    def post_json(self, url: str, *, json: Any = None, params: Any = None, headers: dict[str, str] | None = None,
                  credentials: bool = False) -> Any:
        return self._parse(self.request("POST", url, json=json, params=params, headers=headers, expect_json=True,
                                        credentials=credentials))

    @contextmanager
    def stream(
        self, method: str, url: str, *, params: Any = None, headers: dict[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        """Open a streamed answer for media. Retried only until the headers arrive.

        Every status except retried ones (429/5xx) is handed to the caller, who decides what a
        404, 410 or 416 (Range not satisfiable) means for a download.
        """
        resp = self._with_retries(method, url, params, None, None, dict(headers or {}), True, stream=True)
        try:
            yield resp
        finally:
            resp.close()

    # -- internals --------------------------------------------------------------------------
    def _say(self, sentence: str) -> str:
        return redact_text(f"{self.provider} account '{self.account}': {sentence}.")

    def _with_retries(self, method, url, params, json, data, headers, follow, *, stream: bool) -> httpx.Response:
        method = method.upper()
        full = _with_params(url, params)
        self._register_auth_values(headers)
        target = self._url(full)
        where = _host_port(target)
        retry_statuses = RETRY_STATUSES if method in IDEMPOTENT else POST_RETRY_STATUSES
        failure: tuple[str, Any] | None = None
        tries = 0
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self._delay(attempt, failure[1] if failure else None))
            failure = None
            tries += 1
            try:
                resp = self._exchange(method, full, json, data, headers, follow, stream)
            except httpx.DecodingError as e:  # e.g. a broken gzip body: a retry would get the same
                failure = ("decode", e)
                break
            except httpx.TransportError as e:
                tls = _tls_problem(e)
                if tls is not None:
                    failure = ("tls", e)
                    break
                if _is_dns_failure(e):
                    failure = ("dns", e)
                    break
                failure = ("transport", e)
                sent = not isinstance(e, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                if method not in IDEMPOTENT and sent:
                    break
                continue
            if resp.status_code in retry_statuses:
                failure = ("status", resp)
                resp.close()
                continue
            return resp
        raise self._give_up(method, target, where, failure, tries)  # outside `except`: no httpx cause chained

    def _url(self, url: str) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError):
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise errors.ProviderError(self._say(f"the address {url} is not a valid http(s) URL; check the base URL"))
        self._refuse_in_clear(parsed)
        return parsed

    def _refuse_in_clear(self, url: httpx.URL) -> None:
        # Also at request time: an account stored before the rule, or edited since, is refused here.
        if plain_http.in_clear(str(url)):
            raise errors.ProtocolError(self._say(plain_http.refusal(str(url))))

    def _register_auth_values(self, headers: dict[str, str] | None) -> None:
        for name, value in (headers or {}).items():
            if name.lower() in self.auth_headers and value:
                register_secret(value)
                register_secret(value.split(" ", 1)[-1])

    def _delay(self, attempt: int, last: BaseException | httpx.Response | None) -> float:
        if isinstance(last, httpx.Response) and last.status_code in (429, 503):
            wait = _retry_after(last.headers.get("retry-after"), time.time())
            if wait is not None:
                return min(wait, self.max_retry_after)
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return base * (0.5 + self._random.random() / 2)  # jitter: workers retrying together drift apart

    def _throttle(self, url: httpx.URL) -> None:
        key = f"{url.host}:{_origin(url)[2]}"
        rate = _HOST_RATES.get(key, self.per_host_rate)
        if not rate:
            return
        wait = _bucket(key, rate).reserve()
        if wait > 0:
            self.sleep(wait)

    def _exchange(self, method, url, json, data, headers, follow, stream) -> httpx.Response:
        """One attempt, following redirects by hand (`follow`: True, False or "refuse")."""
        client = self._http()
        origin = _origin(httpx.URL(url))
        body: dict[str, Any] = {"json": json, "data": data}
        for hop in range(MAX_REDIRECTS + 1):
            target = httpx.URL(url)
            hdrs = dict(headers)
            if _origin(target) != origin:  # another host, port or scheme: no credentials
                hdrs = {k: v for k, v in hdrs.items() if k.lower() not in self.auth_headers}
            request = client.build_request(method, target, headers=hdrs, **body)
            self._throttle(target)
            started = time.monotonic()
            try:
                resp = client.send(request, stream=stream)
            except httpx.TransportError as e:
                log.debug("%s %s failed after %.0f ms: %s", method, self.redact(str(target)),
                          (time.monotonic() - started) * 1000, self.redact(f"{type(e).__name__}: {e}"))
                raise
            log.debug("%s %s -> %s in %.0f ms", method, self.redact(str(target)), resp.status_code,
                      (time.monotonic() - started) * 1000)
            location = resp.headers.get("location")
            if not follow or resp.status_code not in REDIRECTS or not location:
                return resp
            resp.close()
            if follow == "refuse":
                raise errors.ProtocolError(self._say(
                    f"{_host_port(target)} redirected the sign-in request ({resp.status_code}); recbrowser never sends "
                    "credentials to a redirected address, so check the base URL (https and the exact host name)"))
            if hop == MAX_REDIRECTS:
                break
            try:
                url = str(target.join(location)) if "://" not in location else str(httpx.URL(location))
            except (httpx.InvalidURL, ValueError):
                url = ""
            if not url.startswith(("http://", "https://")):
                raise errors.ProtocolError(self._say(f"{_host_port(target)} redirected to an address that is not an http(s) URL"))
            if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                method, body = "GET", {"json": None, "data": None}
            following = httpx.URL(url)
            if target.scheme == "https" and following.scheme == "http":
                raise errors.ProtocolError(self._say(
                    f"{_host_port(target)} redirected to the unencrypted address http://{_host_port(following)}; "
                    "recbrowser never leaves https, so check the base URL"))
            self._refuse_in_clear(following)
            if _origin(following) != origin and (body["json"] is not None or body["data"] is not None):
                raise errors.ProtocolError(self._say(
                    f"{_host_port(target)} redirected {method} {target.path} to another server "
                    f"({_host_port(following)}); recbrowser does not send the request's data there, so check the base URL"))
        raise errors.ProtocolError(self._say(f"{_host_port(httpx.URL(url))} redirected more than {MAX_REDIRECTS} times; check the base URL"))

    def _give_up(self, method: str, url: httpx.URL, where: str, failure, tries: int) -> errors.ProviderError:
        kind, what = failure if failure else ("transport", None)
        n = f"{tries} tries" if tries > 1 else "1 try"
        if kind == "status":
            status = what.status_code
            if status == 429:
                return errors.RateLimited(self._say(
                    f"the server at {where} kept answering 'too many requests' (429) after {n}; try again in a few minutes"))
            return errors.ServerError(self._say(
                f"the server at {where} kept failing with {status} {what.reason_phrase} after {n}; "
                "the provider has a problem, try again later"))
        if kind == "tls":
            problem = _tls_problem(what)
            if self.ca_bundle:
                return errors.TlsError(self._say(
                    f"the TLS certificate of {where} could not be verified with the system's trusted certificates or with "
                    f"the CA bundle {self.ca_bundle} ({problem}); "
                    "check that this file holds the certificate the PBX presents and that the base URL uses the name in it"))
            return errors.TlsError(self._say(
                f"the TLS certificate of {where} could not be verified with the system's trusted certificates ({problem}); "
                "for an on-prem PBX with a self-signed certificate, set the CA bundle file (ca_bundle) to that certificate"))
        if kind == "decode":
            return errors.ProtocolError(self._say(f"the server at {where} sent an answer that could not be decoded ({type(what).__name__})"))
        if kind == "dns":
            return errors.ConnectionFailed(self._say(
                f"could not find the host {url.host} (DNS lookup failed); check the base URL and the network"))
        if isinstance(what, httpx.TimeoutException) and not isinstance(what, httpx.ConnectTimeout | httpx.PoolTimeout):
            return errors.ConnectionFailed(self._say(
                f"the server at {where} did not answer {method} in time after {n}; it may be overloaded, try again later"))
        if isinstance(what, httpx.ConnectError | httpx.ConnectTimeout):
            reason = "connection refused" if "refused" in str(what).lower() else "no connection"
            return errors.ConnectionFailed(self._say(
                f"could not reach {where} ({reason}) after {n}; check the base URL and that the PBX or server is on"))
        return errors.ConnectionFailed(self._say(
            f"the connection to {where} dropped before an answer arrived after {n}; check the network and try again"))

    def _raise_for_status(self, method: str, resp: httpx.Response) -> None:
        status = resp.status_code
        if status < 400:
            return
        url = resp.request.url
        where, path = _host_port(url), url.path
        if status in (401, 403):
            what = "rejected the credentials" if status == 401 else "refused access"
            err: errors.ProviderError = errors.AuthError(self._say(
                f"{where} {what} ({status}) for {path}; check the account's secret and its permissions"))
        elif status == 404:
            err = errors.NotFound(self._say(f"{where} has no {path} (404)"))
        elif status >= 500:
            err = errors.ServerError(self._say(f"the server at {where} failed with {status} {resp.reason_phrase} for {method} {path}"))
        else:
            err = errors.ProviderError(self._say(f"{where} answered {status} {resp.reason_phrase} to {method} {path}"))
        err.status_code = status  # type: ignore[attr-defined]
        err.body = self.redact(resp.text[:2000])  # type: ignore[attr-defined]  # for provider-specific error codes
        raise err

    def _parse(self, resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            pass
        url = resp.request.url
        ctype = resp.headers.get("content-type", "no content type")
        raise errors.ProtocolError(self._say(
            f"{_host_port(url)}{url.path} answered something that is not JSON ({ctype}); check that the base URL points at the API"))
