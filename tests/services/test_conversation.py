"""Conversation figures on the Wildix emulator's scripted calls (emulators/showcase.py), whose
sentence timings are known: every expected value below follows by hand from the script's
offsets and the clips' lengths in speech/sentences.json."""

from __future__ import annotations

import json

import pytest
from support.cli_helpers import run, set_args

from recbrowser.domain import Call, Segment
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.http import set_host_rate
from recbrowser.providers.wildix import WildixProvider
from recbrowser.services import conversation
from recbrowser.store import CallFigures, CallFilter


@pytest.fixture(scope="module")
def showcase():
    emu = WildixEmulator(calls=3, seed=4, showcase=True)
    emu.start()
    # Loopback emulators: no need to spare them like a real PBX (as the demo does).
    for url in (emu.base_url, emu.pbx.base_url, emu.storage.base_url):
        set_host_rate(url.split("://", 1)[1].rstrip("/"), None)
    yield emu
    emu.stop()


def cli(capsys, *args) -> tuple[int, str, str]:
    return run(capsys, *args)


@pytest.fixture
def synced(capsys, monkeypatch, store, showcase):
    # Transcripts still being made are asked for once, not waited for (7 s each): none of these tests needs them.
    monkeypatch.setattr(WildixProvider, "transcript_retry_delays", ())
    code, _, err = run(capsys, "accounts", "add", "wildix", "--name", "wx", *set_args(showcase.account_settings()),
                       "--secrets-stdin", stdin=json.dumps(showcase.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, _, err = run(capsys, "sync", "--since", "2000-01-01")
    assert code == 0, err
    hold, overtalk, silence = (c.id for c in showcase.calls[-3:])
    return store, {"hold": hold, "overtalk": overtalk, "silence": silence}


def test_a_long_hold_is_hold_time_not_silence(synced):
    store, ids = synced
    assert store.call_figures("wx", ids["hold"]) == CallFigures(
        span_ms=46000,
        agent_talk_ms=3092 + 2359 + 2050, caller_talk_ms=2807 + 2706, other_talk_ms=0,
        longest_monologue_ms=3092, longest_monologue_by="agent",  # the greeting: every turn is one sentence
        silence_ms=0,  # 30.7 s without a word, but 30 s of it on hold; the rest are short gaps
        overtalk_count=0, overtalk_ms=0,
        hold_ms=30000,
        words=9 + 9 + 8 + 7 + 5,
        sentiment="negative",  # Wildix: one complaint (ask_invoice), one thanks (caller_bye): a tie is negative
            from_audio=False,
    )


def test_overtalk_is_counted_and_timed(synced):
    store, ids = synced
    f = store.call_figures("wx", ids["overtalk"])
    # The question starts at 2.6 s, the greeting ends at 3.592 s; the goodbye starts at 7.0 s,
    # the price ends at 7.827 s.
    assert (f.overtalk_count, f.overtalk_ms) == (2, 992 + 827)
    assert (f.agent_talk_ms, f.caller_talk_ms, f.silence_ms, f.hold_ms) == (3092 + 2427 + 2050, 2404 + 2706, 0, 0)
    # The agent is cut off twice; the caller's goodbye (2.706 s) runs to its end.
    assert (f.longest_monologue_ms, f.longest_monologue_by) == (2706, "caller")
    assert f.agent_talk_share == pytest.approx(7569 / 12679)


def test_a_long_silence_from_the_transcript(synced):
    store, ids = synced
    f = store.call_figures("wx", ids["silence"])
    assert (f.silence_ms, f.span_ms, f.from_audio) == (20500 - 5451, 29000, False)
    assert f.silence_share == pytest.approx(15049 / 29000)
    assert (f.agent_talk_ms, f.caller_talk_ms, f.overtalk_count, f.words) == (3092 + 2854 + 2050, 1451 + 2706, 0, 35)
    assert f.words_per_minute == pytest.approx(35 * 60_000 / (7996 + 4157))


def test_the_list_filters_on_silence_and_agent_talk(synced):
    store, ids = synced
    over = store.list_calls(CallFilter(silence_over=20), limit=100)[0]
    assert [r.provider_id for r in over] == [ids["silence"]]
    assert over[0].figures.silence_ms == 15049
    # Agent talk: hold 57.6 %, overtalk 59.7 %, silence 65.8 %; the seeded calls fall where they may.
    talky = {r.provider_id for r in store.list_calls(CallFilter(agent_talk_over=65), limit=100)[0]}
    assert ids["silence"] in talky and not {ids["hold"], ids["overtalk"]} & talky
    assert store.count_calls(CallFilter(agent_talk_over=58, silence_over=20)) == 1


def test_calls_json_and_show_carry_the_figures(synced, capsys):
    store, ids = synced
    out = json.loads(cli(capsys, "calls", "--account", "wx", "--silence-over", "20 %", "--json")[1])
    [row] = out["calls"]
    assert out["total"] == 1 and row["call_id"] == ids["silence"]
    assert row["conversation"]["silence_ms"] == 15049 and row["conversation"]["silence_from"] == "transcript"
    assert row["conversation"]["talk_ms"] == {"agent": 7996, "caller": 4157, "other": 0}
    shown = json.loads(cli(capsys, "show", f"wx/{ids['overtalk']}", "--json")[1])
    assert (shown["conversation"]["overtalk_count"], shown["conversation"]["overtalk_ms"]) == (2, 1819)
    text = cli(capsys, "show", f"wx/{ids['hold']}")[1]
    assert "  hold      30.0 s" in text and "  overtalk  0 times, 0.0 s" in text


def test_a_bad_percentage_is_a_usage_error(capsys, data_dir):
    with pytest.raises(SystemExit) as e:
        cli(capsys, "calls", "--silence-over", "lots")
    assert e.value.code == 2 and "'lots' is not a percentage; use e.g. 20 for 20 %" in capsys.readouterr().err


def test_after_download_the_silence_comes_from_the_audio(synced, data_dir, capsys):
    store, ids = synced
    ref = f"wx/{ids['silence']}"
    code, _, err = cli(capsys, "download", ref)
    assert code == 0, err
    shown = json.loads(cli(capsys, "show", ref, "--json")[1])["conversation"]
    assert shown["silence_from"] == "audio"
    # The audio's silence starts where the caller's clip falls quiet (a little before its
    # transcript end) and ends where the agent's clip starts making sound.
    assert abs(shown["silence_ms"] - 15049) <= 300
    assert store.call_figures("wx", ids["silence"]).from_audio
    assert len(list(data_dir.peaks.glob("*.dat"))) == 1


def test_a_transcript_without_timings_has_no_figures():
    call = Call(provider_id="x", start_ms=0, segments=[Segment("Hello", role="agent")])
    assert conversation.figures(call) is None
