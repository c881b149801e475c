"""Wildix connector (REFERENCE.md section 1): WDA cloud history + transcriptions, PBX recordings.

Two credentials, each sent only to its own host: the Company API Key (`wsk-v1-...`) to WDA,
the PBX Simple Token to the PBX for recording downloads (a 302 to cloud storage is followed
without it: http.py drops Authorization on another origin). The seed's PbxTokenProvider
(pbxSerial + pbxKey) is not public, so it is not offered; the API key replaces it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import AuthError, ConnectionFailed, NotFound, ProtocolError, ProviderError, TlsError
from recbrowser.providers.base import CallPage, MediaSource, SettingField, register
from recbrowser.providers.unreadable import UnreadableRecord, drain, part_of_call, read_each, record_id
from recbrowser.providers.wildix_map import (
    TRANSCRIPT_FETCH,
    TRANSCRIPT_PROCESSING,
    chunks_to_segments,
    flow_index,
    leg_id,
    merge_copies,
    overall_sentiment,
    recording_from_attachment,
    recordings_of,
    records_to_call,
)

# HttpClient (and httpx, ~50 ms with what it pulls in) is imported when a provider is made,
# not when the window looks up a provider's title before its first paint.
if TYPE_CHECKING:
    from recbrowser.providers.http import HttpClient

DAY_MS = 86_400_000
PAGE_SIZE = 200  # rows per QueryConversations page (no documented cap; S-W5 suggests 100-500)
SYNC_PAGE = 200  # calls per yielded page = per store transaction
MISSES_BEFORE_NO_RETRY = 3
QUERY_RETRIES = 2  # a history query whose connection dropped is sent again this many times
DEFAULT_WDA = "https://wda.wildix.com"
KEY_PREFIX = "wsk-v1-"
KEYS_WHERE = "WMS > PBX > Integrations > Company API Keys"
TOKENS_WHERE = "WMS > PBX > Integrations > Applications > Simple Token"
API_KEY_HELP = (
    "Company API Key (wsk-v1-...), sent to WDA for call history and transcripts; create it under "
    f"{KEYS_WHERE} (root admin, WMS 7.04.20250929.2 or newer). The Wildix guide's pbxSerial/pbxKey "
    "cloud token (PbxTokenProvider) is not publicly documented, so it cannot be used here; the key replaces it."
)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _with_scheme(url: str) -> str:
    # "yourcompany.wildixin.com" as typed in the form means HTTPS, as every Wildix host serves.
    url = url.strip().rstrip("/")
    return url if "://" in url else f"https://{url}"


def _origin(url: str) -> tuple[str, str, int | None]:
    import httpx  # see the note at the top

    u = httpx.URL(url)
    return (u.scheme, u.host, u.port or {"http": 80, "https": 443}.get(u.scheme))


@register
class WildixProvider:
    name: ClassVar[str] = "wildix"
    title: ClassVar[str] = "Wildix"
    settings_schema: ClassVar[tuple[SettingField, ...]] = (
        SettingField("pbx_url", "PBX address", help="e.g. https://yourcompany.wildixin.com; recordings are downloaded from here"),
        SettingField("wda_url", "WDA (cloud history) address", required=False, default=DEFAULT_WDA,
                     help="Wildix Data Analytics; keep the default unless Wildix gave you another"),
        SettingField("ca_bundle", "CA bundle file", required=False, help="for a PBX with a self-signed certificate (PBX only)"),
        SettingField("simple_token", "PBX Simple Token", secret=True,
                     help=f"{TOKENS_WHERE}, acting for 'admin' to reach every recording; used only for recording downloads"),
        SettingField("api_key", "Company API Key", secret=True, help=API_KEY_HELP),
    )

    # The guide retries a missing transcription 3 times (async-retry: 1 s, 2 s, 4 s) [C-seed].
    transcript_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0)

    def __init__(self, account: Account, secrets: dict[str, str], http: HttpClient | None = None,
                 wda_http: HttpClient | None = None):
        from recbrowser.providers.http import HttpClient  # see the note at the top

        self.account = account
        self._unreadable: list[str] = []  # records left out since the last page
        settings = account.settings
        try:
            self.pbx_url = _with_scheme(settings["pbx_url"])
            self._token = secrets["simple_token"]
            self._key = secrets["api_key"]
        except KeyError as e:
            raise ProviderError(f"Wildix account '{account.name}' has no {e.args[0]} set; edit the account.") from None
        self.wda_url = _with_scheme(settings.get("wda_url") or DEFAULT_WDA)
        self._missed = 0  # transcriptions still missing after their retries, in this provider's life
        # Two clients: the CA bundle is for an on-prem PBX and would make the cloud's certificate untrusted.
        self.http = http or HttpClient(provider=self.title, account=account.name, ca_bundle=settings.get("ca_bundle"))
        self.wda = wda_http or HttpClient(provider=self.title, account=account.name)
        for client in (self.http, self.wda):
            client.add_secret(self._token)
            client.add_secret(self._key)
        if self._token == self._key:
            raise AuthError(self._say("the Simple Token and the Company API Key are the same value; the PBX needs the "
                                      f"Simple Token ({TOKENS_WHERE}) and WDA the API key ({KEYS_WHERE})"))

    def _say(self, sentence: str) -> str:
        return self.http.redact(f"Wildix account '{self.account.name}': {sentence}.")

    # -- WDA --------------------------------------------------------------------------------
    def _wda_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"}

    def _wda(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.wda_url}{path}"
        for attempt in range(QUERY_RETRIES + 1):
            try:
                if method == "POST":
                    return self.wda.post_json(url, json=body, headers=self._wda_headers())
                return self.wda.get_json(url, headers=self._wda_headers())
            except AuthError as e:
                raise AuthError(self._key_problem(getattr(e, "status_code", 401))) from None
            except ConnectionFailed as e:
                # http.py never replays a POST whose answer was lost; QueryConversations only
                # reads, so doing it again is safe.
                if method != "POST" or isinstance(e, TlsError) or attempt == QUERY_RETRIES:
                    raise
                self.wda.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def _key_problem(self, status: int) -> str:
        if not self._key.startswith(KEY_PREFIX):
            return self._say(f"WDA rejected the API key ({status}); it is not a Company API Key (those start with "
                             f"{KEY_PREFIX}): a PBX Simple Token does not work for call history and transcripts, "
                             f"create a key under {KEYS_WHERE}")
        if status == 403:
            return self._say(f"WDA refused the Company API Key access to call history (403); give the key the "
                             f"history scope under {KEYS_WHERE}")
        return self._say(f"WDA rejected the Company API Key (401); it may have expired or been revoked, create a new "
                         f"one under {KEYS_WHERE}")

    def _token_problem(self, status: int) -> str:
        if self._token.startswith(KEY_PREFIX):
            return self._say(f"the PBX rejected the Simple Token ({status}); the field holds a Company API Key "
                             f"({KEY_PREFIX}...), which this PBX does not accept for recordings, create a Simple Token "
                             f"under {TOKENS_WHERE}")
        if status == 403:
            return self._say("the PBX refused the Simple Token access to recordings (403); make the token act for "
                             f"'admin' under {TOKENS_WHERE}")
        return self._say(f"the PBX rejected the Simple Token ({status}); it may have been deleted, create a new one "
                         f"under {TOKENS_WHERE}")

    def _conversations(self, start_ms: int, end_ms: int, limit: int = 0) -> Iterator[dict[str, Any]]:
        """Flows (CallRecords) of the window, page by page; `limit` > 0: that one page only."""
        # `to` is sent inclusive at ms precision [I]; rows are re-checked against the window anyway.
        flt = {"from": _iso(start_ms), "to": _iso(end_ms - 1)}
        offset = 0
        while True:
            body = {"limit": limit or PAGE_SIZE, "offset": offset, "filter": flt}
            data = self._wda("POST", "/v2/history/conversations", body)
            rows = data.get("conversations") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise ProtocolError(self._say("WDA answered the call history without a list of conversations"))
            for item in rows:
                call = item.get("call") if isinstance(item, dict) else None  # conferences are not calls
                if isinstance(call, dict) and call.get("id"):
                    yield call
            if limit or len(rows) < PAGE_SIZE:  # no total and no cursor: a short page is the last [T S-W6]
                return
            offset += len(rows)

    # -- Provider protocol ------------------------------------------------------------------
    def test_credentials(self) -> str:
        import httpx

        # One page of the last week: enough to prove the key and to find a recording for the token.
        now = int(datetime.now(UTC).timestamp() * 1000)
        flows = list(self._conversations(now - 7 * DAY_MS, now, limit=50))
        host = httpx.URL(self.pbx_url).host
        recorded = next((f for f in flows if recordings_of(f)), None)
        if recorded is None:
            return (f"Connected to Wildix WDA with the Company API Key; the Simple Token for {host} was not checked: "
                    "no recording among the last week's latest calls.")
        self._probe(recording_from_attachment(recordings_of(recorded)[0], str(recorded["id"]), flow_index(recorded)))
        return f"Connected to Wildix WDA with the Company API Key and to the PBX {host} with the Simple Token."

    def _probe(self, rec: Recording) -> None:
        src = self.resolve_media(Call(provider_id="", start_ms=0), rec)
        with self.http.stream("GET", src.url, headers={**src.headers, "Range": "bytes=0-0"}) as resp:
            if resp.status_code in (401, 403):
                raise AuthError(self._token_problem(resp.status_code))
            if resp.status_code >= 400:
                raise ProviderError(self._say(f"the PBX answered {resp.status_code} for the recording {rec.file_name}"))

    def list_calls(self, since_ms: int, until_ms: int, cursor: str | None = None) -> Iterator[CallPage]:
        """Day windows; each window's flows de-duplicated by (id, flowIndex), grouped into calls,
        transcripts fetched, yielded in pages. The cursor is (window, calls done)."""
        state = json.loads(cursor) if cursor else {}
        window, done = int(state.get("window", since_ms)), int(state.get("done", 0))
        while window < until_ms:
            end = min(window + DAY_MS, until_ms)
            calls = self._window_calls(window, end)
            day = datetime.fromtimestamp(window / 1000, UTC).strftime("%Y-%m-%d")
            pages = max(1, -(-len(calls) // SYNC_PAGE))
            for i in range(done, len(calls), SYNC_PAGE):
                nxt = min(i + SYNC_PAGE, len(calls))
                chunk = self._with_transcript(calls[i:nxt])
                cur = {"window": window, "done": nxt} if nxt < len(calls) else {"window": end, "done": 0}
                yield CallPage(chunk, json.dumps(cur), f"{day}, page {i // SYNC_PAGE + 1} of {pages}", drain(self._unreadable))
            if not calls:
                yield CallPage([], json.dumps({"window": end, "done": 0}), f"{day}, no calls", drain(self._unreadable))
            window, done = end, 0

    def _window_calls(self, start_ms: int, end_ms: int) -> list[Call]:
        flows: dict[str, dict[int, dict[str, Any]]] = {}
        skipped: list[UnreadableRecord] = []
        for rec in self._conversations(start_ms, end_ms):
            if not isinstance(rec, dict) or rec.get("id") in (None, ""):
                skipped.append(UnreadableRecord("call", record_id(None), "a call record has no id"))
                continue
            # The same flow is listed once per side that saw it [T S-W5]: one flow per (id, flowIndex).
            by_index = flows.setdefault(str(rec["id"]), {})
            idx = flow_index(rec)
            by_index[idx] = merge_copies(by_index[idx], rec) if idx in by_index else rec
        calls = read_each(list(flows.items()), lambda f: records_to_call(f[0], list(f[1].values()), unit="s"), skipped)
        # Transcripts are fetched page by page, so a cancel stops soon.
        calls = [c for c in calls if start_ms <= c.start_ms < end_ms]
        calls.sort(key=lambda c: (c.start_ms, c.provider_id))
        self._unreadable += [str(e) for e in skipped]
        return calls

    def _with_transcript(self, calls: list[Call]) -> list[Call]:
        """The calls with their transcripts; a call whose transcript cannot be read is left out."""
        skipped: list[UnreadableRecord] = []
        done = read_each(calls, self._transcript_of, skipped)
        self._unreadable += [str(e) for e in skipped]
        return done

    def _transcript_of(self, call: Call) -> Call:
        try:
            return self._fetch_transcript(call)
        except UnreadableRecord as e:
            raise part_of_call(e, call.provider_id) from None

    def fetch_transcript(self, call: Call) -> Call:
        """A cached call's transcript, asked again by a later sync: flows that were still
        processing when the call was stored are read again first (GetCall), since only the
        record says when WDA has finished them."""
        flows = call.raw.get("flows", [])
        for i, f in enumerate(flows):
            if isinstance(f, dict) and str(f.get("transcriptionStatus") or "").upper() == TRANSCRIPT_PROCESSING:
                path = f"/v2/history/calls/{quote(call.provider_id, safe='')}/flows/{flow_index(f)}"
                try:
                    fresh = self._wda("GET", path)
                except NotFound:
                    continue
                rec = fresh.get("call") if isinstance(fresh, dict) else None
                if isinstance(rec, dict) and rec.get("transcriptionStatus"):
                    flows[i] = {**f, "transcriptionStatus": rec["transcriptionStatus"]}
        return self._fetch_transcript(call)

    def _fetch_transcript(self, call: Call) -> Call:
        """One GET per flow that WDA reports as transcribed; a flow still processing, or not
        found after the retries, leaves the call 'pending' (the next sync asks again)."""
        flows = [f for f in call.raw.get("flows", []) if isinstance(f, dict)]
        words = {str(f.get("transcriptionStatus") or "").upper() for f in flows}
        if not words & {TRANSCRIPT_FETCH, TRANSCRIPT_PROCESSING}:
            call.transcript_status, call.segments = "none", []
            return call
        segments, pending = [], TRANSCRIPT_PROCESSING in words
        all_chunks: list[Any] = []
        interaction: dict[str, Any] = {}
        summaries: list[str] = []
        for f in flows:
            if str(f.get("transcriptionStatus") or "").upper() != TRANSCRIPT_FETCH:
                continue
            idx = flow_index(f)
            data = self._transcription(call.provider_id, idx)
            if data is None:
                pending = True
                continue
            chunks, metrics = data
            rec = next((r for r in call.recordings if r.leg == leg_id(call.provider_id, idx)), None)
            segments += chunks_to_segments(chunks, f, rec, leg_id(call.provider_id, idx))
            all_chunks += chunks
            if metrics:
                interaction[f"leg {idx + 1}" if len(flows) > 1 else "call"] = metrics
            if summary := self._summary(call.provider_id, idx):
                summaries.append(summary)
        call.sentiment, counts = overall_sentiment(all_chunks)
        if counts:
            call.details["sentences_by_sentiment"] = counts
        if interaction:
            call.details["interaction"] = interaction if len(interaction) > 1 else next(iter(interaction.values()))
        if pending and not segments:
            call.transcript_status, call.segments = "pending", None  # keep whatever the cache has
        else:
            call.transcript_status = "available" if segments else "none"
            call.segments = segments
            call.summary = "\n\n".join(summaries)
        return call

    def _transcription(self, call_id: str, idx: int) -> tuple[list[Any], dict[str, Any]] | None:
        """(chunks, interaction metrics) of one flow, or None while WDA has none yet."""
        data = self._retried(f"/v2/history/calls/{quote(call_id, safe='')}/flows/{idx}/transcription")
        if data is None:
            return None
        tr = data.get("transcription") if isinstance(data, dict) else None
        chunks = tr.get("chunks") if isinstance(tr, dict) else None
        if not isinstance(chunks, list):
            raise ProtocolError(self._say(f"WDA sent a transcription of call {call_id} without chunks"))
        metrics = data.get("interaction")
        keep = {k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)} \
            if isinstance(metrics, dict) else {}
        return chunks, keep

    def _summary(self, call_id: str, idx: int) -> str:
        """The flow's WDA AI summary ("" when there is none). The route and its shape are an
        INFERENCE (docs/providers.md): the seed only says WDA gives transcriptions and AI summaries."""
        data = self._retried(f"/v2/history/calls/{quote(call_id, safe='')}/flows/{idx}/summary")
        body = data.get("summary") if isinstance(data, dict) else None
        text = body.get("text") if isinstance(body, dict) else body
        return str(text).strip() if isinstance(text, str) else ""

    def _retried(self, path: str) -> Any:
        """GET a WDA resource the pipeline makes after the call, retried as the guide says for
        transcriptions; None when it is still missing after the retries."""
        # Once a few never came despite the retries, the pipeline is behind as a whole: ask
        # the rest once each instead of sleeping 7 s per call (they stay pending).
        delays = self.transcript_retry_delays if self._missed < MISSES_BEFORE_NO_RETRY else ()
        for attempt in range(len(delays) + 1):
            if attempt:
                self.wda.sleep(delays[attempt - 1])
            try:
                return self._wda("GET", path)
            except NotFound:  # CallNotFound / CallTranscriptionNotFound: the pipeline lags [C-seed]
                continue
        self._missed += 1
        return None

    def resolve_media(self, call: Call, recording: Recording) -> MediaSource:
        url = recording.raw.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ProtocolError(self._say(f"the recording {recording.file_name} has no download address"))
        # The Simple Token goes to the PBX only: a recording URL naming another host gets no token.
        if _origin(url) != _origin(self.pbx_url):
            import httpx

            raise ProviderError(self._say(
                f"the recording {recording.file_name} is on {httpx.URL(url).host}, not on the PBX address "
                f"{httpx.URL(self.pbx_url).host}; set pbx_url to the address the recordings use"))
        return MediaSource(url=url, headers={"Authorization": f"Bearer {self._token}"},
                           file_name=recording.file_name, format=recording.format or "wav")

    def media_error(self, body: bytes) -> ProviderError:
        """A download that answered an error or text instead of audio. The PBX's error body is
        not documented; `{"type":"error","reason":...}` like the WMS API is assumed [I]."""
        try:
            data = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            data = None
        reason = str(data.get("reason") or data.get("message") or "") if isinstance(data, dict) else ""
        code = data.get("code") if isinstance(data, dict) else None
        if code in (401, 403) or any(w in reason.lower() for w in ("auth", "token")):
            return AuthError(self._token_problem(code if code in (401, 403) else 401))
        return ProtocolError(self._say(f"the PBX sent no audio ({reason or 'not a recording'})"))

    def close(self) -> None:
        self.http.close()
        self.wda.close()
