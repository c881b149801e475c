"""`recbrowser report`: the CSV's numbers are those of `calls --json` for the same filter; the
HTML page is self-contained; the PNG is drawn by QtCharts offscreen."""

from __future__ import annotations

import csv
import io
import json
import struct
from collections import Counter
from datetime import UTC, datetime

import pytest
from support.cli_helpers import run, set_args

from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.http import set_host_rate
from recbrowser.providers.wildix import WildixProvider

# The duration bins, as a supervisor reads them (store/figures.py DURATION_BINS).
BINS = [("under 30 s", 30_000), ("30 s - 1 min", 60_000), ("1 - 2 min", 120_000), ("2 - 5 min", 300_000),
        ("5 - 10 min", 600_000), ("10 - 30 min", 1_800_000), ("30 min or more", None)]


@pytest.fixture(scope="module")
def wildix():
    emu = WildixEmulator(calls=16, seed=9, showcase=True)
    emu.start()
    # Loopback emulators: no need to spare them like a real PBX (as the demo does).
    for url in (emu.base_url, emu.pbx.base_url, emu.storage.base_url):
        set_host_rate(url.split("://", 1)[1].rstrip("/"), None)
    yield emu
    emu.stop()


@pytest.fixture
def synced(capsys, monkeypatch, data_dir, wildix):
    # Transcripts still being made are asked for once, not waited for (7 s each): none of these tests needs them.
    monkeypatch.setattr(WildixProvider, "transcript_retry_delays", ())
    for name in ("north", "south"):
        code, _, err = run(capsys, "accounts", "add", "wildix", "--name", name, *set_args(wildix.account_settings()),
                           "--secrets-stdin", stdin=json.dumps(wildix.secrets()), monkeypatch=monkeypatch)
        assert code == 0, err
    code, _, err = run(capsys, "sync", "--since", "2000-01-01")
    assert code == 0, err


def calls_json(capsys, *args) -> list[dict]:
    code, out, err = run(capsys, "calls", "--json", "--limit", "100000", *args)
    assert code == 0, err
    return json.loads(out)["calls"]


def csv_rows(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def bin_of(duration_ms: int | None) -> str:
    if duration_ms is None:
        return "unknown"
    return next(label for label, high in BINS if high is None or duration_ms < high)


@pytest.mark.parametrize("filters", [[], ["--account", "south"], ["--since", "SINCE", "--until", "UNTIL"]])
def test_the_csv_counts_the_calls_that_calls_json_lists(synced, capsys, tmp_path, wildix, filters):
    week = wildix.now_ms - 7 * 86_400_000
    iso = {"SINCE": datetime.fromtimestamp(week / 1000, UTC).isoformat(), "UNTIL": datetime.fromtimestamp(
        (wildix.now_ms - 3600_000) / 1000, UTC).isoformat()}
    filters = [iso.get(a, a) for a in filters]
    listed = calls_json(capsys, *filters)
    code, out, err = run(capsys, "report", *filters, "--to", str(tmp_path / "r.csv"))
    assert code == 0, err
    assert out == f"{len(listed):,} calls in the report: {tmp_path / 'r.csv'}\n"
    rows = csv_rows(tmp_path / "r.csv")
    table = lambda name: [r for r in rows if r["table"] == name]  # noqa: E731

    assert table("total")[0]["calls"] == str(len(listed)) and len(listed) > 0
    per_day = Counter((c["start"][:10], c["account"], c["status"]) for c in listed)
    assert {(r["day"], r["account"], r["status"]): int(r["calls"]) for r in table("calls_per_day")} == per_day
    unanswered = sum(1 for c in listed if c["status"] in ("missed", "abandoned"))
    [missed] = table("missed_or_abandoned")
    assert int(missed["calls"]) == unanswered and float(missed["share"]) == round(unanswered / len(listed), 4)
    assert {r["agent"]: int(r["calls"]) for r in table("agent")} == Counter(c["agent"] for c in listed)
    durations = Counter(bin_of(c["duration_ms"]) for c in listed)
    assert {r["duration"]: int(r["calls"]) for r in table("duration") if int(r["calls"])} == durations


def test_per_agent_figures_average_the_calls_figures(synced, capsys, tmp_path):
    listed = calls_json(capsys, "--account", "north")
    run(capsys, "report", "--account", "north", "--to", str(tmp_path / "r.csv"))
    agents = {r["agent"]: r for r in csv_rows(tmp_path / "r.csv") if r["table"] == "agent"}
    anna = [c for c in listed if c["agent"] == "Anna Schmidt <201>" or c["agent"].startswith("Anna Schmidt")]
    assert anna
    row = agents[anna[0]["agent"]]
    shares = [c["conversation"]["silence_share"] for c in listed if c["agent"] == anna[0]["agent"] and c["conversation"]]
    assert float(row["silence_share"]) == pytest.approx(sum(shares) / len(shares), abs=1e-4)
    # The scripted long silence (52 % of its call) is in Anna's average.
    assert round(15049 / 29000, 4) in shares


def test_the_html_report_is_one_self_contained_page(synced, capsys, tmp_path):
    code, _, err = run(capsys, "report", "--account", "north", "--to", str(tmp_path / "r.html"))
    assert code == 0, err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<h2>Per agent</h2>" in page and "Calls of north" in page


def test_the_png_report_is_drawn(synced, capsys, tmp_path):
    code, _, err = run(capsys, "report", "--to", str(tmp_path / "r.png"))
    assert code == 0, err
    data = (tmp_path / "r.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 900)


def test_a_file_of_another_kind_is_a_usage_error_and_nothing_is_written(data_dir, capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run(capsys, "report", "--to", str(out / "r.pdf"))
    assert code == 2 and err == f"recbrowser: --to {out / 'r.pdf'}: name a .csv, .html or .png file.\n"
    assert list(out.iterdir()) == []
