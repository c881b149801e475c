"""Every emulator answer against its schema in Bandwidth's OpenAPI spec, and every request the
connector makes against the spec's parameters and request bodies (tests/fixtures/bandwidth)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from bandwidth_helpers import add_account, all_calls, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401
from openapi_check import OpenApi

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.errors import AuthError, NotFound
from recbrowser.services.bandwidth_actions import run_action
from recbrowser.services.downloads import download_call

SPEC = Path(__file__).parent / "fixtures" / "bandwidth" / "bandwidth-openapi.yml"
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


@pytest.fixture
def recorded():
    emu = BandwidthEmulator(calls=25, seed=11, record=True, quirks=True)
    emu.start()
    yield emu
    emu.stop()


def test_every_exchange_of_a_full_session_matches_the_spec(store, data_dir, recorded):
    emu = recorded
    account = add_account(store, emu)
    emu.add_fault("429:times=1,retry_after=0,path=/recordings")
    emu.add_fault("5xx:times=1,status=500,path=/transcription")
    assert sync(store, account, emu).ok
    provider = provider_for(account, emu)
    rows = [r for r in all_calls(store) if r.has_audio]
    for row in rows[:3]:
        download_call(store, account, provider, store.get_call("bw", row.provider_id), data_dir.media)
    untranscribed = next(r for r in emu.recordings if r.transcript is None and r.channels == 1)
    run_action(store, account, provider, untranscribed.call_id, "transcribe", untranscribed.recording_id)
    victim = rows[-1].provider_id
    for action in ("delete-transcription", "delete-media", "delete-recording"):
        run_action(store, account, provider, victim, action)
    with pytest.raises(NotFound):
        provider.get_recording(victim, store.get_call("bw", victim).recordings[0].provider_id)
    with pytest.raises(AuthError):
        provider_for(add_account(store, emu, name="other", account_id="1234567"), emu).test_credentials()
    emu.expire_tokens()
    assert provider.list_recordings(emu.now_ms - 86_400_000, emu.now_ms)  # 401, then a fresh token
    provider.close()

    seen = set()
    voice = [x for x in emu.exchanges if x.path.startswith(API_PREFIX)]
    for x in voice:
        seen.add(check_exchange(x))
    assert len(voice) > 50
    for op in ("listAccountCallRecordings", "getCallRecording", "downloadCallRecording", "getRecordingTranscription"):
        assert f"{op} 200" in seen, seen
    for op in ("transcribeCallRecording", "deleteRecording", "deleteRecordingMedia", "deleteRecordingTranscription"):
        assert f"{op} 204" in seen, seen
    for status in (401, 403, 404, 429, 500):
        assert any(s.endswith(f" {status}") for s in seen), (status, seen)
    tokens = [x for x in emu.exchanges if not x.path.startswith(API_PREFIX)]
    assert tokens and all(x.path == "/api/v1/oauth2/token" and x.body == b"grant_type=client_credentials"
                          and x.headers["Authorization"].startswith("Basic ") for x in tokens)


def test_the_validator_catches_what_the_spec_forbids():
    meta = spec()["components"]["schemas"]["callRecordingMetadata"]
    with pytest.raises(AssertionError):
        validate(meta, {"channels": "two"})
    with pytest.raises(AssertionError):
        validate(meta, {"direction": "sideways"})
    with pytest.raises(AssertionError):
        validate(meta, {"startTime": None})  # not nullable
    validate(meta, {"mediaUrl": None, "transcription": None, "somethingNew": 1})
