"""Bandwidth Programmable Voice connector: recordings and their transcriptions (REFERENCE.md section 4).

Auth is OAuth2 client credentials (one token per token URL and client for the whole process,
renewed a minute before it lapses) or, for legacy API users, HTTP Basic. Bandwidth lists
*recordings*, capped at 1,000 per answer with no paging, so time windows are narrowed until
each answer holds fewer than 1,000: then nothing can have been cut off.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import AuthError, LinkExpired, NotFound, ProtocolError, ProviderError
from recbrowser.providers.bandwidth_map import call_from_recordings, segments_from_transcription, transcript_state
from recbrowser.providers.base import CallPage, MediaSource, SettingField, register
from recbrowser.providers.timeparse import parse_iso
from recbrowser.providers.unreadable import UnreadableRecord, drain, part_of_call, read_each, record_id

# HttpClient (and httpx, ~50 ms with what it pulls in) is imported when a provider is made,
# not when the window looks up a provider's title before its first paint.
if TYPE_CHECKING:
    from recbrowser.providers.http import HttpClient

log = logging.getLogger("recbrowser.bandwidth")

DEFAULT_BASE_URL = "https://voice.bandwidth.com/api/v2"
DEFAULT_TOKEN_URL = "https://api.bandwidth.com/api/v1/oauth2/token"  # the spec's clientCredentials tokenUrl
DAY_MS = 86_400_000
LIST_CAP = 1000  # listAccountCallRecordings answers at most this many, with no way to page on
# A call's recordings may start hours apart: each window also reads this far back so a call is
# always written with all of its recordings (an upsert replaces a call's recording list).
LOOKBACK_MS = 4 * 3_600_000
SYNC_PAGE = 200  # calls per yielded page = per store transaction
TOKEN_MARGIN_S = 60  # renew a token this long before it lapses (as the official SDK does)
TRANSCRIPT_WORKERS = 4  # transcriptions are one request per recording: fetch a few at once


# One token per (token URL, client id) for the whole process.
_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


def forget_tokens() -> None:
    with _TOKENS_LOCK:
        _TOKENS.clear()


def iso_z(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@register
class BandwidthProvider:
    name: ClassVar[str] = "bandwidth"
    title: ClassVar[str] = "Bandwidth Voice"
    settings_schema: ClassVar[tuple[SettingField, ...]] = (
        SettingField("account_id", "Account ID", help="your Bandwidth account number, e.g. 9900000"),
        SettingField("base_url", "Voice API address", required=False, default=DEFAULT_BASE_URL),
        SettingField("token_url", "OAuth2 token URL", required=False, default=DEFAULT_TOKEN_URL),
        SettingField("client_id", "Client ID", required=False,
                     help="Bandwidth App > Account > API Credentials (OAuth2, recommended)"),
        SettingField("client_secret", "Client Secret", required=False, secret=True, help="shown only once when created"),
        SettingField("username", "API user name (legacy)", required=False,
                     help="HTTP Basic API users stop working on 2 December 2026; use a Client ID instead"),
        SettingField("password", "API user password (legacy)", required=False, secret=True),
    )

    def __init__(self, account: Account, secrets: dict[str, str], http: HttpClient | None = None):
        from recbrowser.providers.http import HttpClient  # see the note at the top

        self.account = account
        self._unreadable: list[str] = []  # records left out since the last page
        s = account.settings
        who = f"Bandwidth account '{account.name}'"
        self.account_id = (s.get("account_id") or "").strip()
        if not self.account_id:
            raise ProviderError(f"{who} has no account_id set; edit the account.")
        self.base_url = (s.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self.token_url = s.get("token_url") or DEFAULT_TOKEN_URL
        self.client_id = (s.get("client_id") or "").strip()
        self.username = (s.get("username") or "").strip()
        self.oauth = bool(self.client_id) or not self.username
        user, key = (self.client_id, "client_secret") if self.oauth else (self.username, "password")
        self._secret = secrets.get(key) or ""
        if not user or not self._secret:
            raise ProviderError(f"{who} needs a client_id and client_secret (or, legacy, a username and password).")
        self.http = http or HttpClient(provider=self.title, account=account.name)
        self.http.add_secret(self._secret)
        self._basic = "Basic " + base64.b64encode(f"{user}:{self._secret}".encode()).decode()
        self.http.add_secret(self._basic.split(" ", 1)[1])
        self._span = DAY_MS + LOOKBACK_MS  # list window length, narrowed when an answer hits the cap
        self.list_requests = 0  # how many listAccountCallRecordings requests were made (for tests)

    # -- auth ---------------------------------------------------------------------------------
    def _key(self) -> tuple[str, str]:
        return (self.token_url, self.client_id)

    def _auth_header(self) -> str:
        if not self.oauth:
            return self._basic
        with _TOKENS_LOCK:
            tok = _TOKENS.get(self._key())
            if tok and tok[1] - TOKEN_MARGIN_S > time.time():
                return f"Bearer {tok[0]}"
            tok = _TOKENS[self._key()] = self._fetch_token()
            return f"Bearer {tok[0]}"

    def _fetch_token(self) -> tuple[str, float]:
        host = urlsplit(self.token_url).netloc
        try:
            resp = self.http.request("POST", self.token_url, data={"grant_type": "client_credentials"},
                                     headers={"Authorization": self._basic}, expect_json=True, credentials=True)
            data = resp.json()
        except (AuthError, ProviderError) as e:
            if getattr(e, "status_code", None) in (400, 401, 403):
                raise AuthError(f"Bandwidth account '{self.account.name}': the token service at {host} rejected the "
                                "client ID and secret; check them in the Bandwidth App under Account > API Credentials "
                                "(a secret is shown only once, and may have expired).") from None
            raise
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ProtocolError(f"Bandwidth account '{self.account.name}': the token service at {host} answered "
                                "without an access_token; check the token URL.")
        try:
            lifetime = float(data.get("expires_in", 0)) or 300.0  # INFERENCE: no expires_in, assume 5 minutes
        except (TypeError, ValueError):
            lifetime = 300.0
        self.http.add_secret(data["access_token"])
        return data["access_token"], time.time() + lifetime

    def _forget_token(self) -> None:
        with _TOKENS_LOCK:
            _TOKENS.pop(self._key(), None)

    # -- requests -----------------------------------------------------------------------------
    def _url(self, *parts: str) -> str:
        return "/".join([self.base_url, "accounts", quote(self.account_id, safe=""), *(quote(p, safe="") for p in parts)])

    def _call(self, method: str, url: str, what: str, *, params: Any = None, json_body: Any = None) -> Any:
        """Send with auth; a Bearer token the API rejects is renewed once. Returns parsed JSON or None."""
        for attempt in (1, 2):
            try:
                resp = self.http.request(method, url, params=params, json=json_body,
                                         headers={"Authorization": self._auth_header()}, expect_json=True)
            except ProviderError as e:
                if getattr(e, "status_code", None) == 401 and self.oauth and attempt == 1:
                    self._forget_token()  # expired or revoked early: one fresh token, then give up
                    continue
                raise self._explain(e, what) from None
            if resp.status_code == 204 or not resp.content:
                return None
            try:
                return resp.json()
            except ValueError:
                raise ProtocolError(f"Bandwidth account '{self.account.name}': the answer for {what} is not JSON; "
                                    "check that the base URL points at the Voice API (…/api/v2).") from None
        raise AssertionError("unreachable")

    def _explain(self, e: ProviderError, what: str) -> ProviderError:
        status = getattr(e, "status_code", None)
        who = f"Bandwidth account '{self.account.name}'"
        detail = _description(getattr(e, "body", ""))
        if status == 401:
            creds = "client ID and secret" if self.oauth else "API user name and password"
            return AuthError(f"{who}: Bandwidth rejected the credentials (401{detail}); check the {creds} in the "
                             "Bandwidth App under Account > API Credentials.")
        if status == 403:
            return AuthError(f"{who}: the credentials may not read Voice account {self.account_id} (403{detail}); "
                             "give the API credential the Voice role and this account in the Bandwidth App.")
        if status == 404:
            return NotFound(f"{who}: Bandwidth has no {what} (404{detail}); it was deleted, is older than the "
                            f"30 days Bandwidth keeps recordings, or the account ID {self.account_id} is wrong.")
        if status in (400, 405, 409, 415) and detail:
            # Bandwidth's own words say what it refused and why (voiceApiError.description).
            return ProviderError(f"{who}: Bandwidth refused the request for {what} ({status}{detail}).")
        return e

    # -- recordings -----------------------------------------------------------------------------
    def list_recordings(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Every recording that started in [start_ms, end_ms): windows are halved while an answer is full."""
        out: list[dict[str, Any]] = []
        t, span = start_ms, self._span
        while t < end_ms:
            e = min(t + span, end_ms)
            rows = self._list_once(t, e)
            if len(rows) >= LIST_CAP and e - t > 1:
                span = max(1, (e - t) // 2)  # full: some may be missing, ask again for half the time
                continue
            if len(rows) >= LIST_CAP:
                log.warning("Bandwidth account %s: %d recordings started in one millisecond", self.account.name, len(rows))
            out += rows
            t = e
            if len(rows) < LIST_CAP // 4:
                span = min(span * 2, DAY_MS + LOOKBACK_MS)
        self._span = span  # the next window starts at a size that worked
        return out

    def _list_once(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        self.list_requests += 1
        params = {"minStartTime": iso_z(start_ms), "maxStartTime": iso_z(end_ms)}
        rows = self._call("GET", self._url("recordings"), "recordings list", params=params)
        if not isinstance(rows, list):
            raise ProtocolError(f"Bandwidth account '{self.account.name}': the recordings list is not a JSON list.")
        return [r for r in rows if isinstance(r, dict) and r.get("recordingId") and r.get("callId")]

    def get_recording(self, call_id: str, recording_id: str) -> dict[str, Any]:
        data = self._call("GET", self._url("calls", call_id, "recordings", recording_id), f"recording {recording_id}")
        if not isinstance(data, dict):
            raise ProtocolError(f"Bandwidth account '{self.account.name}': recording {recording_id} came back unreadable.")
        return data

    def get_transcription(self, call_id: str, recording_id: str) -> Any:
        url = self._url("calls", call_id, "recordings", recording_id, "transcription")
        return self._call("GET", url, f"transcription of recording {recording_id}")

    def request_transcription(self, call_id: str, recording_id: str, body: dict[str, Any] | None = None) -> None:
        url = self._url("calls", call_id, "recordings", recording_id, "transcription")
        self._call("POST", url, f"recording {recording_id}", json_body=body or {})

    def delete(self, call_id: str, recording_id: str, what: str) -> None:
        """`what`: "recording", "media" or "transcription". Irreversible at Bandwidth."""
        tail = {"recording": (), "media": ("media",), "transcription": ("transcription",)}[what]
        self._call("DELETE", self._url("calls", call_id, "recordings", recording_id, *tail), f"{what} of recording {recording_id}")

    # -- Provider protocol -------------------------------------------------------------------------
    def test_credentials(self) -> str:
        now = int(time.time() * 1000)
        n = len(self._list_once(now - DAY_MS, now))
        how = f"OAuth2 client {self.client_id}" if self.oauth else (
            f"the legacy API user {self.username} (HTTP Basic ends on 2 December 2026: switch to an OAuth2 client)")
        more = "1,000 or more" if n >= LIST_CAP else f"{n:,}"
        return f"Connected to Bandwidth Voice account {self.account_id} with {how}; {more} recordings in the last 24 hours."

    def list_calls(self, since_ms: int, until_ms: int, cursor: str | None = None) -> Iterator[CallPage]:
        state = json.loads(cursor) if cursor else {}
        window, done = int(state.get("window", since_ms)), int(state.get("done", 0))
        with ThreadPoolExecutor(TRANSCRIPT_WORKERS, thread_name_prefix="bandwidth-transcripts") as pool:
            while window < until_ms:
                end = min(window + DAY_MS, until_ms)
                calls = self._window_calls(window, end, pool)
                day = iso_z(window)[:10]
                pages = max(1, -(-len(calls) // SYNC_PAGE))
                for i in range(done, len(calls), SYNC_PAGE):
                    chunk = calls[i : i + SYNC_PAGE]
                    nxt = i + len(chunk)
                    cur = {"window": window, "done": nxt} if nxt < len(calls) else {"window": end, "done": 0}
                    yield CallPage(chunk, json.dumps(cur), f"{day}, page {i // SYNC_PAGE + 1} of {pages}", drain(self._unreadable))
                if not calls:
                    yield CallPage([], json.dumps({"window": end, "done": 0}), f"{day}, no calls", drain(self._unreadable))
                window, done = end, 0

    def fetch_transcript(self, call: Call) -> Call:
        metas = [self.get_recording(call.provider_id, r.provider_id) for r in call.recordings]
        if not metas:
            return call
        fresh = call_from_recordings(call.provider_id, metas, int(time.time() * 1000), call.start_ms)
        self._fill_transcript(fresh)
        call.recordings, call.segments, call.transcript_status = fresh.recordings, fresh.segments, fresh.transcript_status
        return call

    def resolve_media(self, call: Call, recording: Recording) -> MediaSource:
        meta = self.get_recording(call.provider_id, recording.provider_id)
        if not meta.get("mediaUrl"):
            status = meta.get("status") or "unknown"
            raise NotFound(f"Bandwidth account '{self.account.name}': recording {recording.provider_id} of call "
                           f"{call.provider_id} has no media to download (status {status}).")
        fmt = str(meta.get("fileFormat") or recording.format or "wav").lower()
        # Built from our base URL, never taken from the payload: the credentials go only where we chose.
        return MediaSource(url=self._url("calls", call.provider_id, "recordings", recording.provider_id, "media"),
                           headers={"Authorization": self._auth_header(),
                                    "Accept": "audio/vnd.wave, audio/mpeg, application/json"},
                           file_name=f"{recording.provider_id}.{fmt}", format=fmt)

    def media_error(self, body: bytes) -> ProviderError:
        """A media request answered JSON instead of audio: a voiceApiError."""
        try:
            data = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            data = None
        kind = str(data.get("type") or "") if isinstance(data, dict) else ""
        detail = str(data.get("description") or kind) if isinstance(data, dict) else "not audio"
        if "authentication" in kind and self.oauth:
            self._forget_token()  # the download is re-resolved once, with a fresh token
            return LinkExpired(f"Bandwidth account '{self.account.name}': the token was rejected for a download ({detail}).")
        return ProviderError(f"Bandwidth account '{self.account.name}': the download was refused ({detail}).")

    def close(self) -> None:
        self.http.close()

    # -- helpers ----------------------------------------------------------------------------------
    def _window_calls(self, start_ms: int, end_ms: int, pool: ThreadPoolExecutor) -> list[Call]:
        by_call: dict[str, list[dict[str, Any]]] = {}
        seen: set[str] = set()
        skipped: list[UnreadableRecord] = []
        for meta in self.list_recordings(start_ms - LOOKBACK_MS, end_ms):
            if not isinstance(meta, dict) or meta.get("recordingId") in (None, "") or meta.get("callId") in (None, ""):
                rid = meta.get("recordingId") if isinstance(meta, dict) else None
                skipped.append(UnreadableRecord("recording", record_id(rid), "it names no recordingId or callId"))
                continue
            rid = str(meta["recordingId"])
            if rid not in seen:  # windows overlap by LOOKBACK_MS
                seen.add(rid)
                by_call.setdefault(str(meta["callId"]), []).append(meta)
        now = int(time.time() * 1000)
        mine = []
        for call_id, metas in by_call.items():
            starts = [_start(m) for m in metas]
            # A call belongs to each window holding one of its recordings; lookback rows only add recordings.
            if any(s is None or start_ms <= s < end_ms for s in starts):
                mine.append((call_id, metas))
        calls: list[Call] = read_each(mine, lambda c: call_from_recordings(c[0], c[1], now, start_ms), skipped)
        unreadable: dict[str, UnreadableRecord] = {}

        def fill(call: Call) -> None:
            try:
                self._fill_transcript(call)
            except UnreadableRecord as e:
                unreadable[call.provider_id] = part_of_call(e, call.provider_id)

        list(pool.map(fill, [c for c in calls if c.transcript_status == "available"]))
        calls = [c for c in calls if c.provider_id not in unreadable]
        calls.sort(key=lambda c: (c.start_ms, c.provider_id))
        self._unreadable += [str(e) for e in [*skipped, *unreadable.values()]]
        return calls

    def _fill_transcript(self, call: Call) -> None:
        """Segments of every recording whose transcription is available; None keeps the cached text."""
        segments = []
        multi = len(call.recordings) > 1
        for rec in call.recordings:
            if transcript_state(rec.raw) != "available":
                continue
            try:
                data = self.get_transcription(call.provider_id, rec.provider_id)
            except NotFound:
                continue  # deleted between the listing and now
            segments += segments_from_transcription(data, call, rec, leg=rec.provider_id if multi else "")
        call.segments = segments or None
        if not segments and call.transcript_status == "available":
            call.transcript_status = "none"


def _start(meta: dict[str, Any]) -> int | None:
    try:
        return parse_iso(str(meta["startTime"]))
    except (KeyError, ValueError):
        return None


def _description(body: str) -> str:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return ""
    text = str(data.get("description") or "").strip() if isinstance(data, dict) else ""
    return f": {text}" if text else ""
