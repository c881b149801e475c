"""Every mapper, fed its vendor's example with fields mutated in type and range, either returns a
call the store can hold or raises the one UnreadableRecord: never TypeError, OverflowError...

The examples are the vendors' own (tests/fixtures: the Yeastar manual's rows, the Bandwidth and
Dialgen OpenAPI examples, the Wildix webhook sample, the Voki manual's recording) and the
emulators' records. One to three values anywhere in the example (nested ones too) are replaced
by a hostile value (1e308, -1, NaN, a string where a number was, null, a list, an object) or removed.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.bandwidth_spec import example_metadata
from support.dialgen_spec import spec as dialgen_spec
from support.paths import FIXTURES
from support.voki_helpers import SEED as VOKI_RECORDING
from support.wildix_helpers import CALL_ID as WILDIX_CALL_ID
from support.yeastar_helpers import add_emulated_account, all_calls, sync

from recbrowser.domain import Account, Call
from recbrowser.providers import bandwidth_map, dialgen_map, voki_map, wildix_map, yeastar_map
from recbrowser.providers.unreadable import UnreadableRecord
from recbrowser.store import Store

FIX = FIXTURES
DROP = object()  # "remove this key"
HOSTILE = st.one_of(
    st.sampled_from([None, 1e308, -1e308, -1, 0, float("nan"), float("inf"), 2**63, -(2**63) - 1, 10**30, True,
                     "", "12", "x", "1e308", "PT99999999999999999999S", "9999-12-31T23:59:59Z", "-1", [], {}, [1], {"a": 1}]),
    st.integers(), st.floats(), st.text(max_size=8), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.none() | st.integers(), max_size=2),
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: dict keys and list indexes, nested."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw, example: dict) -> dict:
    value = copy.deepcopy(example)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in paths(value) if len(p) > 1]  # inside the vendor's records, not our bundle of them
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = value
        for step in place[:-1]:
            parent = parent[step]
        # A copy: sampled_from hands out the same [] or {} every time, which would end up inside itself.
        new = draw(st.one_of(st.just(DROP), HOSTILE))
        new = new if new is DROP else copy.deepcopy(new)
        if new is DROP and isinstance(parent, dict):
            del parent[place[-1]]
        else:
            parent[place[-1]] = None if new is DROP else new
    return value


# -- the five mappers, each as the provider strings them together ------------------------------
BERLIN = yeastar_map.TimeContext("YYYY/MM/DD HH:mm:ss", ZoneInfo("Europe/Berlin"))


def yeastar_example() -> dict:
    fix = FIX / "yeastar"
    legs = json.loads((fix / "aidownload_seed.json").read_text())
    return {"cdr": json.loads((fix / "cdr_v2_row.json").read_text()),
            "recording": json.loads((fix / "recording_list.json").read_text())["data"][0],
            "legs": legs if isinstance(legs, list) else legs.get("data", legs)}


def read_yeastar(x: dict) -> Call:
    call = yeastar_map.cdr_to_call(x["cdr"], BERLIN)
    # The manual's transcript and recording examples are of other calls: offsets count from the leg.
    yeastar_map.apply_ai_legs(call, x["legs"] if isinstance(x["legs"], list) else [], BERLIN)
    call.recordings = [yeastar_map.recording_from_row(x["recording"], BERLIN, call.start_ms)]
    return call


def bandwidth_example() -> dict:
    meta = example_metadata()
    return {"meta": meta, "transcription": {"transcripts": [{"text": "Hello, how can I help?", "confidence": 0.9}]}}


def read_bandwidth(x: dict) -> Call:
    meta = x["meta"]
    call = bandwidth_map.call_from_recordings(str(meta.get("callId")) if isinstance(meta, dict) else "c", [meta], 0)
    call.segments = bandwidth_map.segments_from_transcription(x["transcription"], call, call.recordings[0])
    return call


def dialgen_example() -> dict:
    paths_ = dialgen_spec()["paths"]
    status = paths_["/api/v1/call/check-status"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    metric = paths_["/api/v1/call/get-metric"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    return {"status": status["data"], "metric": metric["callData"]}


def read_dialgen(x: dict) -> Call:
    return dialgen_map.call_from_status(x["status"], 0, x["metric"])


def voki_example() -> dict:
    from recbrowser.emulators.voki import VokiEmulator

    emu = VokiEmulator(calls=3, seed=1)  # its records only: the server is never started
    return {"item": emu.item(emu.calls[0]), "recording": copy.deepcopy(VOKI_RECORDING["data"])}


def read_voki(x: dict) -> Call:
    call = voki_map.call_from_item(x["item"], 0)
    return voki_map.apply_recording(call, x["recording"])


def wildix_example() -> dict:
    event = json.loads((FIX / "wildix" / "call_completed.json").read_text())
    return {"flows": [{**f, "id": WILDIX_CALL_ID} for f in event["data"]["flows"]]}


def read_wildix(x: dict) -> Call:
    flows = x["flows"] if isinstance(x["flows"], list) else []
    return wildix_map.records_to_call(WILDIX_CALL_ID, flows, unit="ms")


MAPPERS = {"yeastar": (yeastar_example, read_yeastar), "bandwidth": (bandwidth_example, read_bandwidth),
           "dialgen": (dialgen_example, read_dialgen), "voki": (voki_example, read_voki),
           "wildix": (wildix_example, read_wildix)}


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """A real cache to store what the mappers return: the proof that a call is one we can keep."""
    store = Store.open(tmp_path_factory.mktemp("mapped") / "cache.sqlite3")
    account = store.add_account(Account(name="m", provider="yeastar"))
    yield store, account
    store.close()


def keep(held, call: Call) -> None:
    store, account = held
    with store.transaction():
        store.upsert_calls(account.id, [call])
    assert store.get_call(account.name, call.provider_id) is not None
    datetime.fromtimestamp(call.start_ms / 1000, UTC)  # the list shows its date
    for ms in (call.duration_ms, call.ring_ms, call.talk_ms, *(r.duration_ms for r in call.recordings)):
        assert ms is None or (isinstance(ms, int) and ms >= 0)


@pytest.mark.parametrize("provider", list(MAPPERS))
def test_the_vendor_example_itself_maps(held, provider):
    example, read = MAPPERS[provider]
    keep(held, read(example()))


@pytest.mark.parametrize("provider", list(MAPPERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_record_maps_or_is_unreadable_never_anything_else(held, provider, data):
    example, read = MAPPERS[provider]
    record = data.draw(mutated(example()))
    try:
        call = read(record)
    except UnreadableRecord as e:
        assert e.kind in ("call", "recording", "transcript") and e.why and "\n" not in str(e)
        return
    keep(held, call)


def test_one_bad_record_is_skipped_counted_logged_and_the_rest_of_the_page_stored(store, yeastar, monkeypatch, caplog):
    """Over real HTTP: the Yeastar emulator answers one CDR with `call_duration` 1e308."""
    bad = next(c for c in yeastar.cdrs if c.in_v2 and not c.in_v1)  # a call only v2 lists: its row is the only one
    v2_row = yeastar._v2_row
    monkeypatch.setattr(yeastar, "_v2_row", lambda c: {**v2_row(c), "call_duration": 1e308} if c is bad else v2_row(c))
    account = add_emulated_account(store, yeastar)
    with caplog.at_level("WARNING"):
        result = sync(store, account, yeastar)
    assert result.ok, result.error
    assert result.unreadable == [f"call {bad.uid}: a number is out of range"]
    assert result.unreadable_sentence() == f"1 call could not be read: call {bad.uid}: a number is out of range."
    assert {r.provider_id for r in all_calls(store)} == {c.uid for c in yeastar.cdrs} - {bad.uid}
    assert f"skipped call {bad.uid}" in caplog.text and yeastar.secrets()["client_secret"] not in caplog.text


def test_the_command_line_says_how_many_calls_could_not_be_read(capsys, monkeypatch, data_dir, yeastar, account_name):
    from support.cli_helpers import add_account as add_by_cli
    from support.cli_helpers import run

    bad = next(c for c in yeastar.cdrs if c.in_v2 and not c.in_v1)
    v2_row = yeastar._v2_row
    monkeypatch.setattr(yeastar, "_v2_row", lambda c: {**v2_row(c), "uid": None, "call_duration": 1e308} if c is bad else v2_row(c))
    assert add_by_cli(capsys, monkeypatch, yeastar, account_name)[0] == 0
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    assert f"{account_name}: {len(yeastar.cdrs) - 1} calls synced" in out
    assert f"{account_name}: 1 call could not be read: call without an id: it has no uid." in out
