"""A small OpenAPI 3.0 schema check for the emulator spec tests (only the keywords the vendor
specs use on the operations we call): `OpenApi(spec).validate(schema, value)`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any


class OpenApi:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node


    def validate(self, schema: Any, value: Any, where: str = "$") -> None:
        """The OpenAPI 3.0 schema keywords the spec uses on these operations."""
        schema = self.deref(schema)
        if value is None:
            assert schema.get("nullable"), f"{where}: null is not allowed"
            return
        for sub in schema.get("allOf", []):
            self.validate(sub, value, where)
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if kind == "object":
            assert isinstance(value, dict), f"{where}: not an object"
            for key in schema.get("required", []):
                assert key in value, f"{where}: required {key} missing"
            props = schema.get("properties", {})
            for key, item in value.items():
                if key in props:
                    self.validate(props[key], item, f"{where}.{key}")
                else:
                    assert schema.get("additionalProperties", True) is not False, f"{where}: unknown {key}"
        elif kind == "array":
            assert isinstance(value, list), f"{where}: not an array"
            for i, item in enumerate(value):
                self.validate(schema.get("items", {}), item, f"{where}[{i}]")
        elif kind == "string":
            assert isinstance(value, str), f"{where}: not a string"
            if schema.get("format") == "date-time":
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            if schema.get("format") == "uri":
                assert re.match(r"^https?://", value), f"{where}: not a URI"
        elif kind in ("integer", "number"):
            ok = int if kind == "integer" else (int, float)
            assert isinstance(value, ok) and not isinstance(value, bool), f"{where}: not a {kind}"
            assert schema.get("minimum", value) <= value <= schema.get("maximum", value), f"{where}: out of range"
        elif kind == "boolean":
            assert isinstance(value, bool), f"{where}: not a boolean"
