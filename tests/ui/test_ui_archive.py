"""Archive before expiry from the window, against a real Bandwidth emulator and a real cache:
the reminder after a sync, the File menu action, Cancel, and a rejected secret.

The emulator's recordings expire 16-29 days out, so these tests look 20 days ahead.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from support.bandwidth_helpers import DAY_MS, add_account, fresh_bandwidth_tokens  # noqa: F401  (fixture)
from support.modal_helpers import Answerer
from support.window_helpers import WAIT, no_message_boxes, open_window

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.providers.bandwidth import forget_tokens
from recbrowser.providers.bandwidth_map import RETENTION_MS
from recbrowser.services.archive import plan
from recbrowser.store import CallFilter
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.jobs.archive_dialog import DAYS_KEY, ArchiveDialog
from recbrowser.ui.window.main_window import MainWindow

WITHIN = 20


@pytest.fixture
def bandwidth():
    emu = BandwidthEmulator(calls=30, seed=8)
    emu.start()
    yield emu
    emu.stop()


def expiring_ids(emu, within_days: float) -> set[str]:
    until = emu.now_ms + within_days * DAY_MS
    return {r.recording_id for r in emu.recordings
            if not r.media_deleted and emu.now_ms < r.start_ms + RETENTION_MS <= until}


def synced_window(qtbot, data_dir, store, emu, secrets=None):
    add_account(store, emu)
    window = open_window(qtbot, data_dir, store, {"bw": secrets or emu.secrets()})
    window.archive.reminder_days = WITHIN
    seen: list = []
    window.archive.reminder.connect(seen.append)
    # How many counts had arrived when the sync finished: the one asked at start-up, on an empty
    # cache, can arrive late on a busy machine; it is the count asked after the sync that matters.
    at_finish: list[int] = []
    window.sync.finished.connect(lambda _results: at_finish.append(len(seen)))
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync(["bw"], since_ms=emu.now_ms - 20 * DAY_MS)
    qtbot.waitUntil(lambda: len(seen) > at_finish[0], timeout=WAIT)
    total = store.count_calls(CallFilter())
    qtbot.waitUntil(lambda: window.model.rowCount() == total, timeout=WAIT)  # recounted in a worker
    return window, seen[-1]


def audio_of(window) -> dict[str, str]:
    rows = (window.model.row(r) for r in range(window.model.rowCount()))
    return {r.ref: ("downloaded" if r.downloaded else "at provider") for r in rows if r is not None}


def test_the_reminder_counts_what_expires_after_a_sync(qtbot, data_dir, store, bandwidth):
    want = expiring_ids(bandwidth, WITHIN)
    assert want and want != {r.recording_id for r in bandwidth.recordings}
    window, found = synced_window(qtbot, data_dir, store, bandwidth)
    assert found.recordings == len(want)
    reminder = window.status.expiring
    assert reminder.isVisible()
    assert f"{len(want)} recordings expire within {WITHIN} days" in reminder.text() and "Archive them" in reminder.text()
    # Nothing expires within a week in this emulator: the default reminder stays quiet.
    window.archive.reminder_days = 7
    with qtbot.waitSignal(window.archive.reminder, timeout=WAIT):
        window.archive.check_reminder()
    assert not reminder.isVisible()
    assert no_message_boxes()


def test_the_action_archives_them_and_the_list_says_downloaded(qtbot, data_dir, store, bandwidth):
    window, _ = synced_window(qtbot, data_dir, store, bandwidth)
    planned = sorted({f"{i.account}/{i.call_id}" for i in plan(store, WITHIN)})
    assert planned and all(audio_of(window)[ref] == "at provider" for ref in planned)
    shown: list[str] = []

    def archive_20_days(dialog: ArchiveDialog) -> None:
        dialog.days.setValue(WITHIN)
        qtbot.waitUntil(dialog.archive_button.isEnabled, timeout=WAIT)
        shown.append(dialog.summary.text())
        dialog.archive_button.click()

    answer = Answerer(ArchiveDialog, archive_20_days)
    try:
        with qtbot.waitSignal(window.archive.finished, timeout=60_000) as done:
            window.status.expiring.linkActivated.emit("archive")  # the reminder's link opens the same dialog
    finally:
        answer.stop()
    assert f"{len(expiring_ids(bandwidth, WITHIN))} recordings expire within {WITHIN} days" in shown[0]
    assert f"({len(planned)} calls)" in shown[0]  # Bandwidth lists no sizes: no MB is guessed
    summary = done.args[0]
    assert sorted(summary.archived) == planned and not summary.failed
    assert window.status.text.text() == summary.sentence() and window.status.text.text().startswith(f"Archived {len(planned)} calls")
    qtbot.waitUntil(lambda: all(audio_of(window)[ref] == "downloaded" for ref in planned), timeout=WAIT)
    qtbot.waitUntil(lambda: not window.status.expiring.isVisible(), timeout=WAIT)  # nothing left to remind of
    assert window.settings.value(DAYS_KEY) in (WITHIN, str(WITHIN))  # the next dialog opens at 20 days
    assert not window.status.archive.running and not window.status.archive.cancel.isVisible()


def test_cancel_stops_the_archive(qtbot, data_dir, store, bandwidth):
    window, found = synced_window(qtbot, data_dir, store, bandwidth)
    planned = len({(i.account, i.call_id) for i in plan(store, WITHIN)})
    assert planned > 2
    # Cancel as a user would, from the status bar, once the first call is in.
    window.archive.progress.connect(lambda _p: window.status.archive.cancel.isVisible() and window.status.archive.cancel.click())
    with qtbot.waitSignal(window.archive.finished, timeout=60_000) as done:
        window.archive.archive(WITHIN, ["bw"])
    summary = done.args[0]
    assert summary.stopped == "cancelled" and 1 <= len(summary.archived) < planned
    assert "stopped: cancelled" in window.status.text.text()
    left = {(i.account, i.call_id) for i in plan(store, WITHIN)}
    assert len(left) == planned - len(summary.archived)  # the rest is still to do, nothing half-kept
    qtbot.waitUntil(lambda: f"{len(plan(store, WITHIN))} recordings" in window.status.expiring.text(), timeout=WAIT)


def test_a_rejected_secret_is_one_sentence(qtbot, data_dir, store, bandwidth):
    window, _ = synced_window(qtbot, data_dir, store, bandwidth)
    forget_tokens()
    bandwidth.client_secret = "rotated-at-bandwidth"
    window.demo_secrets["bw"] = {**bandwidth.secrets(), "client_secret": "old-secret-value"}
    with qtbot.waitSignal(window.archive.finished, timeout=60_000) as done:
        window.archive.archive(WITHIN, ["bw"])
    assert not done.args[0].archived
    text = window.status.text.text()
    assert text.startswith("Archived 0 calls") and "failed:" in text
    assert "rejected" in text.lower() or "invalid" in text.lower()
    assert "old-secret-value" not in text and text.count(". ") <= 1
    assert window.status.expiring.isVisible()  # still to do
    assert no_message_boxes()


def test_at_start_up_the_reminder_looks_a_week_ahead(qtbot, data_dir, store):
    import time

    from support.bandwidth_helpers import sync

    # Calls made 20 to 34 days ago: some recordings are gone, some go within the week, some later.
    emu = BandwidthEmulator(calls=30, seed=8, now_ms=int(time.time() * 1000) - 20 * DAY_MS)
    emu.start()
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
    finally:
        emu.stop()
    week = plan(store, 7)
    assert week and len(week) < len(plan(store, 30))
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.status.expiring.isVisible, timeout=WAIT)  # counted in a worker, no dialog
    assert window.status.expiring.text().startswith(f"{len(week)} recordings expire within 7 days")
    assert no_message_boxes()
