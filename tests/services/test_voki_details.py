"""Voki's recording answer beyond the audio: the transcript's language and when the recording
was made (created_at) are kept, and the department; real emulator over loopback."""

from __future__ import annotations

import pytest
from support.voki_helpers import add_account, fresh_voki_tokens, sync  # noqa: F401

from recbrowser.cli.format import call_text
from recbrowser.emulators.voki import VokiEmulator


@pytest.fixture
def voki():
    with VokiEmulator(calls=30, seed=3) as emu:
        yield emu


def test_the_transcripts_language_and_the_recordings_creation_time_are_kept(store, voki):
    account = add_account(store, voki)
    assert sync(store, account, voki).ok
    transcribed = [c for c in voki.calls if c.status == "completed" and c.recording == "ok"]
    languages = set()
    for emu_call in transcribed:
        call = store.get_call("vk", emu_call.id)
        want = voki.recording(emu_call)
        assert call.language == want["transcription"]["language"]
        assert call.details["recording_created_at"] == want["created_at"]
        languages.add(call.language)
    assert languages == {"pt-BR", "en"}  # the emulator gives both
    call = store.get_call("vk", transcribed[0].id)
    assert call.department == voki.item(transcribed[0])["department_name"]
    assert f"language  {call.language}" in call_text("vk", call, [])
