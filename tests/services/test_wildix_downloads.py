"""Wildix recording downloads: Simple Token to the PBX only, redirect to storage without it."""

from __future__ import annotations

import hashlib
import wave

import pytest
from support.wildix_helpers import DAY, add_account, provider, sync

from recbrowser.emulators import speech
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.errors import ProviderError
from recbrowser.services.downloads import download_call


@pytest.fixture
def wildix():
    emu = WildixEmulator(calls=30, seed=4)
    emu.start()
    yield emu
    emu.stop()


def synced_call(store, emu, old: bool):
    account = add_account(store, emu)
    assert sync(store, account, emu).ok
    flow_call = next(c for c in emu.calls if c.flows[0].rec_file and (emu.now_ms - c.flows[0].rec_start > DAY) == old)
    return account, flow_call, store.get_call("wx", flow_call.id)


@pytest.mark.parametrize("old", [False, True], ids=["fresh-from-pbx", "redirected-to-storage"])
def test_download_is_verified_and_authorization_never_reaches_storage(store, wildix, data_dir, old):
    account, emu_call, call = synced_call(store, wildix, old)
    p = provider(account, wildix)
    files = download_call(store, account, p, call, data_dir.media)
    p.close()
    assert len(files) == len(call.recordings)
    for f, flow in zip(files, emu_call.flows, strict=True):
        data = f.path.read_bytes()
        assert f.size == len(data) == speech.wav_size(flow.dialogue.total_ms)
        assert hashlib.sha256(data).hexdigest() == f.sha256 == hashlib.sha256(wildix.audio(flow)).hexdigest()
        with wave.open(str(f.path)) as w:
            assert abs(w.getnframes() / w.getframerate() * 1000 - flow.dialogue.total_ms) < 1
    assert {(m.size, m.sha256) for m in store.media_for_call("wx", call.provider_id)} == {(f.size, f.sha256) for f in files}
    assert wildix.storage_authorization == []
    assert (wildix.storage.counters["requests"] > 0) == old
    # The URL went out byte for byte: brackets, not %5B/%5D.
    assert all("[pbx]" in raw for raw in wildix.pbx_raw_paths)
    assert "/" not in files[0].path.name and files[0].path.name.endswith(".wav")


# downloads.py turns an AuthError from media_error into LinkExpired (and re-resolves once);
# the sentence is the provider's, which is what the user sees.
def test_wrong_simple_token_is_one_sentence_naming_the_token(store, wildix, data_dir):
    account, _, call = synced_call(store, wildix, old=False)
    p = provider(account, wildix, simple_token="deadbeef" * 5)
    with pytest.raises(ProviderError, match="rejected the Simple Token") as e:
        download_call(store, account, p, call, data_dir.media)
    p.close()
    assert "deadbeef" not in str(e.value) and "wx" in str(e.value)


def test_company_key_in_the_simple_token_field_is_explained(store, wildix, data_dir):
    account, _, call = synced_call(store, wildix, old=False)
    key = "wsk-v1-" + "k" * 93
    p = provider(account, wildix, simple_token=key)
    with pytest.raises(ProviderError, match="holds a Company API Key") as e:
        download_call(store, account, p, call, data_dir.media)
    p.close()
    assert key not in str(e.value)
    # The PBX saw a wsk key (the user's choice), but WDA never saw the Simple Token.
    assert all(key not in a for a in wildix.storage_authorization)


def test_expired_simple_token_mid_download_is_explained(store, wildix, data_dir):
    account, _, call = synced_call(store, wildix, old=False)
    wildix.add_fault("token-expiry:after=0,path=/spoolview")
    p = provider(account, wildix)
    with pytest.raises(ProviderError, match="rejected the Simple Token"):
        download_call(store, account, p, call, data_dir.media)
    p.close()


def test_lapsed_storage_link_is_fetched_again_from_the_pbx(store, wildix, data_dir):
    account, _, call = synced_call(store, wildix, old=True)
    wildix.add_fault("expired-url:times=1,path=/wildix-rec")
    p = provider(account, wildix)
    files = download_call(store, account, p, call, data_dir.media)
    p.close()
    assert files[0].size > 44 and wildix.storage.counters["download:expired"] == 1
    assert wildix.storage_authorization == []


def test_truncated_storage_answer_resumes_with_range(store, wildix, data_dir):
    account, emu_call, call = synced_call(store, wildix, old=True)
    wildix.add_fault("truncate:times=1,path=/wildix-rec")
    p = provider(account, wildix)
    f = download_call(store, account, p, call, data_dir.media)[0]
    p.close()
    assert f.sha256 == hashlib.sha256(wildix.audio(emu_call.flows[0])).hexdigest()


def test_token_is_not_sent_to_a_recording_host_other_than_the_pbx(store, wildix, data_dir):
    account, _, call = synced_call(store, wildix, old=False)
    rec = call.recordings[0]
    rec.raw["url"] = rec.raw["url"].replace("127.0.0.1", "localhost")
    p = provider(account, wildix)
    served = wildix.pbx.counters["requests"]
    with pytest.raises(ProviderError, match="not on the PBX address"):
        download_call(store, account, p, call, data_dir.media)
    p.close()
    assert wildix.pbx.counters["requests"] == served


def test_a_rejected_simple_token_is_an_auth_error_not_an_expired_link(store, wildix, data_dir):
    from recbrowser.errors import AuthError, LinkExpired

    account, _, call = synced_call(store, wildix, old=False)
    p = provider(account, wildix, simple_token="0" * 40)
    with pytest.raises(AuthError) as err:
        download_call(store, account, p, call, data_dir.media)
    p.close()
    assert not isinstance(err.value, LinkExpired) and "wx" in str(err.value)
