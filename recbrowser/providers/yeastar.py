"""Yeastar P-Series OpenAPI connector (REFERENCE.md section 2).

The PBX allows at most 8 live access tokens per application, so tokens are cached per
(PBX, client id) for the whole process and refreshed, never fetched per request, and handed to
`keep_secret` so the next process (a CLI run from cron, a second window) reuses them from the
keyring. Every answer is HTTP 200 with an `errcode`: it is checked on every response, including
the step-2 download links (an access token can expire between step 1 and step 2).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import AuthError, LinkExpired, NotFound, ProtocolError, ProviderError
from recbrowser.providers.base import CallPage, MediaSource, SettingField, register
from recbrowser.providers.timeparse import DEFAULT_DISPLAY_FORMAT, format_display_time, zone
from recbrowser.providers.unreadable import UnreadableRecord, drain, part_of_call, read_each
from recbrowser.providers.yeastar_map import TimeContext, apply_ai_legs, cdr_to_call, recording_from_row

# HttpClient (and httpx, ~50 ms with what it pulls in) is imported when a provider is made,
# not when the window looks up a provider's title before its first paint.
if TYPE_CHECKING:
    from recbrowser.providers.http import HttpClient

DAY_MS = 86_400_000
PAGE_SIZE = 1000  # CDR pages (the PBX allows 10,000; smaller pages keep each transaction short)
SYNC_PAGE = 200  # calls per yielded page = per store transaction
TOKEN_EXPIRED = 10004
TOO_MANY_TOKENS = 60002  # MAX LIMITATION EXCEEDED: get_token while 8 access tokens are live
TOKEN_SECRET = "api_token"  # the keyring key holding the live token pair (JSON)
_AUTH_CODES = {10005, 70004, 70087}
_UNSUPPORTED = {10001, 10002, 10003}
_PARAM_CODES = {40001, 40002}
# Endpoints whose time parameters use the PBX display format.
_TIMED_ENDPOINTS = {"cdr/search", "cdr/aidownload"}


@dataclass
class _Token:
    access: str
    access_until: float
    refresh: str
    refresh_until: float

    def to_secret(self, key: tuple[str, str]) -> str:
        return json.dumps({"pbx": key[0], "client_id": key[1], "access": self.access, "access_until": self.access_until,
                           "refresh": self.refresh, "refresh_until": self.refresh_until})

    @classmethod
    def from_secret(cls, text: str, key: tuple[str, str]) -> _Token | None:
        """The pair kept in the keyring, if it belongs to this PBX and client and is still of use."""
        try:
            d = json.loads(text)
            if (d["pbx"], d["client_id"]) != key:
                return None
            tok = cls(str(d["access"]), float(d["access_until"]), str(d["refresh"]), float(d["refresh_until"]))
        except (ValueError, KeyError, TypeError):
            return None
        return tok if max(tok.access_until, tok.refresh_until) - 60 > time.time() else None


# One token per PBX and client for the whole process (the PBX caps an app at 8 live tokens).
_TOKENS: dict[tuple[str, str], _Token] = {}
_TOKENS_LOCK = threading.Lock()


class YeastarApiError(ProviderError):
    """A non-zero errcode; `code` lets callers react to specific ones."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def forget_tokens() -> None:
    with _TOKENS_LOCK:
        _TOKENS.clear()


@register
class YeastarProvider:
    name: ClassVar[str] = "yeastar"
    title: ClassVar[str] = "Yeastar P-Series"
    kept_secrets: ClassVar[tuple[str, ...]] = (TOKEN_SECRET,)  # written by keep_secret, not by the user
    settings_schema: ClassVar[tuple[SettingField, ...]] = (
        SettingField("base_url", "PBX address", help="e.g. https://192.168.5.150:8088 or https://yourpbx.ras.yeastar.com"),
        SettingField("client_id", "Client ID", help="PBX web portal: Integrations > API"),
        SettingField("client_secret", "Client Secret", secret=True, help="shown once when API access is enabled"),
        SettingField(
            "time_format",
            "Date and time display format",
            required=False,
            default=DEFAULT_DISPLAY_FORMAT,
            help="as set on the PBX under System > Date and Time > Display Format",
        ),
        SettingField("timezone", "PBX time zone", required=False, help="e.g. Europe/Berlin; default: this computer's"),
        SettingField("ca_bundle", "CA bundle file", required=False, help="for a PBX with a self-signed certificate"),
    )

    def __init__(self, account: Account, secrets: dict[str, str], http: HttpClient | None = None,
                 keep_secret: Callable[[str, str], None] | None = None):
        from recbrowser.providers.http import HttpClient  # see the note at the top

        self.account = account
        self._unreadable: list[str] = []  # records left out since the last page
        settings = account.settings
        try:
            self.base_url = settings["base_url"].rstrip("/")
            self.client_id = settings["client_id"]
            self._secret = secrets["client_secret"]
        except KeyError as e:
            raise ProviderError(f"Yeastar account '{account.name}' has no {e.args[0]} set; edit the account.") from None
        self.times = TimeContext(settings.get("time_format") or DEFAULT_DISPLAY_FORMAT, zone(settings.get("timezone")))
        self.http = http or HttpClient(
            provider=self.title, account=account.name, user_agent="recbrowser/0.1 OpenAPI", ca_bundle=settings.get("ca_bundle")
        )
        self.http.add_secret(self._secret)
        self.keep_secret = keep_secret
        self._use_v2 = True
        kept = _Token.from_secret(secrets.get(TOKEN_SECRET) or "", self._key())
        if kept is not None:  # tokens another process took: reused, not a new one of the 8
            for t in (kept.access, kept.refresh):
                if t:
                    self.http.add_secret(t)
            with _TOKENS_LOCK:  # this process's or newer (see VokiProvider): another may have refreshed it
                cached = _TOKENS.get(self._key())
                if cached is None or (cached.access, cached.refresh) != (kept.access, kept.refresh):
                    _TOKENS[self._key()] = kept

    # -- auth -------------------------------------------------------------------------------
    def _key(self) -> tuple[str, str]:
        return (self.base_url, self.client_id)

    def _token(self) -> str:
        with _TOKENS_LOCK:
            tok = _TOKENS.get(self._key())
            now = time.time()
            if tok and tok.access_until - 60 > now:
                return tok.access
            if tok and tok.refresh_until - 60 > now:
                try:
                    tok = self._auth("refresh_token", {"refresh_token": tok.refresh})
                except AuthError:
                    tok = self._auth("get_token", {"username": self.client_id, "password": self._secret})
            else:
                tok = self._auth("get_token", {"username": self.client_id, "password": self._secret})
            _TOKENS[self._key()] = tok
        if self.keep_secret is not None:
            self.keep_secret(TOKEN_SECRET, tok.to_secret(self._key()))
        return tok.access

    def _auth(self, endpoint: str, body: dict[str, str]) -> _Token:
        data = self.http.post_json(f"{self.base_url}/openapi/v1.0/{endpoint}", json=body, credentials=True)
        code = _errcode(data)
        if code == TOO_MANY_TOKENS:
            raise AuthError(
                f"Yeastar account '{self.account.name}': the PBX refused a new API token because this Client ID "
                "already has the most tokens it allows (8, MAX LIMITATION EXCEEDED); other programs or copies of "
                "recbrowser use them: close those, or wait up to 30 minutes for one to expire, then try again."
            )
        if code != 0:
            msg = str(data.get("errmsg", "")).strip() if isinstance(data, dict) else ""
            raise AuthError(
                f"Yeastar account '{self.account.name}': the PBX refused the Client ID or Client Secret "
                f"({msg or code}); check them under Integrations > API on the PBX."
            )
        try:
            now = time.time()
            tok = _Token(
                access=str(data["access_token"]),
                access_until=now + float(data.get("access_token_expire_time", 1800)),
                refresh=str(data.get("refresh_token", "")),
                refresh_until=now + float(data.get("refresh_token_expire_time", 0)),
            )
        except (KeyError, TypeError, ValueError):
            raise ProtocolError(f"Yeastar account '{self.account.name}': the PBX sent a token answer without a token.") from None
        self.http.add_secret(tok.access)
        if tok.refresh:
            self.http.add_secret(tok.refresh)
        return tok

    def _invalidate(self, access: str | None = None) -> None:
        """Drop the access token the PBX called expired (None: whichever is current)."""
        with _TOKENS_LOCK:
            tok = _TOKENS.get(self._key())
            if tok and (access is None or tok.access == access):
                tok.access_until = 0

    def _api(self, version: str, endpoint: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET an OpenAPI endpoint; re-authenticate once on TOKEN EXPIRED; raise on errcode."""
        for attempt in (1, 2):
            token = self._token()
            query = {**(params or {}), "access_token": token}
            data = self.http.get_json(f"{self.base_url}/openapi/{version}/{endpoint}", params=query)
            code = _errcode(data)
            if code == TOKEN_EXPIRED and attempt == 1:
                self._invalidate(token)
                continue
            if code != 0:
                raise self._error(endpoint, code, data)
            return data
        raise AuthError(f"Yeastar account '{self.account.name}': the PBX keeps rejecting fresh tokens; check the API settings.")

    def _error(self, endpoint: str, code: int, data: dict[str, Any]) -> ProviderError:
        msg = str(data.get("errmsg", "")).strip() or "no message"
        where = f"Yeastar account '{self.account.name}'"
        if code in _AUTH_CODES:
            return AuthError(f"{where}: the PBX denied access to {endpoint} ({msg}); check the API permissions and allowed IPs.")
        if code == 60001:
            return NotFound(f"{where}: the PBX has no such data for {endpoint} ({msg}).")
        if code in _UNSUPPORTED:
            msg += "; the PBX firmware may be too old for this API version"
        if code in _PARAM_CODES and endpoint in _TIMED_ENDPOINTS:
            return YeastarApiError(
                f"{where}: the PBX did not accept the times sent to {endpoint} ({msg}); set the account's time_format "
                f"to the PBX's System > Date and Time > Display Format (now {self.times.display_format!r}).",
                code,
            )
        return YeastarApiError(f"{where}: the PBX answered {endpoint} with error {code} ({msg}).", code)

    # -- Provider protocol ------------------------------------------------------------------
    def test_credentials(self) -> str:
        self._token()
        info = self._api("v1.0", "system/information")
        fmt = _find_display_format(info)
        note = ""
        if fmt and fmt != self.times.display_format:
            note = f" Note: the PBX reports the display format {fmt!r}, the account has {self.times.display_format!r}."
        host = urlsplit(self.base_url).netloc
        return f"Connected to the Yeastar PBX at {host} as API client {self.client_id}.{note}"

    def list_calls(self, since_ms: int, until_ms: int, cursor: str | None = None) -> Iterator[CallPage]:
        """Day windows; each window's CDRs (v2 and v1, de-duplicated by uid) merged with its
        recordings and AI transcripts, yielded in pages. The cursor is (window, calls done)."""
        state = json.loads(cursor) if cursor else {}
        # The PBX filters by whole seconds: windows on whole seconds so no call falls between two.
        since_ms, until_ms = since_ms // 1000 * 1000, -(-until_ms // 1000) * 1000
        window = int(state.get("window", since_ms))
        done = int(state.get("done", 0))
        while window < until_ms:
            end = min(window + DAY_MS, until_ms)
            calls = self._window_calls(window, end)
            day = format_display_time(window, "YYYY-MM-DD", self.times.tz)
            pages = max(1, -(-len(calls) // SYNC_PAGE))
            for i in range(done, len(calls), SYNC_PAGE):
                chunk = calls[i : i + SYNC_PAGE]
                nxt = i + len(chunk)
                cur = json.dumps({"window": window, "done": nxt}) if nxt < len(calls) else json.dumps({"window": end, "done": 0})
                yield CallPage(chunk, cur, f"{day}, page {i // SYNC_PAGE + 1} of {pages}", drain(self._unreadable))
            if not calls:
                yield CallPage([], json.dumps({"window": end, "done": 0}), f"{day}, no calls", drain(self._unreadable))
            window, done = end, 0

    def fetch_transcript(self, call: Call) -> Call:
        legs = self._ai_legs(call.start_ms - 60_000, call.start_ms + (call.duration_ms or 0) + 60_000)
        mine = legs.get(call.provider_id)
        if mine:
            apply_ai_legs(call, mine, self.times)
        return call

    def resolve_media(self, call: Call, recording: Recording) -> MediaSource:
        data = self._api("v1.0", "recording/download", {"id": recording.provider_id})
        path = data.get("download_resource_url")
        if not isinstance(path, str) or not path:
            raise ProtocolError(f"Yeastar account '{self.account.name}': the PBX gave no download link for {recording.file_name}.")
        fmt = recording.format or str(data.get("file", "")).rsplit(".", 1)[-1].lower()
        return MediaSource(
            url=self._download_url(path),
            file_name=str(data.get("file") or recording.file_name),
            format=fmt,
            size=recording.size,
            # The PBX serves only one mp3 download at a time.
            serial_key=f"yeastar:{self.base_url}" if fmt == "mp3" else None,
        )

    def media_error(self, body: bytes) -> ProviderError:
        """What a step-2 download that answered JSON instead of audio means: the 30-minute
        link lapsed or was refused (the docs give no error shape; an errcode body is assumed)."""
        try:
            data = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            data = None
        detail = data.get("errmsg", data.get("errcode")) if isinstance(data, dict) else "not audio"
        code = data.get("errcode") if isinstance(data, dict) else None
        if code == TOKEN_EXPIRED:
            # The token lapsed between step 1 and step 2: a fresh token and a fresh link (the
            # caller asks resolve_media once more); not a sign that the recording is gone.
            self._invalidate()
        elif code in _AUTH_CODES:
            return AuthError(f"Yeastar account '{self.account.name}': the PBX denied the download ({detail}); "
                             "check the API permissions and allowed IPs.")
        return LinkExpired(f"Yeastar account '{self.account.name}': the PBX refused the download link ({detail}).")

    def close(self) -> None:
        self.http.close()

    # -- helpers ----------------------------------------------------------------------------
    def _download_url(self, path: str) -> str:
        # Step 2 URL: base + download_resource_url + ?access_token=; kept exactly as given.
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path if path.startswith('/') else '/' + path}{sep}access_token={self._token()}"

    def _window_calls(self, start_ms: int, end_ms: int) -> list[Call]:
        rows: dict[str, dict[str, Any]] = {}
        for row in self._cdr_rows(start_ms, end_ms):
            uid = row.get("uid") if isinstance(row, dict) else None
            rows.setdefault(str(uid), row)  # v2 first: its row wins over v1's
        calls: list[Call] = []
        skipped: list[UnreadableRecord] = []
        for uid in sorted(rows):
            try:
                call = cdr_to_call(rows[uid], self.times)
            except UnreadableRecord as e:
                skipped.append(e)
                continue
            if start_ms <= call.start_ms < end_ms:
                calls.append(call)
        if not calls and skipped and all(_wrong_time_format(e) for e in skipped):
            raise ProtocolError(  # every row: the account's setting, not the rows, is wrong
                f"Yeastar account '{self.account.name}': {skipped[0].why}; set the account's time_format to the PBX's "
                "System > Date and Time > Display Format."
            )
        if calls:  # an empty day costs two requests, not five
            recordings = self._recordings(start_ms, end_ms)
            ai = self._ai_legs(start_ms, end_ms)
            calls = read_each(calls, lambda call: self._complete(call, recordings, ai), skipped)
        self._unreadable += [str(e) for e in skipped]
        return calls

    def _complete(self, call: Call, recordings: dict[str, list[dict[str, Any]]], ai: dict[str, list[dict[str, Any]]]) -> Call:
        try:
            call.recordings = [recording_from_row(r, self.times, call.start_ms) for r in recordings.get(call.provider_id, [])]
            call.has_audio = bool(call.recordings)
            if not call.has_audio:
                call.audio_reason = (
                    "the call was not answered" if call.status != "answered" else "the PBX kept no recording of this call"
                )
            if call.provider_id in ai:
                apply_ai_legs(call, ai[call.provider_id], self.times)
            else:
                call.segments = []
        except UnreadableRecord as e:
            raise part_of_call(e, call.provider_id) from None
        return call

    def _cdr_rows(self, start_ms: int, end_ms: int) -> Iterator[dict[str, Any]]:
        begin = format_display_time(start_ms, self.times.display_format, self.times.tz)
        # The PBX's end bound is inclusive at second precision.
        end = format_display_time(end_ms - 1000, self.times.display_format, self.times.tz)
        if self._use_v2:
            try:
                yield from self._paged("v2.0", "cdr/search", {"time_begin": begin, "time_end": end})
            except ProviderError as e:
                if not _is_unsupported(e):
                    raise
                self._use_v2 = False  # older firmware: v1 only
        # Records kept from before the firmware's CDR switch are only readable through v1.0.
        yield from self._paged("v1.0", "cdr/search", {"start_time": begin, "end_time": end})

    def _recordings(self, start_ms: int, end_ms: int) -> dict[str, list[dict[str, Any]]]:
        params = {"start_time": str(start_ms // 1000), "end_time": str((end_ms - 1) // 1000)}
        by_uid: dict[str, list[dict[str, Any]]] = {}
        for row in self._paged("v1.0", "recording/search", params):
            by_uid.setdefault(str(row.get("uid")), []).append(row)
        return by_uid

    def _ai_legs(self, start_ms: int, end_ms: int) -> dict[str, list[dict[str, Any]]]:
        if not self._use_v2:
            return {}
        params = {
            "start_time": format_display_time(start_ms, self.times.display_format, self.times.tz),
            "end_time": format_display_time(end_ms - 1000, self.times.display_format, self.times.tz),
        }
        try:
            data = self._api("v2.0", "cdr/aidownload", params)
        except NotFound:
            return {}
        except ProviderError as e:
            if _is_unsupported(e):
                return {}
            raise
        path = data.get("download_resource_url")
        if not path:
            return {}
        legs = self.http.get_json(self._download_url(str(path)))
        if isinstance(legs, dict) and legs.get("errcode") == TOKEN_EXPIRED:
            # The token lapsed between the two steps: a fresh token, a fresh link, once.
            self._invalidate()
            path = self._api("v2.0", "cdr/aidownload", params).get("download_resource_url")
            legs = self.http.get_json(self._download_url(str(path))) if path else []
        if isinstance(legs, dict) and "errcode" in legs:
            raise self._error("the AI transcript file", _errcode(legs), legs)
        if not isinstance(legs, list):
            raise ProtocolError(f"Yeastar account '{self.account.name}': the AI transcript file is not a list of call legs.")
        by_uid: dict[str, list[dict[str, Any]]] = {}
        for leg in legs:
            if isinstance(leg, dict) and leg.get("uid"):
                by_uid.setdefault(str(leg["uid"]), []).append(leg)
        return by_uid

    def _paged(self, version: str, endpoint: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            data = self._api(version, endpoint, {**params, "page": page, "page_size": PAGE_SIZE})
            rows = data.get("data") or []
            if not isinstance(rows, list):
                raise ProtocolError(f"Yeastar account '{self.account.name}': {endpoint} answered without a list of rows.")
            kind = "recording" if endpoint.startswith("recording") else "call"
            for r in rows:
                if isinstance(r, dict) and r.get("uid") not in (None, ""):
                    yield r
                else:  # nothing to key it by: left out, but counted, never silently
                    self._unreadable.append(f"{kind} without an id: it has no uid")
            total = data.get("total_number")
            if len(rows) < PAGE_SIZE or (isinstance(total, int) and page * PAGE_SIZE >= total):
                return
            page += 1


def _errcode(data: Any) -> int:
    if not isinstance(data, dict) or "errcode" not in data:
        raise ProtocolError("The Yeastar PBX answered without an errcode; is the base URL a Yeastar P-Series PBX?")
    try:
        return int(data["errcode"])
    except (TypeError, ValueError):
        raise ProtocolError("The Yeastar PBX answered with an unreadable errcode.") from None


def _is_unsupported(e: ProviderError) -> bool:
    return isinstance(e, YeastarApiError) and e.code in _UNSUPPORTED


def _find_display_format(info: dict[str, Any]) -> str | None:
    # Field name per a third-party client; the P-Series docs do not list it [REFERENCE 2.4].
    for key in ("date_display_format", "display_format", "date_format"):
        if isinstance(info.get(key), str):
            return info[key]
        data = info.get("data")
        if isinstance(data, dict) and isinstance(data.get(key), str):
            return data[key]
    return None


def _wrong_time_format(e: UnreadableRecord) -> bool:
    return isinstance(e.__cause__, ValueError) and "display format" in str(e.__cause__)
