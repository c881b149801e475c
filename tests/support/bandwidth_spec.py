"""The Bandwidth OpenAPI spec (tests/fixtures/bandwidth): its examples, and the check of an exchange."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from typing import Any

import yaml

from support.openapi_check import OpenApi
from support.paths import FIXTURES

SPEC = FIXTURES / "bandwidth" / "bandwidth-openapi.yml"


API_PREFIX = "/api/v2"  # the operations' `servers` entry: https://voice.bandwidth.com/api/v2


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def deref(node: Any) -> Any:
    return OpenApi(spec()).deref(node)


def validate(schema: Any, value: Any, where: str = "$") -> None:
    OpenApi(spec()).validate(schema, value, where)


def operation(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(path template, operation, path parameters) for a request path under /api/v2."""
    assert path.startswith(API_PREFIX), path
    rest = path[len(API_PREFIX):]
    for template, item in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"
        m = re.match(pattern, rest)
        if m and method.lower() in item:
            return template, item[method.lower()], m.groupdict()
    raise AssertionError(f"{method} {path} is not an operation of the spec")


def check_exchange(x) -> str:
    template, op, path_params = operation(x.method, x.path)
    params = [deref(p) for p in op.get("parameters", [])]
    declared_query = {p["name"]: p for p in params if p["in"] == "query"}
    for p in params:
        if p["in"] == "path":
            assert path_params.get(p["name"]), f"{op['operationId']}: path parameter {p['name']} missing"
        if p.get("required") and p["in"] == "query":
            assert p["name"] in x.query
    for name, value in x.query.items():
        assert name in declared_query, f"{op['operationId']}: query parameter {name} is not in the spec"
        validate(declared_query[name]["schema"], value, f"{op['operationId']}?{name}")
        if name in ("minStartTime", "maxStartTime"):
            datetime.fromisoformat(value.replace("Z", "+00:00"))  # "in ISO8601 format"
    if "requestBody" in op:
        body = deref(op["requestBody"])
        assert x.headers.get("Content-Type", "").startswith("application/json")
        validate(body["content"]["application/json"]["schema"], json.loads(x.body or b"{}"), op["operationId"])
    else:
        assert not x.body, f"{op['operationId']} takes no body"
    auth = x.headers.get("Authorization", "")
    assert auth.startswith(("Bearer ", "Basic ")), "every Voice request carries one of the spec's security schemes"
    responses = op["responses"]
    assert str(x.status) in responses, f"{op['operationId']} does not declare status {x.status}"
    answer = deref(responses[str(x.status)])
    content = answer.get("content")
    if not content:
        assert x.response is None, f"{op['operationId']} {x.status} has no body in the spec"
    else:
        assert x.content_type in content, f"{op['operationId']} {x.status}: {x.content_type} not in {list(content)}"
        if x.content_type == "application/json":
            validate(content["application/json"]["schema"], x.response, f"{op['operationId']} {x.status}")
    return f"{op['operationId']} {x.status}"


def example_metadata() -> dict:
    """A callRecordingMetadata built from the example value of each of its properties."""
    schemas = spec()["components"]["schemas"]
    out = {}
    for key, prop in schemas["callRecordingMetadata"]["properties"].items():
        target = schemas[prop["$ref"].rsplit("/", 1)[-1]]
        if "example" in target:
            out[key] = target["example"]
    out["transcription"] = {k: v.get("example", "available")
                            for k, v in schemas["recordingTranscriptionMetadata"]["properties"].items()}
    out["transcription"]["status"] = "available"
    return out
