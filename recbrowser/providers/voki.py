"""Voki (Avanter) video-call connector (REFERENCE.md section 3): calls, WebM recordings, Whisper text.

Auth is interactive: e-mail, password and tenant sign in to access + refresh tokens; with
two-factor on, a TOTP code finishes the sign-in. The auth endpoints allow 5 requests a minute,
so a sign-in is never retried: the refresh token is tried first, a rejected sign-in is
remembered and raised again without a request, and auth requests skip http.py's 429 retries.
Tokens are kept per process (like the other connectors); a new refresh token is also handed to
`keep_secret` so the caller can keep it in the keyring (providers never touch the keyring).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import AuthError, LinkExpired, NotFound, ProtocolError, ProviderError, RateLimited
from recbrowser.providers.base import CallPage, MediaSource, SettingField, register
from recbrowser.providers.unreadable import UnreadableRecord, part_of_call, read_each, record_id
from recbrowser.providers.voki_map import (
    apply_no_recording,
    apply_recording,
    call_from_item,
    error_detail,
    may_have_recording,
    summary_text,
    totp,
    unwrap,
)

# HttpClient (and httpx, ~50 ms with what it pulls in) is imported when a provider is made,
# not when the window looks up a provider's title before its first paint.
if TYPE_CHECKING:
    from recbrowser.providers.http import HttpClient

log = logging.getLogger("recbrowser.voki")

DEFAULT_BASE_URL = "https://voki.avanter.com.br"
PAGE_SIZE = 100  # the maximum is undocumented [?]; a server that caps it still pages consistently
WORKERS = 6  # one recording (+ summary) request per call: a few at once
SUMMARY_STATES = ("available",)  # INFERENCE: the AI summary is made from the transcript


class MfaRequired(AuthError):
    """Two-factor sign-in is on and no code could be computed: ask the user for the 6-digit code,
    then call `provider.verify_code(code)`. `needs_code` lets the UI and CLI recognise it."""

    needs_code = True

    def __init__(self, message: str, account: str):
        super().__init__(message)
        self.account = account


# (base URL, tenant, e-mail) -> [access, refresh]; shared by every provider of the process.
_TOKENS: dict[tuple[str, str, str], list[str]] = {}
_TOKENS_LOCK = threading.RLock()


def forget_tokens() -> None:
    with _TOKENS_LOCK:
        _TOKENS.clear()


def _origin(url: str) -> str:
    url = url.strip().rstrip("/")
    url = url if "://" in url else f"https://{url}"
    return url.removesuffix("/api")  # "…/api" as REFERENCE.md writes the base: the paths below carry it


@register
class VokiProvider:
    name: ClassVar[str] = "voki"
    title: ClassVar[str] = "Voki"
    kept_secrets: ClassVar[tuple[str, ...]] = ("refresh_token",)  # written by keep_secret, not by the user
    settings_schema: ClassVar[tuple[SettingField, ...]] = (
        SettingField("base_url", "Voki address", required=False, default=DEFAULT_BASE_URL),
        SettingField("tenant", "Tenant", help="your company's slug, as in the X-Tenant header, e.g. avanter"),
        SettingField("email", "E-mail", help="the Voki user; a supervisor or manager sees every department"),
        SettingField("password", "Password", secret=True),
        SettingField("totp_secret", "Two-factor secret (optional)", required=False, secret=True,
                     help="only if you choose to store it: then no code is asked at sign-in"),
    )

    def __init__(self, account: Account, secrets: dict[str, str], http: HttpClient | None = None,
                 keep_secret: Callable[[str, str], None] | None = None):
        from recbrowser.providers.http import HttpClient  # see the note at the top

        self.account = account
        s = account.settings
        self.base_url = _origin(s.get("base_url") or DEFAULT_BASE_URL)
        self.tenant = (s.get("tenant") or "").strip()
        self.email = (s.get("email") or "").strip()
        self._password = secrets.get("password") or ""
        self._totp_secret = (secrets.get("totp_secret") or "").strip()
        missing = [k for k, v in (("tenant", self.tenant), ("email", self.email), ("password", self._password)) if not v]
        if missing:
            raise ProviderError(f"Voki account '{account.name}' has no {missing[0]} set; edit the account.")
        self.http = http or HttpClient(provider=self.title, account=account.name)
        # Auth requests are never retried: five a minute, and a retried 429 only makes the lockout longer.
        self.auth_http = HttpClient(provider=self.title, account=account.name, retries=0, sleep=self.http.sleep,
                                    ca_bundle=self.http.ca_bundle)
        for secret in (self._password, self._totp_secret, secrets.get("refresh_token") or ""):
            if secret:
                self.http.add_secret(secret)
        self.keep_secret = keep_secret
        self._key = (self.base_url, self.tenant, self.email.lower())
        if secrets.get("refresh_token"):
            # The caller's refresh token (the keyring's, or the team archive's sealed one) is this
            # process's or newer: each rotation is kept there. Another process (a second window,
            # another `team serve` host) may have spent the one cached here since.
            with _TOKENS_LOCK:
                if (_TOKENS.get(self._key) or ["", ""])[1] != secrets["refresh_token"]:
                    _TOKENS[self._key] = ["", secrets["refresh_token"]]
        self._failed: AuthError | None = None  # a rejected sign-in: raised again, never re-sent
        self._mfa_token = ""
        self.auth_requests = 0  # sign-in, MFA and refresh requests made (for tests)

    def _say(self, sentence: str) -> str:
        return self.http.redact(f"Voki account '{self.account.name}': {sentence}.")

    # -- auth ---------------------------------------------------------------------------------
    def _auth_post(self, path: str, body: dict[str, str]) -> Any:
        self.auth_requests += 1
        try:
            resp = self.auth_http.request("POST", f"{self.base_url}{path}", json=body,
                                          headers={"X-Tenant": self.tenant}, expect_json=True, credentials=True)
            return resp.json()
        except RateLimited:
            raise RateLimited(self._say("Voki allows 5 sign-in requests a minute and that limit is reached; "
                                        "wait a minute, then sync again")) from None
        except ValueError:
            raise ProtocolError(self._say(f"the answer to {path} is not JSON; check the Voki address")) from None

    def _store(self, answer: Any) -> str:
        data = unwrap(answer)
        access = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(access, str) or not access:
            raise ProtocolError(self._say("Voki answered the sign-in without an access token"))
        refresh = str(data.get("refresh_token") or "")
        for t in (access, refresh):
            if t:
                self.http.add_secret(t)
        with _TOKENS_LOCK:
            _TOKENS[self._key] = [access, refresh]
        if refresh and self.keep_secret:
            self.keep_secret("refresh_token", refresh)  # the caller keeps it in the keyring
        return access

    def _explain_signin(self, e: ProviderError) -> AuthError | ProviderError:
        status, detail = getattr(e, "status_code", None), error_detail(getattr(e, "body", ""))
        more = f" ({status}: {detail})" if detail else f" ({status})"
        if status == 401:
            return AuthError(self._say(f"Voki rejected the sign-in{more}; check the e-mail {self.email}, the password "
                                       f"and the tenant '{self.tenant}' (nothing is retried: 5 sign-ins a minute)"))
        if status in (400, 403, 404) or "tenant" in detail.lower():
            return AuthError(self._say(f"Voki does not know the tenant '{self.tenant}'{more}; check the tenant slug "
                                       "your administrator gave you"))
        if status == 422:
            return AuthError(self._say(f"Voki refused the sign-in form{more}; fill in the e-mail, password and tenant"))
        return e

    def sign_in(self) -> str:
        """A fresh access token: refresh first, then e-mail + password (+ TOTP). Raises MfaRequired."""
        if self._failed is not None:
            raise self._failed
        with _TOKENS_LOCK:
            refresh = (_TOKENS.get(self._key) or ["", ""])[1]
            if refresh:
                try:
                    return self._store(self._auth_post("/api/auth/refresh", {"refresh_token": refresh}))
                except AuthError:
                    log.info("Voki account %s: the refresh token was refused; signing in again", self.account.name)
                except ProviderError as e:
                    if getattr(e, "status_code", None) not in (400, 422):
                        raise
                _TOKENS.pop(self._key, None)
            try:
                answer = self._auth_post("/api/auth/login", {"email": self.email, "password": self._password,
                                                             "tenant": self.tenant})
            except (AuthError, ProviderError) as e:
                if isinstance(e, RateLimited) or getattr(e, "status_code", None) is None:
                    raise
                self._failed = self._explain_signin(e)
                raise self._failed from None
            data = unwrap(answer)
            if isinstance(data, dict) and data.get("mfa_required"):
                self._mfa_token = str(data.get("mfa_token") or "")
                self.http.add_secret(self._mfa_token)
                if not self._totp_secret:
                    raise MfaRequired(self._say("two-factor sign-in is on for this user: enter the 6-digit code from "
                                                "the authenticator app (or store the account's totp_secret)"),
                                      self.account.name)
                try:
                    code = totp(self._totp_secret)
                except (ValueError, TypeError):
                    self._failed = AuthError(self._say("the stored totp_secret is not a base32 key; copy it again "
                                                       "from Voki's two-factor setup"))
                    raise self._failed from None
                return self.verify_code(code)
            return self._store(answer)

    def verify_code(self, code: str) -> str:
        """Finish a two-factor sign-in with the user's code. The code field name is undocumented
        [?]: `code` is sent (INFERENCE), next to the `mfa_token` the sign-in gave."""
        if not self._mfa_token:
            raise AuthError(self._say("there is no two-factor sign-in waiting for a code; sign in first"))
        try:
            answer = self._auth_post("/api/auth/mfa/verify", {"mfa_token": self._mfa_token, "code": code.strip()})
        except (AuthError, ProviderError) as e:
            if isinstance(e, RateLimited) or getattr(e, "status_code", None) not in (400, 401, 403, 422):
                raise
            self._mfa_token = ""
            how = "check the computer's clock and the stored totp_secret" if self._totp_secret else "sync or test the account again for a new code"
            self._failed = AuthError(self._say(f"Voki refused the two-factor code; {how}"))
            raise self._failed from None
        self._mfa_token = ""
        return self._store(answer)

    def ensure_signed_in(self) -> None:
        """Sign in unless a token is cached (then no request at all). Raises MfaRequired as
        sign_in does; the window calls it before a sync so the code dialog can come first."""
        self._access()

    def _access(self) -> str:
        with _TOKENS_LOCK:
            access = (_TOKENS.get(self._key) or [""])[0]
            return access or self.sign_in()

    def _renew(self, rejected: str) -> str:
        with _TOKENS_LOCK:
            access = (_TOKENS.get(self._key) or [""])[0]
            if access and access != rejected:
                return access  # another worker renewed it already
            if self._key in _TOKENS:
                _TOKENS[self._key][0] = ""
            return self.sign_in()

    def _headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "X-Tenant": self.tenant}

    # -- requests -----------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET an API path with auth; an expired token is renewed once (refresh first)."""
        token = self._access()
        for attempt in (1, 2):
            try:
                return self.http.get_json(f"{self.base_url}{path}", params=params, headers=self._headers(token))
            except AuthError as e:
                if getattr(e, "status_code", None) == 401 and attempt == 1:
                    token = self._renew(token)
                    continue
                raise
        raise AssertionError("unreachable")

    def _recording(self, call: Call) -> dict[str, Any] | str:
        """The recording's data, or the sentence why there is none (404/403)."""
        try:
            data = unwrap(self._get(f"/api/v1/calls/{quote(call.provider_id, safe='')}/recording"))
        except (NotFound, AuthError) as e:
            status, detail = getattr(e, "status_code", None), error_detail(getattr(e, "body", ""))
            if status == 404:
                return f"Voki has no recording of this call ({detail or 'call not found or has no recording'})"
            if status == 403:
                return ("your Voki role may not see this call's recording (403); ask a manager to give your user "
                        "access to recordings of this department")
            raise
        if not isinstance(data, dict):
            raise ProtocolError(self._say(f"the recording of call {call.provider_id} came back unreadable"))
        return data

    def _summary(self, call: Call) -> str:
        try:
            return summary_text(self._get(f"/api/v1/calls/{quote(call.provider_id, safe='')}/summary"))
        except NotFound:
            return ""  # no AI summary for this call
        except AuthError as e:
            if getattr(e, "status_code", None) == 403:
                return ""
            raise

    # -- Provider protocol ------------------------------------------------------------------------
    def test_credentials(self) -> str:
        data = self._get("/api/v1/calls", {"page": 1, "page_size": 1})
        meta = data.get("meta") if isinstance(data, dict) else None
        total = meta.get("total_count") if isinstance(meta, dict) else None
        count = f"{total:,} calls" if isinstance(total, int) else "calls"
        return f"Connected to Voki tenant '{self.tenant}' as {self.email}; {count} visible to this user."

    def list_calls(self, since_ms: int, until_ms: int, cursor: str | None = None) -> Iterator[CallPage]:
        """Pages of `GET /api/v1/calls`, oldest first (new calls then land on later pages, not
        shifting the ones we have read). The date filter is sent as whole days (the manual's
        example is a bare date) and the window is applied here, to the millisecond."""
        page = int(json.loads(cursor).get("page", 1)) if cursor else 1
        day = timedelta(days=1)
        params = {"page_size": PAGE_SIZE, "sort_by": "inserted_at", "sort_order": "asc",
                  "date_from": datetime.fromtimestamp(since_ms / 1000, UTC).date().isoformat(),
                  "date_to": (datetime.fromtimestamp(until_ms / 1000, UTC) + day).date().isoformat()}
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="voki-calls") as pool:
            while True:
                data = self._get("/api/v1/calls", {**params, "page": page})
                items = data.get("data") if isinstance(data, dict) else None
                if not isinstance(items, list):
                    raise ProtocolError(self._say("Voki answered the call list without a list of calls"))
                meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
                pages = meta.get("total_pages") if isinstance(meta.get("total_pages"), int) else None
                skipped = [UnreadableRecord("call", record_id(None), "it has no id")
                           for i in items if not isinstance(i, dict) or i.get("id") in (None, "")]
                listed = [i for i in items if isinstance(i, dict) and i.get("id") not in (None, "")]
                calls = read_each(listed, lambda i: call_from_item(i, since_ms), skipped)
                calls = [c for c in calls if since_ms <= c.start_ms < until_ms]
                unreadable = {e.record_id: e for e in pool.map(self._complete, calls) if e is not None}
                calls = [c for c in calls if record_id(c.provider_id) not in unreadable]
                last = not items or (pages is not None and page >= pages)
                yield CallPage(calls, json.dumps({"page": page + 1}), f"page {page} of {pages or '?'}",
                               [str(e) for e in [*skipped, *unreadable.values()]])
                if last:
                    return
                page += 1

    def _complete(self, call: Call) -> UnreadableRecord | None:
        """Fetch the call's recording and transcript; the call's problem if they cannot be read."""
        try:
            self.fetch_transcript(call)
        except UnreadableRecord as e:
            return part_of_call(e, call.provider_id)
        return None

    def fetch_transcript(self, call: Call) -> Call:
        if not may_have_recording(call):
            return call
        rec = self._recording(call)
        if isinstance(rec, str):
            return apply_no_recording(call, rec)
        apply_recording(call, rec)
        if call.transcript_status in SUMMARY_STATES:
            call.summary = self._summary(call)
        return call

    def resolve_media(self, call: Call, recording: Recording) -> MediaSource:
        # Asked again right before the download: a fresh token, and a 403/404 said in Voki's words.
        rec = self._recording(call)
        if isinstance(rec, str):
            cls = AuthError if "403" in rec else NotFound
            raise cls(self._say(f"call {call.provider_id} cannot be downloaded: {rec}"))
        rel = str(rec.get("download_url") or "")
        if not rel:
            raise NotFound(self._say(f"call {call.provider_id} has a recording without a download address"))
        import httpx  # see the note at the top

        url = str(httpx.URL(self.base_url).join(rel))
        # The token goes only to the Voki address itself (http.py also drops it on another origin).
        if httpx.URL(url).netloc != httpx.URL(self.base_url).netloc:
            raise ProviderError(self._say(f"the recording of call {call.provider_id} points at another host"))
        size = rec.get("file_size") if isinstance(rec.get("file_size"), int) else recording.size
        fmt = str(rec.get("format") or recording.format or "webm").lower()
        return MediaSource(url=url, headers={**self._headers(self._access()), "Accept": "video/webm, */*"},
                           file_name=recording.file_name or f"{recording.provider_id}.{fmt}", format=fmt, size=size)

    def media_error(self, body: bytes) -> ProviderError:
        """A download answered an error instead of the WebM: an expired token is renewed on the retry."""
        detail = error_detail(body.decode("utf-8", "replace"))
        if "unauthorized" in detail.lower() or "token" in detail.lower():
            with _TOKENS_LOCK:
                if self._key in _TOKENS:
                    _TOKENS[self._key][0] = ""  # the download is re-resolved once, with a renewed token
            return LinkExpired(self._say(f"the token was rejected for a download ({detail})"))
        return ProviderError(self._say(f"the download was refused ({detail or 'not a recording'})"))

    def close(self) -> None:
        self.http.close()
        self.auth_http.close()
