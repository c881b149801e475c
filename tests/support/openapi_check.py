"""Validate the emulators' answers against the vendor's OpenAPI 3.0 schemas with `jsonschema`.

OpenAPI 3.0's schema object is JSON Schema draft 4 (Wright-00) plus `nullable`: the spec is
turned into plain JSON Schema once (`nullable: true` -> null allowed) and every keyword draft 4
knows (oneOf, anyOf, pattern, lengths, formats...) is checked by the maintained validator, with
`$ref`s resolved against the whole spec. `OpenApi(spec).validate(schema, value)`.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", value):
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) is not None


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 4: `nullable: true` lets null through."""
    if isinstance(node, list):
        return [as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [*([out["type"]] if isinstance(out["type"], str) else out["type"]), "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if "type" not in out and "enum" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class OpenApi:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    @cached_property
    def _components(self) -> Any:
        return as_json_schema(self.spec.get("components", {}))

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validate(self, schema: Any, value: Any, where: str = "$") -> None:
        """Raise AssertionError naming the first place where `value` breaks `schema`."""
        # The schema travels with the spec's components, so "#/components/..." resolves in it.
        root = {**as_json_schema(schema), "components": self._components}
        errors = sorted(Draft4Validator(root, format_checker=FORMATS).iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            at = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
            raise AssertionError(f"{at}: {e.message}")
