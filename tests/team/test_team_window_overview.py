"""View > Overview on a team archive: a supervisor's window shows the calls per day, per agent
and per duration that `recbrowser --team NAME calls --json` lists for them (row-level security:
only granted accounts), read from PostgreSQL's aggregates (schema v3), not refused."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from collections import Counter

import pytest
from support.cli_helpers import run
from support.serve_helpers import all_served, serve_once
from support.window_helpers import WAIT, no_message_boxes, open_window

from recbrowser.store import open_store
from recbrowser.team.opener import use_team
from recbrowser.ui.window.actions import ActionId

pytestmark = pytest.mark.no_qt_log  # a whole window, as in tests/ui


def test_the_overview_on_a_team_archive_counts_what_calls_json_lists_for_the_supervisor(
        archive_over, data_dir, pg_url, tmp_path, qtbot, capsys, monkeypatch):
    from recbrowser.emulators import start_emulators

    archive = archive_over(start_emulators(["yeastar", "wildix"], 12, []))
    serve_once(data_dir, archive, tmp_path / "serve.log")
    assert all_served(pg_url)
    code, out, err = run(capsys, "--team", archive.desk_profile, "calls", "--json", "--limit", "1000",
                         monkeypatch=monkeypatch)
    assert code == 0, err
    every = json.loads(out)["calls"]
    assert len(every) >= 12

    dd = use_team(data_dir, archive.desk_profile)
    store = open_store(dd.database)
    try:
        window = open_window(qtbot, dd, store)
        qtbot.waitUntil(lambda: window.complete, timeout=WAIT)
        with qtbot.waitSignal(window.overview.shown, timeout=WAIT):
            window.actions[ActionId.OVERVIEW].trigger()
        panel = window.overview.panel
        assert panel.day_counts() == Counter((c["start"][:10], c["status"]) for c in every)
        assert panel.agent_rows() == Counter(c["agent"] for c in every)
        assert f"{len(every):,} calls in view" in panel.summary.text()
        assert no_message_boxes()
        window.close()
    finally:
        store.close()
