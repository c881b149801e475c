"""Transferred Yeastar calls from the emulator: each leg keeps its ring and hold time and call
type, and the agent who took the call over speaks as the agent."""

from __future__ import annotations

from support.yeastar_helpers import add_emulated_account, sync

from recbrowser.emulators.yeastar import YeastarEmulator


def test_a_transferred_call_keeps_each_legs_times_and_the_second_agent_is_an_agent(store):
    with YeastarEmulator(calls=120, seed=3) as emu:
        c = next(c for c in emu.cdrs if c.agent2 is not None and c.transcript)
        account = add_emulated_account(store, emu)
        assert sync(store, account, emu).ok
    call = store.get_call("hq", c.uid)
    assert [leg.index for leg in call.legs] == [1, 2]
    first, second = call.legs
    assert first.call_type == second.call_type == "Inbound"
    assert first.hold_ms == 2000 and second.hold_ms == 0 and call.hold_ms == 2000
    assert first.ring_ms == c.ring_s * 1000 and second.ring_ms is not None
    assert [(leg.ring_ms, leg.hold_ms, leg.call_type) for leg in store.call_legs("hq", c.uid)] == [
        (first.ring_ms, 2000, "Inbound"), (second.ring_ms, 0, "Inbound")]
    said_by_agent2 = [s for s in call.segments if s.leg == second.provider_id and c.agent2[1] in s.speaker]
    assert said_by_agent2 and all(s.role == "agent" for s in said_by_agent2)
    assert call.queue == "Support"  # the v2 CDR row's queue


def test_hold_and_ring_time_show_in_show_and_the_export_manifest(store, data_dir, tmp_path):
    from support.export_helpers import export, read_export

    from recbrowser.cli.format import call_text

    with YeastarEmulator(calls=120, seed=3) as emu:
        c = next(c for c in emu.cdrs if c.agent2 is not None and c.transcript)
        account = add_emulated_account(store, emu)
        assert sync(store, account, emu).ok
        summary = export(store, emu, data_dir, tmp_path / "out", refs=[f"hq/{c.uid}"], audio="original")
    assert summary.exported
    text = call_text("hq", store.get_call("hq", c.uid), [])
    assert "on hold 00:02" in text and "leg 1" in text and "Inbound answered" in text
    manifest, _ = read_export(tmp_path / "out")
    row = manifest["calls"][0]
    assert row["hold_s"] == 2 and row["ring_s"] == c.ring_s and row["queue"] == "Support"
    assert [leg["hold_s"] for leg in row["leg_details"]] == [2, 0]
