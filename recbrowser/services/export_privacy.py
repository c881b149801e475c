"""What an export with `redact_pii` masks, call by call: transcript text, the summary and notes
(the manifest's transcript-derived fields) and, with `redact_call_numbers`, the call's own
from/to numbers wherever they show (manifest, transcript header, file names)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from recbrowser.domain import Call, Party, Segment
from recbrowser.services.pii import PHONE, Redactor


class CallPrivacy:
    def __init__(self, call: Call, *, pii: bool, call_numbers: bool) -> None:
        self.on = pii or call_numbers
        self.call_numbers = call_numbers
        numbers = [call.from_party.number, call.to_party.number] if call_numbers else []
        self.red = Redactor(numbers)
        self._raw = [n for n in numbers if n and self.red.number(n) == PHONE]

    def text(self, text: str | None) -> str | None:
        return self.red.text(text) if self.on and text else text

    def segments(self, segments: list[Segment]) -> list[Segment]:
        if not self.on:
            return segments
        return [replace(s, text=self.red.text(s.text), speaker=self.red.text(s.speaker)) for s in segments]

    def party(self, party: Party) -> Party:
        if not self.call_numbers:
            return party
        return Party(self.red.number(party.number), self.red.number(party.name))

    def fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        """File-name template fields."""
        if not self.call_numbers:
            return fields
        return {**fields, **{k: self.red.number(fields[k]) for k in ("from", "to", "from_name", "to_name")}}

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A manifest row (before its files are added)."""
        if not self.on:
            return row
        out = {**row, "summary": self.text(row.get("summary")), "details": self._details(row.get("details") or {}),
               "notes": [{**n, "text": self.red.text(n["text"])} for n in row.get("notes", [])]}
        if self.call_numbers:
            for key in ("from", "from_name", "to", "to_name"):
                out[key] = self.red.number(out.get(key) or "") or out.get(key)
            out["recording_files"] = [self._strip_numbers(n) for n in row.get("recording_files", [])]
        return out

    def _details(self, value: Any) -> Any:
        """The provider's other facts (key points, intent...) may quote the caller too."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._details(v) for v in value]
        if isinstance(value, dict):
            return {k: self._details(v) for k, v in value.items()}
        return value

    def _strip_numbers(self, name: str | None) -> str | None:
        for n in self._raw:  # a provider's file name often holds the caller's number as is
            name = name.replace(n, PHONE).replace(n.lstrip("+"), PHONE) if name else name
        return name
