"""The Yeastar emulator against the vendor documents (REFERENCE.md section 2 and the aidownload
seed, copied under tests/fixtures/yeastar), over real loopback HTTP."""

from __future__ import annotations

import http.client
import io
import json
import threading
import wave
from array import array
from datetime import datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

import httpx
import pytest
from support.paths import FIXTURES

from recbrowser.emulators import EMULATORS, start_emulators
from recbrowser.emulators.yeastar import YeastarEmulator

FIXTURES = FIXTURES / "yeastar"
NOW_MS = 1_795_000_000_000  # a fixed instant: the same seed must give the same calls
TOKEN_FIELDS = {"errcode", "errmsg", "access_token_expire_time", "access_token", "refresh_token_expire_time",
                "refresh_token"}
CDR_V1_FIELDS = {"id", "time", "call_from", "call_to", "timestamp", "uid", "src_addr", "src_trunk", "dst_trunk",
                 "duration", "ring_duration", "talk_duration", "disposition", "call_type", "did_number", "dod_number",
                 "record_file"}


class Pbx:
    """A tiny client for the tests: logs in once, GETs OpenAPI endpoints with the token."""

    def __init__(self, emu: YeastarEmulator):
        self.emu = emu
        self.http = httpx.Client(base_url=emu.base_url, headers={"User-Agent": "OpenAPI"}, timeout=30)
        self.token = self.login()["access_token"]

    def login(self, **body) -> dict:
        body = body or {"username": self.emu.client_id, "password": self.emu.client_secret}
        return self.http.post("/openapi/v1.0/get_token", json=body).json()

    def api(self, path: str, **params) -> dict:
        r = self.http.get(f"/openapi/{path}", params={**params, "access_token": self.token})
        assert r.status_code == 200
        return r.json()

    def fetch(self, url: str, **headers) -> httpx.Response:
        return self.http.get(url, params={"access_token": self.token}, headers=headers)

    def all(self, path: str, **params) -> list[dict]:
        data = self.api(path, page_size=10000, **params)
        assert data["errcode"] == 0, data
        return data["data"]

    def legs(self, **params) -> list[dict]:
        link = self.api("v2.0/cdr/aidownload", **params)
        assert link["errcode"] == 0 and link["download_resource_url"].startswith("/api/download/")
        return self.fetch(link["download_resource_url"]).json()


@pytest.fixture
def emu():
    with YeastarEmulator(calls=60, seed=3, now_ms=NOW_MS) as e:
        yield e


@pytest.fixture
def pbx(emu):
    p = Pbx(emu)
    yield p
    p.http.close()


def value_types(d: dict) -> dict[str, type]:
    return {k: type(v) for k, v in d.items()}


# -- authentication --------------------------------------------------------------------------------
def test_get_token_has_exactly_the_six_documented_fields(pbx):
    data = pbx.login()
    assert set(data) == TOKEN_FIELDS
    assert (data["errcode"], data["errmsg"], data["access_token_expire_time"], data["refresh_token_expire_time"]) == \
        (0, "SUCCESS", 1800, 86400)


def test_refresh_gives_a_new_pair_and_the_old_refresh_token_is_spent(pbx):
    first = pbx.login()
    again = pbx.http.post("/openapi/v1.0/refresh_token", json={"refresh_token": first["refresh_token"]}).json()
    assert set(again) == TOKEN_FIELDS and again["access_token"] != first["access_token"]
    assert again["refresh_token"] != first["refresh_token"]
    spent = pbx.http.post("/openapi/v1.0/refresh_token", json={"refresh_token": first["refresh_token"]}).json()
    assert spent["errcode"] != 0


def test_wrong_secret_is_refused_with_an_errcode_at_http_200(pbx):
    r = pbx.http.post("/openapi/v1.0/get_token", json={"username": pbx.emu.client_id, "password": "nope"})
    assert r.status_code == 200 and r.json() == {"errcode": 10005, "errmsg": "ACCESS DENIED"}


def test_at_most_eight_live_tokens(emu, pbx):  # pbx already holds one
    answers = [pbx.login() for _ in range(8)]
    assert [a["errcode"] for a in answers] == [0] * 7 + [60002]
    assert emu.live_tokens == 8 and emu.tokens_issued == 8
    emu.expire_tokens()
    assert pbx.login()["errcode"] == 0


def test_expired_or_unknown_token_is_errcode_10004_at_http_200(emu, pbx):
    assert pbx.api("v1.0/cdr/search")["errcode"] == 0
    emu.expire_tokens()
    assert pbx.api("v1.0/cdr/search") == {"errcode": 10004, "errmsg": "TOKEN EXPIRED"}
    pbx.token = "made-up"
    assert pbx.api("v2.0/cdr/search")["errcode"] == 10004


def test_token_expiry_fault_after_n_requests(emu, pbx):
    emu.add_fault("token-expiry:after=2")
    codes = [pbx.api("v2.0/cdr/search")["errcode"] for _ in range(3)]
    assert codes == [0, 0, 10004]
    pbx.token = pbx.login()["access_token"]
    assert pbx.api("v2.0/cdr/search")["errcode"] == 0  # times=1: the new token lives


def test_user_agent_is_required(emu, pbx):
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)  # sends no User-Agent by itself
    conn.request("GET", f"/openapi/v1.0/cdr/search?access_token={pbx.token}")
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["errcode"] == 10005
    conn.close()


def test_unknown_interface_and_bad_parameters(pbx, emu):
    assert pbx.api("v1.0/cdr/nothing")["errcode"] == 10001
    assert pbx.api("v1.0/cdr/search", page_size=10001)["errcode"] == 40002
    assert pbx.api("v1.0/recording/download")["errcode"] == 40002
    assert pbx.api("v1.0/recording/download", id=1)["errcode"] == 60001


# -- CDR ------------------------------------------------------------------------------------------------
def test_cdr_v1_rows_are_cdr_details(pbx):
    rows = pbx.all("v1.0/cdr/search")
    assert rows
    for row in rows:
        assert set(row) == CDR_V1_FIELDS
        assert isinstance(row["id"], int) and isinstance(row["timestamp"], int)
        assert row["disposition"] in {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "VOICEMAIL"}
        assert row["call_type"] in {"Inbound", "Outbound", "Internal"}
        assert row["duration"] == row["ring_duration"] + row["talk_duration"]
    assert any("<" in r["call_from"] and r["call_from"].endswith(">") for r in rows)


def test_cdr_v2_rows_match_the_v2_fixture(pbx):
    fixture = json.loads((FIXTURES / "cdr_v2_row.json").read_text())
    rows = pbx.all("v2.0/cdr/search")
    assert rows
    for row in rows:
        assert value_types(row) == value_types(fixture)
        assert row["call_duration"] == row["routing_duration"] + row["handling_duration"]
    assert any(r["queues"] for r in rows)
    assert any(r["queues"] and set(r["queues"][0]) == {"name", "number", "status"} for r in rows)


def test_old_calls_only_in_v1_new_only_in_v2_some_in_both(emu, pbx):
    v1 = {r["uid"] for r in pbx.all("v1.0/cdr/search")}
    v2 = {r["uid"] for r in pbx.all("v2.0/cdr/search")}
    assert v1 - v2 and v2 - v1 and v1 & v2
    assert v1 | v2 == {c.uid for c in emu.cdrs}
    assert max(emu.cdrs[i].start_s for i in range(len(emu.cdrs)) if emu.cdrs[i].uid in v1 - v2) < \
        min(c.start_s for c in emu.cdrs if c.uid in v2 - v1)


@pytest.mark.parametrize("fmt", ["YYYY/MM/DD HH:mm:ss", "MM/DD/YYYY HH:mm:ss", "DD/MM/YYYY HH:mm:ss",
                                 "MM/DD/YYYY hh:mm:ss AM|PM", "YYYY/MM/DD hh:mm:ss AM|PM"])
def test_display_formats_for_queries_and_rows(fmt):
    with YeastarEmulator(calls=40, seed=9, now_ms=NOW_MS, time_format=fmt, timezone="America/New_York") as emu:
        pbx = Pbx(emu)
        tz = ZoneInfo("America/New_York")
        begin, end = NOW_MS // 1000 - 7 * 86400, NOW_MS // 1000 - 2 * 86400
        py = fmt.replace("YYYY", "%Y").replace("MM", "%m").replace("DD", "%d").replace("mm", "%M") \
            .replace("ss", "%S").replace("HH", "%H").replace("hh", "%I").replace("AM|PM", "%p")
        show = lambda s: datetime.fromtimestamp(s, tz).strftime(py)  # noqa: E731
        rows = pbx.all("v2.0/cdr/search", time_begin=show(begin), time_end=show(end))
        expected = {c.uid for c in emu.cdrs if c.in_v2 and begin <= c.start_s <= end}
        assert {r["uid"] for r in rows} == expected and expected
        for r in rows:  # the row time reads back, in the PBX's zone, as the call's instant
            assert int(datetime.strptime(r["time"], py).replace(tzinfo=tz).timestamp()) == \
                next(c.start_s for c in emu.cdrs if c.uid == r["uid"])
        v1 = pbx.all("v1.0/cdr/search", start_time=show(begin), end_time=show(end))
        assert all(begin <= r["timestamp"] <= end for r in v1)
        assert pbx.api("v2.0/cdr/search", time_begin="2026-11-01 00:00:00")["errcode"] == 40002
        info = pbx.api("v1.0/system/information")
        assert info["data"]["date_display_format"] == fmt
        pbx.http.close()


def test_paging(pbx):
    everything = pbx.all("v2.0/cdr/search")
    pages = [pbx.api("v2.0/cdr/search", page=p, page_size=7) for p in range(1, 20)]
    assert all(p["total_number"] == len(everything) for p in pages)
    assert [r["uid"] for p in pages for r in p["data"]] == [r["uid"] for r in everything]


# -- recordings ------------------------------------------------------------------------------------------
def test_recording_rows_and_sizes_equal_the_bytes_served(pbx):
    rows = pbx.all("v1.0/recording/list")
    fixture = json.loads((FIXTURES / "recording_list.json").read_text())["data"][0]
    assert rows
    for row in rows:
        assert value_types(row) == value_types(fixture)
        link = pbx.api("v1.0/recording/download", id=row["id"])
        assert set(link) == {"errcode", "errmsg", "file", "download_resource_url"} and link["file"] == row["file"]
        audio = pbx.fetch(link["download_resource_url"])
        assert audio.status_code == 200 and len(audio.content) == row["size"]
        with wave.open(io.BytesIO(audio.content)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert w.getnframes() == row["duration"] * 8000


def test_recording_search_by_unix_seconds_and_ids(emu, pbx):
    rows = pbx.all("v1.0/recording/list")
    mid = rows[len(rows) // 2]
    t = next(c.start_s for c in emu.cdrs if c.uid == mid["uid"])
    found = pbx.all("v1.0/recording/search", start_time=str(t), end_time=str(t))
    assert mid["id"] in [r["id"] for r in found]
    picked = pbx.all("v1.0/recording/search", ids=f"{rows[0]['id']},{rows[1]['id']}")
    assert [r["id"] for r in picked] == [rows[0]["id"], rows[1]["id"]]
    by_file = pbx.api("v1.0/recording/download", file=rows[0]["file"])
    assert by_file["errcode"] == 0


def test_file_names_that_clients_must_sanitise(pbx):
    names = [r["file"] for r in pbx.all("v1.0/recording/list")]
    assert any("[" in n and "]" in n for n in names)
    assert any("../" in n for n in names)
    assert all(n.startswith(("2", "../")) for n in names)


def test_range_on_a_recording_and_expired_links(emu, pbx):
    row = pbx.all("v1.0/recording/list")[0]
    url = pbx.api("v1.0/recording/download", id=row["id"])["download_resource_url"]
    part = pbx.fetch(url, Range="bytes=100-")
    assert part.status_code == 206 and len(part.content) == row["size"] - 100
    emu.add_fault("expired-url")
    gone = pbx.fetch(url)
    assert gone.status_code == 404 and gone.json()["errcode"] == 60001
    assert pbx.fetch(url).status_code == 200
    assert pbx.fetch("/api/download/Recording-unknown.wav").status_code == 404


def test_mp3_sizes_match_and_only_one_download_at_a_time():
    with YeastarEmulator(calls=12, seed=5, now_ms=NOW_MS, recording_format="mp3") as emu:
        pbx = Pbx(emu)
        rows = pbx.all("v1.0/recording/list")
        assert rows and all(r["file"].endswith(".mp3") for r in rows)
        first = pbx.fetch(pbx.api("v1.0/recording/download", id=rows[0]["id"])["download_resource_url"])
        assert first.headers["content-type"] == "audio/mpeg" and len(first.content) == rows[0]["size"]
        assert first.content[0] == 0xFF and first.content[1] & 0xE0 == 0xE0  # an MPEG frame sync
        emu.add_fault("slow:seconds=1,stage=body,path=/api/download")
        urls = [pbx.api("v1.0/recording/download", id=r["id"])["download_resource_url"] for r in rows[:2]]
        results: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: results.append(pbx.fetch(urls[0])))
        slow.start()
        while emu.faults.fired("slow") == 0:
            threading.Event().wait(0.01)
        second = pbx.fetch(urls[1])
        slow.join()
        assert second.json() == {"errcode": 70082, "errmsg": "OVERLOAD_TASK_RUNNING"}
        assert len(results[0].content) == rows[0]["size"]
        assert emu.max_concurrent_mp3 == 2  # what the clients tried, so a test can see it
        pbx.http.close()


# -- AI transcripts ------------------------------------------------------------------------------------------
def test_aidownload_legs_have_exactly_the_seed_keys_and_types():
    seed = json.loads((FIXTURES / "aidownload_seed.json").read_text())[0]
    with YeastarEmulator(calls=200, seed=1, now_ms=NOW_MS) as emu:
        pbx = Pbx(emu)
        legs = pbx.legs()
        assert legs
        for leg in legs:
            assert value_types(leg) == value_types(seed)
            for item in leg["ai_transcription"]:
                assert value_types(item) == value_types(seed["ai_transcription"][0])
        per_call: dict[str, int] = {}
        for leg in legs:
            per_call[leg["uid"]] = per_call.get(leg["uid"], 0) + 1
        assert 2 in per_call.values() and 1 in per_call.values()  # transfers make two legs
        answered = {r["uid"] for r in pbx.all("v2.0/cdr/search", last_status="ANSWERED")}
        recorded = {r["uid"] for r in pbx.all("v1.0/recording/list")}
        assert answered - set(per_call), "some answered calls have no transcript"
        assert answered - recorded, "some answered calls have no recording"
        inbound = pbx.legs(call_type="Inbound")
        assert inbound and all(leg["call_type"] == "Inbound" for leg in inbound)
        pbx.http.close()


def rms(samples: array, start_ms: int, end_ms: int) -> float:
    part = samples[start_ms * 8 : end_ms * 8]
    return (sum(s * s for s in part) / max(1, len(part))) ** 0.5


def test_transcript_timestamps_line_up_with_the_speech_in_the_recording(emu, pbx):
    tz = ZoneInfo(emu.timezone)
    recordings = {r["uid"]: r for r in pbx.all("v1.0/recording/list")}
    legs = pbx.legs()
    checked = 0
    for uid in sorted({leg["uid"] for leg in legs})[:4]:
        rec = recordings[uid]
        # As a client does: the recording starts at the time in its file name (PBX-local).
        stamp = PurePosixPath(rec["file"]).name[:14]
        rec_start = int(datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=tz).timestamp() * 1000)
        audio = pbx.fetch(pbx.api("v1.0/recording/download", id=rec["id"])["download_resource_url"]).content
        with wave.open(io.BytesIO(audio)) as w:
            samples = array("h", w.readframes(w.getnframes()))
        items = sorted((i for leg in legs if leg["uid"] == uid for i in leg["ai_transcription"]),
                       key=lambda i: i["timestamp"])
        for item in items:
            offset = item["timestamp"] - rec_start
            assert offset >= 0 and offset + item["duration"] * 1000 <= rec["duration"] * 1000
            speech = rms(samples, offset, offset + 800)
            gap = rms(samples, offset - 250, offset - 20)  # turns are at least 300 ms apart
            assert speech > 500 and speech > 20 * (gap + 1), (item["content"], speech, gap)
            checked += 1
    assert checked >= 4


# -- determinism, scale, CLI entry ---------------------------------------------------------------------------
def snapshot(emu: YeastarEmulator):
    pbx = Pbx(emu)
    legs = [{k: v for k, v in leg.items()} for leg in pbx.legs()]
    out = (pbx.all("v1.0/cdr/search"), pbx.all("v2.0/cdr/search"), pbx.all("v1.0/recording/list"), legs)
    pbx.http.close()
    return out


def test_same_seed_same_calls_other_seed_other_calls():
    with YeastarEmulator(calls=50, seed=42, now_ms=NOW_MS) as a, YeastarEmulator(calls=50, seed=42, now_ms=NOW_MS) as b:
        first = snapshot(a)
        assert first == snapshot(b)
        assert a.client_secret == b.client_secret
    with YeastarEmulator(calls=50, seed=43, now_ms=NOW_MS) as c:
        assert snapshot(c)[1] != first[1]


def test_twenty_thousand_calls_start_and_page():
    with YeastarEmulator(calls=20_000, seed=1, now_ms=NOW_MS) as emu:
        pbx = Pbx(emu)
        first = pbx.api("v2.0/cdr/search", page=1, page_size=10000)
        second = pbx.api("v2.0/cdr/search", page=2, page_size=10000)
        v1 = pbx.api("v1.0/cdr/search", page=1, page_size=10)
        assert first["total_number"] == len([c for c in emu.cdrs if c.in_v2]) > 10000
        assert len(first["data"]) == 10000 and second["data"]
        assert v1["total_number"] == len([c for c in emu.cdrs if c.in_v1])
        spread = NOW_MS // 1000 - emu.cdrs[0].start_s
        assert 13 * 86400 < spread <= 14 * 86400 + 60
        pbx.http.close()


def test_start_emulators_describes_what_the_cli_prints():
    assert EMULATORS["yeastar"] is YeastarEmulator
    servers = start_emulators(["yeastar"], 5, ["5xx:times=1,path=system"])
    try:
        info = servers[0].describe()
        assert info["provider"] == "yeastar" and info["base_url"].startswith("http://127.0.0.1:")
        assert set(info["settings"]) == {"base_url", "client_id", "time_format", "timezone"}
        assert set(info["secrets"]) == {"client_secret"}
        assert json.loads(json.dumps(info)) == info
        assert len(servers[0].cdrs) == 5 and servers[0].faults.faults[0].kind == "5xx"
    finally:
        for s in servers:
            s.stop()
    with pytest.raises(ValueError, match="no emulator"):
        start_emulators(["nope"], 5, [])
