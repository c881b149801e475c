"""Bandwidth's per-call actions from the window, against the real emulator: Request
Transcription, Delete Recording at Provider (confirmed and cancelled), and none for Voki."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtWidgets import QMessageBox
from support.bandwidth_helpers import add_account, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401
from support.modal_helpers import Answerer
from support.voki_helpers import fresh_voki_tokens  # noqa: F401

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.services.downloads import download_call
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.jobs.provider_actions import CALL_ACTIONS, offers
from recbrowser.ui.window.main_window import MainWindow

WAIT = 30_000


@pytest.fixture
def bandwidth(store):
    emu = BandwidthEmulator(calls=20, seed=5)
    emu.start()
    account = add_account(store, emu)
    assert sync(store, account, emu).ok
    yield emu, account
    emu.stop()


def open_window(qtbot, data_dir, store, secrets) -> MainWindow:
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets.update(secrets)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == store.count_calls(window.model.call_filter), timeout=WAIT)
    return window


def single(emu, **want):
    """A call with one recording, matching `want`."""
    calls: dict[str, list] = {}
    for r in emu.recordings:
        calls.setdefault(r.call_id, []).append(r)
    return next(rs[0] for rs in calls.values() if len(rs) == 1 and all(getattr(rs[0], k) == v for k, v in want.items()))


def select(qtbot, window, *call_ids: str) -> list:
    rows = [r for r in range(window.model.rowCount()) if window.model.row(r).provider_id in call_ids]
    window.table.clearSelection()
    window.table.selectRow(rows[0])
    for r in rows[1:]:
        window.table.selectionModel().select(window.model.index(r, 0), window.table.selectionModel().SelectionFlag.Select
                                             | window.table.selectionModel().SelectionFlag.Rows)
    return [window.model.row(r) for r in rows]


def run(qtbot, window, action_id: str) -> str:
    with qtbot.waitSignal(window.provider_actions.finished, timeout=WAIT) as done:
        window.actions[action_id].trigger()
    return done.args[0]


def deletes(emu) -> int:
    return sum(n for key, n in emu.counters.items() if key.startswith("DELETE"))


def test_request_transcription_reaches_the_emulator_and_the_call_shows_pending(qtbot, data_dir, store, bandwidth):
    emu, _account = bandwidth
    rec = single(emu, transcript=None)
    window = open_window(qtbot, data_dir, store, {"bw": emu.secrets()})
    [row] = select(qtbot, window, rec.call_id)
    assert row.transcript_status == "none" and window.actions["request_transcription"].isEnabled()
    message = run(qtbot, window, "request_transcription")
    assert "requested" in message and window.status.text.text() == message
    assert emu.by_id(rec.recording_id).transcript == "available"
    qtbot.waitUntil(lambda: any(window.model.row(r).provider_id == rec.call_id
                                and window.model.row(r).transcript_status == "pending"
                                for r in range(window.model.rowCount())), timeout=WAIT)
    assert store.get_call("bw", rec.call_id).transcript_status == "pending"


def test_delete_recording_confirmed_is_gone_at_the_emulator_and_the_local_file_stays(qtbot, data_dir, store, bandwidth):
    emu, account = bandwidth
    rec = single(emu, fmt="wav")
    provider = provider_for(account, emu)
    [local] = download_call(store, account, provider, store.get_call("bw", rec.call_id), data_dir.media)
    provider.close()
    window = open_window(qtbot, data_dir, store, {"bw": emu.secrets()})
    [row] = select(qtbot, window, rec.call_id)
    assert window.actions["delete_recording"].isEnabled()
    answerer = Answerer(QMessageBox, lambda box: next(b for b in box.buttons() if b.text().startswith("Delete at")).click(),
                        name="confirm_delete")
    message = run(qtbot, window, "delete_recording")
    answerer.stop()
    [asked] = answerer.texts
    assert row.from_number in asked and row.to_number in asked and "cannot be undone" in asked
    assert "downloaded stays on this computer" in asked
    assert emu.by_id(rec.recording_id) is None and deletes(emu) == 1
    assert "deleted" in message and "local copy" in message
    assert local.path.is_file() and store.media_for_call("bw", rec.call_id)
    qtbot.waitUntil(lambda: any(window.model.row(r).provider_id == rec.call_id and not window.model.row(r).has_audio
                                for r in range(window.model.rowCount())), timeout=WAIT)


def test_delete_cancelled_sends_nothing(qtbot, data_dir, store, bandwidth):
    emu, _account = bandwidth
    rec = single(emu, transcript="available")
    other = single(emu, transcript=None)
    window = open_window(qtbot, data_dir, store, {"bw": emu.secrets()})
    select(qtbot, window, rec.call_id, other.call_id)
    answerer = Answerer(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click(),
                        name="confirm_delete")
    for action_id in ("delete_transcription", "delete_recording"):
        window.actions[action_id].trigger()
    answerer.stop()
    assert len(answerer.texts) == 2 and "these 2 calls" in answerer.texts[0]
    assert "transcript already on this computer is kept" in answerer.texts[0]
    assert deletes(emu) == 0 and emu.by_id(rec.recording_id).transcript == "available"
    assert window.status.text.text() == "Nothing was deleted." and not window.provider_actions.busy


def test_only_providers_that_offer_an_action_get_it(qtbot, data_dir, store, bandwidth, monkeypatch):
    from support.voki_helpers import add_account as add_voki
    from support.voki_helpers import sync as sync_voki

    from recbrowser.emulators.voki import VokiEmulator

    assert [p for p in ("yeastar", "wildix", "bandwidth", "voki", "dialgen") if offers(p, "delete_recording")] == ["bandwidth"]
    emu, _account = bandwidth
    with VokiEmulator(calls=3, seed=2) as voki:
        assert sync_voki(store, add_voki(store, voki), voki).ok
        window = open_window(qtbot, data_dir, store, {"bw": emu.secrets(), "vk": voki.secrets()})
        voki_call = voki.calls[0].id
        select(qtbot, window, voki_call)
        assert not any(window.actions[a].isEnabled() for a in CALL_ACTIONS)
        select(qtbot, window, voki_call, single(emu).call_id)  # one Voki call in the selection is enough
        assert not any(window.actions[a].isEnabled() for a in CALL_ACTIONS)
        select(qtbot, window, single(emu).call_id)
        assert all(window.actions[a].isEnabled() for a in CALL_ACTIONS)
        assert not window.actions["add_dialgen_calls"].isEnabled()  # no Dialgen account
        from recbrowser.ui.jobs import provider_presenter

        monkeypatch.setattr(provider_presenter, "MAX_CALLS", 1)  # as a Ctrl+A over a big list
        select(qtbot, window, single(emu, transcript=None).call_id, single(emu, transcript="available").call_id)
        assert not any(window.actions[a].isEnabled() for a in CALL_ACTIONS)
        assert window.actions["delete_recording"].toolTip() == "Select at most 1 calls for this."


def test_delete_media_confirmed_names_the_call_and_keeps_the_local_copy(qtbot, data_dir, store, bandwidth):
    emu, account = bandwidth
    rec = single(emu, fmt="wav")
    provider = provider_for(account, emu)
    [local] = download_call(store, account, provider, store.get_call("bw", rec.call_id), data_dir.media)
    provider.close()
    before = local.path.read_bytes()
    window = open_window(qtbot, data_dir, store, {"bw": emu.secrets()})
    [row] = select(qtbot, window, rec.call_id)
    assert window.actions["delete_media"].isEnabled()
    assert window.actions["delete_media"] in window.menus["&Call"].actions()  # beside the other provider actions
    answerer = Answerer(QMessageBox, lambda box: next(b for b in box.buttons() if b.text().startswith("Delete at")).click(),
                        name="confirm_delete")
    message = run(qtbot, window, "delete_media")
    answerer.stop()
    [asked] = answerer.texts
    assert row.from_number in asked and row.to_number in asked  # names the call
    assert "deleted for good" in asked and "local copy stays" in asked
    # At Bandwidth: the media only; the recording's metadata is still listed.
    gone = emu.by_id(rec.recording_id)
    assert gone is not None and gone.media_deleted and deletes(emu) == 1
    assert message.startswith("The media of recording") and "local copy" in message
    assert window.status.text.text() == message
    assert local.path.read_bytes() == before and store.media_for_call("bw", rec.call_id)
    qtbot.waitUntil(lambda: any(window.model.row(r).provider_id == rec.call_id and not window.model.row(r).has_audio
                                for r in range(window.model.rowCount())), timeout=WAIT)


def test_delete_media_that_cannot_reach_bandwidth_says_so_in_one_sentence(qtbot, data_dir, store, bandwidth):
    emu, _account = bandwidth
    rec = single(emu, fmt="wav")
    window = open_window(qtbot, data_dir, store, {"bw": emu.secrets()})
    select(qtbot, window, rec.call_id)
    emu.stop()  # Bandwidth unreachable once the user has confirmed
    answerer = Answerer(QMessageBox, lambda box: next(b for b in box.buttons() if b.text().startswith("Delete at")).click(),
                        name="confirm_delete")
    message = run(qtbot, window, "delete_media")
    answerer.stop()
    assert message and "\n" not in message and "Traceback" not in message and message.endswith(".")
    assert window.status.text.text() == message
    assert store.get_call("bw", rec.call_id).has_audio  # nothing marked deleted
    assert not window.provider_actions.busy and window.actions["delete_media"].isEnabled()
