"""Calls with several recordings or legs, in the window: a sentence plays from its own
recording, the player says which recording and leg is playing, and one recording runs on
into the next. Synced from the Wildix and Yeastar emulators over loopback, real QMediaPlayer."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time

import pytest
from support.wildix_helpers import add_account as add_wildix
from support.wildix_helpers import sync as sync_wildix
from support.window_helpers import click_sentence
from support.yeastar_helpers import add_emulated_account as add_yeastar
from support.yeastar_helpers import sync as sync_yeastar

from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.emulators.yeastar import YeastarEmulator
from recbrowser.providers.yeastar import forget_tokens
from recbrowser.ui.common.settings import open_settings

WAIT = 15_000
DAY = 86_400_000


def open_window(qtbot, data_dir, store, account: str, secrets: dict[str, str], call_id: str):
    from recbrowser.ui.window.main_window import MainWindow

    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets[account] = secrets
    qtbot.addWidget(window)
    window.resize(1300, 850)
    window.show()
    qtbot.waitExposed(window)
    window.open_call(account, call_id)
    pane = window.call_pane
    qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == call_id, timeout=WAIT)
    return window, pane


def cached_path(store, account: str, call_id: str, recording_id: str):
    return next(m.path for m in store.media_for_call(account, call_id) if m.recording_provider_id == recording_id)


@pytest.fixture
def wildix_two_flows(store):
    emu = WildixEmulator(calls=30, seed=4)
    emu.start()
    try:
        account = add_wildix(store, emu)
        assert sync_wildix(store, account, emu, since_ms=emu.now_ms - 20 * DAY).ok
        two = next(c for c in emu.calls if len(c.flows) == 2 and all(f.rec_file for f in c.flows)
                   and all(f.transcription == "AVAILABLE" for f in c.flows))
        yield emu, two
    finally:
        emu.stop()


def test_a_sentence_of_the_second_wildix_flow_plays_from_the_second_recording(qtbot, data_dir, store, wildix_two_flows):
    emu, emu_call = wildix_two_flows
    window, pane = open_window(qtbot, data_dir, store, "wx", emu.secrets(), emu_call.id)
    call = pane.call
    assert len(call.recordings) == 2
    second = call.recordings[1]
    # A sentence well inside the second flow: its offset counts from that flow's recording.
    index, segment = next((i, s) for i, s in enumerate(call.segments)
                          if s.leg == second.leg and s.start_ms is not None and s.start_ms > 1000)
    click_sentence(qtbot, pane.transcript, index)
    qtbot.waitUntil(lambda: window.player.ready and window.player.is_playing(), timeout=WAIT)
    assert str(window.player.path) == cached_path(store, "wx", call.provider_id, second.provider_id)
    assert window.player.path.read_bytes() == emu.audio(emu_call.flows[1])  # the second flow's audio
    qtbot.waitUntil(lambda: pane.transcript.current_index == index, timeout=WAIT)  # follow mode: that sentence
    assert pane.controls.recording.isVisible()
    assert pane.controls.recording.text().startswith("Recording 2 of 2 · leg 2: transfer to ")
    callee = emu_call.flows[1].callee["name"]
    assert callee in pane.controls.recording.text()

    # A sentence of the first flow switches back, still playing, at that sentence.
    first_index = next(i for i, s in enumerate(call.segments) if s.leg == call.recordings[0].leg and s.start_ms)
    click_sentence(qtbot, pane.transcript, first_index)
    first_path = cached_path(store, "wx", call.provider_id, call.recordings[0].provider_id)
    qtbot.waitUntil(lambda: str(window.player.path) == first_path and window.player.is_playing(), timeout=WAIT)
    qtbot.waitUntil(lambda: pane.transcript.current_index == first_index, timeout=WAIT)
    assert pane.controls.recording.text().startswith("Recording 1 of 2 · leg 1: ")


def test_the_first_recording_runs_on_into_the_second(qtbot, data_dir, store, wildix_two_flows):
    emu, emu_call = wildix_two_flows
    window, pane = open_window(qtbot, data_dir, store, "wx", emu.secrets(), emu_call.id)
    call = pane.call
    window.actions["play_pause"].trigger()
    qtbot.waitUntil(lambda: window.player.ready and window.player.is_playing(), timeout=WAIT)
    first_path = cached_path(store, "wx", call.provider_id, call.recordings[0].provider_id)
    assert str(window.player.path) == first_path
    window.player.seek(window.player.duration() - 300)  # the last moment of the first flow
    second_path = cached_path(store, "wx", call.provider_id, call.recordings[1].provider_id)
    qtbot.waitUntil(lambda: str(window.player.path) == second_path and window.player.is_playing(), timeout=WAIT)
    # The transcript follows into the second flow's sentences.
    qtbot.waitUntil(lambda: pane.transcript.current_index is not None
                    and call.segments[pane.transcript.current_index].leg == call.recordings[1].leg, timeout=WAIT)
    assert pane.controls.recording.text().startswith("Recording 2 of 2")


def test_a_transferred_yeastar_call_says_the_second_leg_is_speaking(qtbot, data_dir, store):
    emu = YeastarEmulator(calls=30, seed=7)
    emu.start()
    try:
        account = add_yeastar(store, emu)
        assert sync_yeastar(store, account, emu, since_ms=int(time.time() * 1000) - 15 * DAY).ok
        uid = next(c.uid for c in emu.cdrs if c.agent2 and c.rec_id is not None and c.transcript)
        window, pane = open_window(qtbot, data_dir, store, account.name, emu.secrets(), uid)
        call = pane.call
        assert len(call.legs) == 2 and len(call.recordings) == 1  # Yeastar: one recording for both legs
        second_leg = sorted(call.legs, key=lambda leg: leg.index)[1]
        index, segment = next((i, s) for i, s in enumerate(call.segments)
                              if s.leg == second_leg.provider_id and s.start_ms is not None)
        click_sentence(qtbot, pane.transcript, index)
        qtbot.waitUntil(lambda: window.player.ready and window.player.is_playing(), timeout=WAIT)
        qtbot.waitUntil(lambda: pane.transcript.current_index == index, timeout=WAIT)
        assert window.player.position() >= segment.start_ms
        text = pane.controls.recording.text()
        assert text.startswith("Recording 1 of 1 · leg 2: transfer to ")
        assert second_leg.to_party.label() in text
    finally:
        emu.stop()
        forget_tokens()


def test_j_and_k_leave_and_come_back_to_a_call_with_two_recordings(qtbot, data_dir, store, wildix_two_flows):
    emu, emu_call = wildix_two_flows
    window, pane = open_window(qtbot, data_dir, store, "wx", emu.secrets(), emu_call.id)
    qtbot.waitUntil(lambda: window.model.rowCount() > 2, timeout=WAIT)
    row = next(r for r in range(window.model.rowCount())
               if window.model.row(r) is not None and window.model.row(r).provider_id == emu_call.id)
    window.table.selectRow(row)
    call = pane.call
    index = next(i for i, s in enumerate(call.segments) if s.leg == call.recordings[1].leg and s.start_ms is not None)
    click_sentence(qtbot, pane.transcript, index)
    qtbot.waitUntil(lambda: pane.controls.recording.text().startswith("Recording 2 of 2"), timeout=WAIT)
    window.actions["next_call"].trigger()  # J
    qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id != emu_call.id, timeout=WAIT)
    assert window.player.label != f"wx/{emu_call.id}"  # the other call's recording is not the one held
    assert not pane.controls.recording.text().startswith("Recording 2 of 2")
    window.actions["previous_call"].trigger()  # K
    qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == emu_call.id, timeout=WAIT)
    # Back on the call: its first recording is loaded (cached), and a leg-2 sentence still plays from the second.
    qtbot.waitUntil(lambda: pane.controls.recording.text().startswith("Recording 1 of 2"), timeout=WAIT)
    click_sentence(qtbot, pane.transcript, index)
    second = cached_path(store, "wx", call.provider_id, call.recordings[1].provider_id)
    qtbot.waitUntil(lambda: str(window.player.path) == second and pane.transcript.current_index == index, timeout=WAIT)


def test_a_search_hit_in_the_second_flow_plays_from_the_second_recording(qtbot, data_dir, store, wildix_two_flows):
    from recbrowser.domain import SearchHit

    emu, emu_call = wildix_two_flows
    window, pane = open_window(qtbot, data_dir, store, "wx", emu.secrets(), emu_call.id)
    call = pane.call
    index, segment = next((i, s) for i, s in enumerate(call.segments)
                          if s.leg == call.recordings[1].leg and s.start_ms is not None and s.start_ms > 1000)
    # What the search panel hands over on Enter: the hit names the call and the sentence, not the recording.
    hit = SearchHit(f"wx/{call.provider_id}", "wx", call.provider_id, call.start_ms, segment.speaker, segment.start_ms,
                    segment.text, segment.text)
    window.call_presenter.open_hit(hit)
    qtbot.waitUntil(lambda: window.player.ready and window.player.is_playing(), timeout=WAIT)
    assert str(window.player.path) == cached_path(store, "wx", call.provider_id, call.recordings[1].provider_id)
    qtbot.waitUntil(lambda: pane.transcript.current_index == index, timeout=WAIT)
