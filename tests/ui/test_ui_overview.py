"""View > Overview: its numbers are those `recbrowser calls --json` lists for the same filter; a
bar or an agent clicked lists exactly those calls (and the filter bar shows how to undo it); it
recomputes in a worker when a filter changes."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QToolButton
from support.cli_helpers import run, set_args
from support.window_helpers import WAIT, open_window

from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.http import set_host_rate
from recbrowser.providers.wildix import WildixProvider
from recbrowser.ui.window.actions import ActionId

# store/figures.py DURATION_BINS, as a supervisor reads them: label -> (from, under) in ms.
BINS = {"under 30 s": (None, 30_000), "30 s - 1 min": (30_000, 60_000), "1 - 2 min": (60_000, 120_000),
        "2 - 5 min": (120_000, 300_000), "5 - 10 min": (300_000, 600_000), "10 - 30 min": (600_000, 1_800_000),
        "30 min or more": (1_800_000, None)}


@pytest.fixture(scope="module")
def wildix():
    emu = WildixEmulator(calls=16, seed=9, showcase=True)
    emu.start()
    for url in (emu.base_url, emu.pbx.base_url, emu.storage.base_url):
        set_host_rate(url.split("://", 1)[1].rstrip("/"), None)
    yield emu
    emu.stop()


_SYNCED: dict[str, Path] = {}


@pytest.fixture
def synced(capsys, monkeypatch, data_dir, wildix, tmp_path_factory):
    """Two accounts of the Wildix emulator synced into the real cache by the command line (once:
    later tests start from a copy of that cache)."""
    if "cache" in _SYNCED:
        with sqlite3.connect(_SYNCED["cache"]) as source, sqlite3.connect(data_dir.database) as target:
            source.backup(target)
        return
    monkeypatch.setattr(WildixProvider, "transcript_retry_delays", ())
    for name in ("north", "south"):
        code, _, err = run(capsys, "accounts", "add", "wildix", "--name", name, *set_args(wildix.account_settings()),
                           "--secrets-stdin", stdin=json.dumps(wildix.secrets()), monkeypatch=monkeypatch)
        assert code == 0, err
    code, _, err = run(capsys, "sync", "--since", "2000-01-01")
    assert code == 0, err
    _SYNCED["cache"] = tmp_path_factory.mktemp("overview") / "cache.sqlite"
    with sqlite3.connect(data_dir.database) as source, sqlite3.connect(_SYNCED["cache"]) as target:
        source.backup(target)


def calls_json(capsys, *args) -> list[dict]:
    code, out, err = run(capsys, "calls", "--json", "--limit", "100000", *args)
    assert code == 0, err
    return json.loads(out)["calls"]


def in_bin(duration_ms: int | None, label: str) -> bool:
    low, high = BINS[label]
    return duration_ms is not None and (low is None or duration_ms >= low) and (high is None or duration_ms < high)


def show_overview(qtbot, window):
    qtbot.waitUntil(lambda: window.complete, timeout=WAIT)
    with qtbot.waitSignal(window.overview.shown, timeout=WAIT):
        window.actions[ActionId.OVERVIEW].trigger()
    return window.overview.panel


def listed(qtbot, window) -> set[str]:
    """The refs of every call the list shows once it has applied the filter bar's filters."""
    model = window.model
    wanted = window.filter_bar.current()
    qtbot.waitUntil(lambda: replace(model.call_filter, sort=wanted.sort, descending=wanted.descending) == wanted, timeout=WAIT)
    for i in range(model.rowCount()):
        model.row(i)  # ask for every block
    qtbot.waitUntil(lambda: all(model.row(i) is not None for i in range(model.rowCount())), timeout=WAIT)
    return {model.row(i).ref for i in range(model.rowCount())}


def click_bar(qtbot, view, set_index: int, category: int) -> None:
    """Click the middle of one segment of a (stacked) bar, where the chart drew it."""
    chart = view.chart()
    series = chart.series()[0]
    sets = series.barSets()
    below = sum(s.at(category) for s in sets[:set_index]) if series.type() == series.SeriesType.SeriesTypeStackedBar else 0
    scene = chart.mapToPosition(QPointF(category, below + sets[set_index].at(category) / 2), series)
    point = view.mapFromScene(chart.mapToScene(scene))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x(), point.y()))


def test_the_overview_counts_what_calls_json_lists(synced, qtbot, capsys, data_dir, store):
    every = calls_json(capsys)
    window = open_window(qtbot, data_dir, store)
    panel = show_overview(qtbot, window)

    assert panel.day_counts() == Counter((c["start"][:10], c["status"]) for c in every) and len(every) > 10
    assert panel.agent_rows() == Counter(c["agent"] for c in every)
    durations = {label: sum(in_bin(c["duration_ms"], label) for c in every) for label in BINS}
    assert {k: v for k, v in panel.duration_counts().items() if k in BINS} == durations
    missed = sum(c["status"] in ("missed", "abandoned") for c in every)
    assert f"{len(every):,} calls in view · missed or abandoned: {missed:,}" in panel.summary.text()

    panel.stack_by.setCurrentIndex(panel.stack_by.findData("account"))
    assert panel.day_counts() == Counter((c["start"][:10], c["account"]) for c in every)


def test_clicking_a_day_bar_lists_exactly_its_calls_until_the_filter_is_removed(synced, qtbot, capsys, data_dir, store):
    every = calls_json(capsys)
    window = open_window(qtbot, data_dir, store)
    panel = show_overview(qtbot, window)
    assert listed(qtbot, window) == {c["ref"] for c in every}
    # The busiest day's answered segment.
    sets = panel.days_view.chart().series()[0].barSets()
    answered = next(i for i, s in enumerate(sets) if s.label() == "answered")
    index = max(range(len(panel.days)), key=lambda i: sets[answered].at(i))
    day = panel.days[index]

    click_bar(qtbot, panel.days_view, answered, index)

    those = {c["ref"] for c in every if c["start"][:10] == day and c["status"] == "answered"}
    assert len(those) > 1 and listed(qtbot, window) == those
    assert window.filter_bar.status.currentData() == "answered"
    assert window.filter_bar.picks() == {"day": f"{day} (UTC)  ✕"}
    # The overview follows the list's new filter.
    qtbot.waitUntil(lambda: panel.report.calls == len(those), timeout=WAIT)

    qtbot.mouseClick(window.filter_bar.findChild(QToolButton, "pick_day"), Qt.MouseButton.LeftButton)
    window.filter_bar.status.setCurrentIndex(0)
    assert window.filter_bar.picks() == {} and listed(qtbot, window) == {c["ref"] for c in every}


def test_clicking_an_agent_or_a_duration_lists_exactly_their_calls(synced, qtbot, capsys, data_dir, store):
    every = calls_json(capsys)
    window = open_window(qtbot, data_dir, store)
    panel = show_overview(qtbot, window)
    table = panel.agents
    row = next(r for r in range(table.model().rowCount()) if table.agent_at(r))
    agent = table.agent_at(row)

    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(table.model().index(row, 0)).center())

    theirs = {c["ref"] for c in every if c["agent"] == agent}
    assert len(theirs) > 1 and listed(qtbot, window) == theirs
    assert window.filter_bar.picks() == {"agent": f"Agent: {agent}  ✕"}

    window.filter_bar.drop_pick("agent")
    qtbot.waitUntil(lambda: panel.report.calls == len(every), timeout=WAIT)
    labels = list(panel.duration_counts())
    busiest = max((i for i, label in enumerate(labels) if label in BINS), key=lambda i: panel.duration_counts()[labels[i]])

    click_bar(qtbot, panel.durations_view, 0, busiest)

    binned = {c["ref"] for c in every if in_bin(c["duration_ms"], labels[busiest])}
    assert len(binned) > 1 and listed(qtbot, window) == binned
    assert list(window.filter_bar.picks()) == ["duration"]


def test_the_overview_recomputes_in_a_worker_when_a_filter_changes(synced, qtbot, capsys, data_dir, store):
    south = calls_json(capsys, "--account", "south")
    window = open_window(qtbot, data_dir, store)
    panel = show_overview(qtbot, window)
    threads: list[int] = []
    window.overview.computing.connect(threads.append)

    with qtbot.waitSignal(window.overview.shown, timeout=WAIT) as shown:
        window.filter_bar.account.setCurrentIndex(window.filter_bar.account.findData("south"))

    assert shown.args[0].calls == len(south) and panel.agent_rows() == Counter(c["agent"] for c in south)
    assert threads and threading.main_thread().ident not in threads

    # Hidden, it waits; shown again, it reads the filter set meanwhile.
    window.actions[ActionId.OVERVIEW].trigger()
    assert not window.overview.dock.isVisible()
    window.filter_bar.account.setCurrentIndex(0)
    with qtbot.waitSignal(window.overview.shown, timeout=WAIT) as shown:
        window.actions[ActionId.OVERVIEW].trigger()
    assert shown.args[0].calls == len(calls_json(capsys)) and threading.main_thread().ident not in threads


def test_a_report_overtaken_by_a_newer_filter_is_never_shown(synced, qtbot, capsys, data_dir, store):
    missed, answered = calls_json(capsys, "--status", "missed"), calls_json(capsys, "--status", "answered")
    window = open_window(qtbot, data_dir, store)
    panel = show_overview(qtbot, window)
    shown: list[int] = []
    window.overview.daysShown.connect(lambda r: shown.append(r.calls))
    window.overview.shown.connect(lambda r: shown.append(r.calls))
    status = window.filter_bar.status

    status.setCurrentIndex(status.findData("missed"))  # being read when the next filter comes
    with qtbot.waitSignal(window.overview.shown, timeout=WAIT,
                          check_params_cb=lambda r: r.calls == len(answered)):
        status.setCurrentIndex(status.findData("answered"))

    assert len(missed) != len(answered) and set(shown) == {len(answered)}
    assert panel.summary.text().startswith(f"{len(answered):,} calls in view")
