"""Garbage collection is off only while a window starts (recbrowser/startup.py): a command runs
with it on, and the window's `collector_on(freeze=True)` keeps start-up's objects out of it."""

from __future__ import annotations

import gc

import pytest

from recbrowser.startup import collector_off, collector_on


@pytest.fixture
def collector_restored():
    yield
    gc.unfreeze()
    gc.enable()


def test_a_command_runs_with_the_collector_on_although_the_entry_point_switched_it_off(
        monkeypatch, data_dir, collector_restored):
    import recbrowser.cli.calls
    from recbrowser.cli import main

    seen = []
    monkeypatch.setattr(recbrowser.cli.calls, "cmd_calls", lambda *_a: seen.append(gc.isenabled()) or 0)
    collector_off()  # as recbrowser/__main__.py does
    assert main(["--data-dir", str(data_dir.root), "calls"]) == 0
    assert seen == [True]


def test_the_complete_window_freezes_what_start_up_made_and_collects_again(collector_restored):
    collector_off()
    made_at_start_up = [[] for _ in range(1000)]
    collector_on(freeze=True)
    assert gc.isenabled() and gc.get_freeze_count() >= len(made_at_start_up)
