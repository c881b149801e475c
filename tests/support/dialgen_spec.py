"""The Dialgen OpenAPI spec (tests/fixtures/dialgen) and the check of an exchange against it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from support.openapi_check import OpenApi
from support.paths import FIXTURES

SPEC = FIXTURES / "dialgen" / "dialgen-openapi.json"


# REFERENCE.md 5.2: every endpoint also expects `userId`, though the spec declares it on two only.
EVERYWHERE = {"userId"}


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))


def deref(node: Any) -> Any:
    return OpenApi(spec()).deref(node)


def validate(schema: Any, value: Any, where: str = "$") -> None:
    OpenApi(spec()).validate(schema, value, where)


def check_exchange(path: str, query: dict[str, str], status: int, body: Any) -> str:
    item = spec()["paths"][path]  # KeyError: the connector asked for something the spec lacks
    op = item["get"]
    params = {p["name"]: p for p in (deref(p) for p in op.get("parameters", [])) if p["in"] == "query"}
    for name, p in params.items():
        if p.get("required"):
            assert name in query, f"{op['operationId']}: required {name} missing"
    for name, value in query.items():
        assert name in params or name in EVERYWHERE, f"{op['operationId']}: {name} is not in the spec"
        if name in params:
            validate(params[name]["schema"], value, f"{op['operationId']}?{name}")
    # 403 is declared as a component (Forbidden) but on no operation: the same Error body.
    answer = deref(op["responses"].get(str(status)) or spec()["components"]["responses"]["Forbidden"])
    validate(answer["content"]["application/json"]["schema"], body, f"{op['operationId']} {status}")
    return op["operationId"]
