"""Add Dialgen calls that no batch lists (single dials, inbound calls) from a file.

Dialgen has no list-all endpoint, so such calls are known only by the ids the user kept or by
the `onCallComplete` webhook payloads a relay saved. Accepted: a JSON document (one item or an
array) or lines, each a call id, a JSON string id, `{"callId": ...}`, or a webhook payload
`{"callData": {...}}`. Payloads are mapped as they are (no request needed: they carry the
transcript, summary, agentId and contactId); bare ids are read from the API. The same upsert as
a sync, so importing twice changes nothing. Unreadable lines are skipped and counted.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from recbrowser.domain import Account, Call
from recbrowser.errors import NotFound, UserFacingError
from recbrowser.providers.dialgen_map import call_from_status

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

log = logging.getLogger("recbrowser.dialgen_import")

BATCH = 200  # calls per store transaction
_ID = re.compile(r"^[A-Za-z0-9_.:-]{4,128}$")  # Dialgen ids are cuids ("cmk3n7v8l0001k004w0f0b3b1")


class CallReader(Protocol):
    def read_call(self, call_id: str, known: dict[str, Any] | None = None) -> Call: ...


@dataclass
class ImportResult:
    payloads: int = 0  # webhook payloads used
    ids: int = 0  # bare ids read from the API
    calls: int = 0  # calls written (new or updated)
    new: int = 0
    skipped: int = 0  # lines or items that are neither an id nor a payload
    missing: list[str] = field(default_factory=list)  # ids Dialgen does not know
    problems: list[str] = field(default_factory=list)  # first few skipped lines, for the log

    def summary(self, account: str) -> str:
        text = (f"{account}: {self.payloads} webhook payloads and {self.ids} call ids imported, "
                f"{self.calls} calls written ({self.new} new)")
        if self.missing:
            text += f", {len(self.missing)} ids unknown at Dialgen"
        if self.skipped:
            text += f", {self.skipped} unreadable lines skipped"
        return text + "."


def read_items(text: str, result: ImportResult) -> Iterator[str | dict[str, Any]]:
    """Yield call ids and `callData` objects, in file order; count everything else."""
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict | list | str):
        items: Iterable[tuple[int, Any]] = enumerate(whole if isinstance(whole, list) else [whole], 1)
    else:
        items = _lines(text.splitlines())
    for where, item in items:
        got = _item(item)
        if got is None:
            result.skipped += 1
            if len(result.problems) < 5:
                result.problems.append(f"item {where}: neither a call id nor an onCallComplete payload")
        else:
            yield got


def _lines(lines: list[str]) -> Iterator[tuple[int, Any]]:
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            yield n, json.loads(line)
        except ValueError:
            yield n, line  # a bare id, or garbage that _item refuses


def _item(item: Any) -> str | dict[str, Any] | None:
    if isinstance(item, str):
        return item.strip() if _ID.match(item.strip()) else None
    if not isinstance(item, dict):
        return None
    data = item.get("callData")
    if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"]:
        return data
    cid = item.get("callId") or item.get("id")
    return cid if isinstance(cid, str) and _ID.match(cid) else None


def import_file(store: CallStore, account: Account, path: Path, reader: CallReader | None) -> ImportResult:
    if account.provider != "dialgen":
        raise UserFacingError(f"Account '{account.name}' is a {account.provider} account; choose a Dialgen account.")
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as e:
        raise UserFacingError(f"Cannot read the call file {path}: {e.strerror}.") from None
    result = ImportResult()
    return import_items(store, account, read_items(text, result), reader, result)


def import_items(store: CallStore, account: Account, items: Iterator[str | dict[str, Any]],
                 reader: CallReader | None, result: ImportResult | None = None) -> ImportResult:
    assert account.id is not None
    result = result or ImportResult()  # read_items counts skipped lines into the same result
    by_id: dict[str, Call] = {}
    now = int(time.time() * 1000)
    for item in items:
        if isinstance(item, dict):
            extra = {k: item[k] for k in ("batchId", "agentId", "contactId") if item.get(k)}
            call = call_from_status(item, now, item, extra)  # the last payload of a call wins
            if not item.get("agent") and (known := store.get_call(account.name, call.provider_id)):
                # Webhooks name no agent; keep the name a sync read, so an import changes nothing it knew.
                ours = known.from_party if known.direction == "outbound" else known.to_party
                call.agent = known.agent
                (call.from_party if call.direction == "outbound" else call.to_party).name = ours.name
            by_id[call.provider_id] = call
            result.payloads += 1
        elif item not in by_id:
            if reader is None:
                raise UserFacingError(f"Account '{account.name}': bare call ids need the Dialgen API; "
                                      "check the account's key with `recbrowser accounts test`.")
            try:
                by_id[item] = reader.read_call(item)
            except NotFound:
                result.missing.append(item)
                continue
            result.ids += 1
    calls = list(by_id.values())
    for i in range(0, len(calls), BATCH):
        with store.transaction():
            result.new += store.upsert_calls(account.id, calls[i : i + BATCH])
    result.calls = len(calls)
    if result.problems or result.missing:
        log.info("Dialgen import for %s skipped: %s; unknown ids: %s", account.name, "; ".join(result.problems),
                 ", ".join(result.missing[:5]))
    return result
