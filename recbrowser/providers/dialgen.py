"""Dialgen AI voice agents connector (REFERENCE.md section 5, dialgen-openapi.json).

Bearer API key plus `userId` on every request. There is no list-all endpoint: calls are
enumerated batch by batch (`batch/list` -> `batch/check-status?limit=all`), then each call is
read in full (`call/check-status`) with its metrics (`call/get-metric`, which needs the agentId
from the batch and the contactId from the live status). Calls outside batches come in by
`import dialgen-calls` (services/dialgen_import.py). Recording URLs are signed and expire:
`resolve_media` always reads the call again, so the download service's one retry on a refused
link gets a fresh URL.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import AuthError, NotFound, ProtocolError, ProviderError
from recbrowser.providers.base import CallPage, MediaSource, SettingField, register
from recbrowser.providers.dialgen_map import EXPIRED_REASON, call_from_status
from recbrowser.providers.timeparse import iso_ms
from recbrowser.providers.unreadable import UnreadableRecord, drain, record_id

# HttpClient (and httpx, ~50 ms with what it pulls in) is imported when a provider is made,
# not when the window looks up a provider's title before its first paint.
if TYPE_CHECKING:
    from recbrowser.providers.http import HttpClient

DEFAULT_BASE_URL = "https://sa.dialgen.ai"
log = logging.getLogger("recbrowser.dialgen")
SYNC_PAGE = 200  # calls per yielded page = per store transaction
CALL_WORKERS = 4  # every call costs three requests: read a few calls at once


@register
class DialgenProvider:
    name: ClassVar[str] = "dialgen"
    title: ClassVar[str] = "Dialgen"
    settings_schema: ClassVar[tuple[SettingField, ...]] = (
        SettingField("base_url", "API address", required=False, default=DEFAULT_BASE_URL),
        SettingField("user_id", "User ID", help="shown in the Dialgen dashboard; it must own the API key"),
        SettingField("api_key", "API key", secret=True, help="from https://sa.dialgen.ai/api-keys"),
    )

    def __init__(self, account: Account, secrets: dict[str, str], http: HttpClient | None = None):
        from recbrowser.providers.http import HttpClient  # see the note at the top

        self.account = account
        self._unreadable: list[str] = []  # records left out since the last page
        self.who = f"Dialgen account '{account.name}'"
        self.base_url = (account.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self.user_id = (account.settings.get("user_id") or "").strip()
        self._key = secrets.get("api_key") or ""
        if not self.user_id or not self._key:
            raise ProviderError(f"{self.who} needs a user_id and an API key; edit the account.")
        self.http = http or HttpClient(provider=self.title, account=account.name)
        self.http.add_secret(self._key)

    # -- requests -----------------------------------------------------------------------------
    def _get(self, path: str, what: str, **params: str) -> Any:
        try:
            return self.http.get_json(f"{self.base_url}/api/v1/{path}", params={**params, "userId": self.user_id},
                                      headers={"Authorization": f"Bearer {self._key}"})
        except ProviderError as e:
            raise self._explain(e, what) from None

    def _explain(self, e: ProviderError, what: str) -> ProviderError:
        status = getattr(e, "status_code", None)
        if status == 401:
            return AuthError(f"{self.who}: Dialgen rejected the API key (401); create a new one at "
                             "https://sa.dialgen.ai/api-keys and update the account.")
        if status == 403:
            return AuthError(f"{self.who}: the userId {self.user_id} does not own the API key (403); copy the "
                             "userId shown in the Dialgen dashboard of the key's owner.")
        if status == 404:
            return NotFound(f"{self.who}: Dialgen has no {what} (404).")
        return e

    def batches(self) -> list[dict[str, Any]]:
        rows = self._get("batch/list", "batch list")
        if not isinstance(rows, list):
            raise ProtocolError(f"{self.who}: the batch list is not a JSON list; check the API address.")
        return [r for r in rows if isinstance(r, dict) and r.get("batchId")]

    def batch_calls(self, batch_id: str) -> tuple[list[dict[str, Any]], str]:
        """Every call of a batch (`limit=all`) and the batch's agentId."""
        data = self._get("batch/check-status", f"batch {batch_id}", batchId=batch_id, limit="all")
        if not isinstance(data, dict):
            raise ProtocolError(f"{self.who}: the status of batch {batch_id} came back unreadable.")
        calls = [c for c in data.get("recentCalls") or [] if isinstance(c, dict) and c.get("id")]
        return calls, str(data.get("agentId") or "")

    def call_status(self, call_id: str) -> dict[str, Any]:
        data = self._get("call/check-status", f"call {call_id}", callId=call_id)
        body = data.get("data") if isinstance(data, dict) else None
        if not isinstance(body, dict) or not body.get("id"):
            raise ProtocolError(f"{self.who}: the status of call {call_id} came back unreadable.")
        return body

    def live_status(self, call_id: str) -> dict[str, Any]:
        """The live status (30 days) is the only answer that names the call's contactId."""
        try:
            data = self._get("status/call", f"live status of call {call_id}", callId=call_id)
        except NotFound:
            return {}
        return data if isinstance(data, dict) else {}

    def metric(self, call_id: str, agent_id: str, contact_id: str) -> dict[str, Any]:
        try:
            data = self._get("call/get-metric", f"metrics for call {call_id}", callId=call_id,
                             agentId=agent_id, contactId=contact_id)
        except NotFound:
            return {}
        body = data.get("callData") if isinstance(data, dict) else None
        return body if isinstance(body, dict) else {}

    def read_call(self, call_id: str, known: dict[str, Any] | None = None) -> Call:
        """One call in full. `known`: ids learnt earlier (batch listing, webhook payload)."""
        known = dict(known or {})
        status = self.call_status(call_id)
        if not known.get("contactId"):
            live = self.live_status(call_id)
            known.update({k: live[k] for k in ("contactId", "batchId") if live.get(k)})
        metric = {}
        if known.get("agentId") and known.get("contactId") and status.get("status") == "COMPLETED":
            metric = self.metric(call_id, str(known["agentId"]), str(known["contactId"]))
        extra = {k: v for k, v in known.items() if k in ("batchId", "agentId", "contactId") and v}
        return call_from_status(status, int(time.time() * 1000), metric, extra)

    def _listed_call(self, call_id: str, known: dict[str, Any]) -> Call | None:
        try:
            return self.read_call(call_id, known)
        except NotFound:
            # A batch lists it but the call store does not have it (yet): one call must not stop the sync.
            log.warning("Dialgen account %s: call %s of batch %s not found", self.account.name, call_id, known["batchId"])
            return None
        except UnreadableRecord as e:
            self._unreadable.append(str(e))
            return None

    # -- Provider protocol -------------------------------------------------------------------------
    def test_credentials(self) -> str:
        n = len(self.batches())
        return f"Connected to Dialgen as user {self.user_id}; {n:,} batches."

    def list_calls(self, since_ms: int, until_ms: int, cursor: str | None = None) -> Iterator[CallPage]:
        state = json.loads(cursor) if cursor else {}
        done: list[str] = list(state.get("done", []))
        batches = sorted(self.batches(), key=lambda b: (str(b.get("createdAt") or ""), str(b["batchId"])))
        with ThreadPoolExecutor(CALL_WORKERS, thread_name_prefix="dialgen-calls") as pool:
            for n, batch in enumerate(batches, 1):
                bid = str(batch["batchId"])
                created = iso_ms(batch.get("createdAt"))
                if bid in done or (created is not None and created >= until_ms):
                    continue
                rows, agent = self.batch_calls(bid)
                agent = agent or str(batch.get("agentId") or "")
                unlisted = [r for r in rows if not isinstance(r, dict) or r.get("id") in (None, "")]
                self._unreadable += [f"call {record_id(None)} in batch {record_id(bid)}: it has no id" for _ in unlisted]
                rows = [r for r in rows if r not in unlisted]
                wanted = [r for r in rows if since_ms <= (iso_ms(r.get("createdAt")) or since_ms) < until_ms]
                wanted.sort(key=lambda r: (str(r.get("createdAt") or ""), str(r["id"])))
                at = int(state.get("at", 0)) if state.get("batch") == bid else 0
                pages = max(1, -(-len(wanted) // SYNC_PAGE))
                for i in range(at, len(wanted), SYNC_PAGE):
                    chunk = wanted[i : i + SYNC_PAGE]
                    ids = [str(r["id"]) for r in chunk]
                    got = pool.map(self._listed_call, ids, [{"batchId": bid, "agentId": agent}] * len(ids))
                    calls = [c for c in got if c is not None]
                    nxt = i + len(chunk)
                    cur = {"done": done, "batch": bid, "at": nxt} if nxt < len(wanted) else {"done": [*done, bid]}
                    where = f"batch {n} of {len(batches)}, page {i // SYNC_PAGE + 1} of {pages}"
                    yield CallPage(calls, json.dumps(cur), where, drain(self._unreadable))
                done = [*done, bid]
                if not wanted:
                    yield CallPage([], json.dumps({"done": done}), f"batch {n} of {len(batches)}, no calls", drain(self._unreadable))

    def fetch_transcript(self, call: Call) -> Call:
        fresh = self.read_call(call.provider_id, {k: call.raw.get(k) for k in ("batchId", "agentId", "contactId")})
        call.segments, call.transcript_status = fresh.segments, fresh.transcript_status
        call.summary = fresh.summary or call.summary
        return call

    def resolve_media(self, call: Call, recording: Recording) -> MediaSource:
        # Always a fresh read: the signed URL in the store may have expired long ago.
        status = self.call_status(call.provider_id)
        url = status.get("recordingUrl")
        agent, contact = call.raw.get("agentId"), call.raw.get("contactId")
        if (not isinstance(url, str) or not url) and agent and contact:
            url = self.metric(call.provider_id, str(agent), str(contact)).get("recordingUrl")  # the seed's source
        if not isinstance(url, str) or not url:
            expired = recording.expires_ms is not None and recording.expires_ms <= time.time() * 1000
            why = EXPIRED_REASON if expired else "Dialgen gives no recording URL for it"
            raise NotFound(f"{self.who}: call {call.provider_id} has no recording to download: {why}.")
        # The URL is pre-signed: no Authorization header goes to the media host.
        return MediaSource(url=url, file_name=f"{call.provider_id}.mp3", format="mp3")

    def close(self) -> None:
        self.http.close()
