"""Yeastar tokens on a real account: 10004 can come from any request (API, the AI transcript
file, a recording link), tokens outlive one process through the keyring, and the 8-token cap
is named as such. Against the real emulator over loopback and the real keyring."""

from __future__ import annotations

import httpx
import pytest
from support.export_helpers import export, synced
from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

from recbrowser.errors import AuthError
from recbrowser.providers.yeastar import forget_tokens
from recbrowser.services import accounts


def test_token_expiring_at_the_ai_transcript_file_is_renewed_and_the_sync_goes_on(store, yeastar):
    yeastar.add_fault("token-expiry:path=PBX-AI_Transcription")
    account = add_emulated_account(store, yeastar)
    result = sync(store, account, yeastar)
    assert result.ok, result.error
    assert yeastar.counters["fault:token-expiry"] == 1
    assert any(r.transcript_status == "available" for r in all_calls(store))


def test_an_export_whose_recording_link_keeps_failing_fails_that_call_instead_of_dropping_its_audio(
        store, yeastar, data_dir, tmp_path):
    synced(store, yeastar)
    ref = next(r.ref for r in all_calls(store) if r.has_audio)
    yeastar.add_fault("token-expiry:times=always,path=/api/download/Recording")
    summary = export(store, yeastar, data_dir, tmp_path / "out", refs=[ref])
    assert not summary.exported and [o.ref for o in summary.failed] == [ref]
    assert "recording could not be downloaded" in summary.failed[0].reason
    assert "no longer has" not in summary.failed[0].reason


def test_tokens_are_kept_in_the_keyring_and_reused_by_the_next_process(store, yeastar, account_name):
    account = accounts.add_account(store, "yeastar", account_name, yeastar.account_settings(), yeastar.secrets())
    first = accounts.open_provider(account)
    first.test_credentials()
    first.close()
    assert yeastar.tokens_issued == 1
    forget_tokens()  # what a new process starts with
    second = accounts.open_provider(store.account(account_name))
    second.test_credentials()
    second.close()
    assert yeastar.tokens_issued == 1
    kept = accounts.load_secrets(store.account(account_name))
    assert set(kept) == {"client_secret", "api_token"}


def test_the_eight_token_cap_is_named_not_blamed_on_the_secret(store, yeastar):
    for _ in range(8):  # other programs holding all 8 tokens of this Client ID
        body = {"username": yeastar.secrets().get("client_id") or yeastar.account_settings()["client_id"],
                "password": yeastar.secrets()["client_secret"]}
        r = httpx.post(f"{yeastar.base_url}/openapi/v1.0/get_token", json=body, headers={"User-Agent": "other"})
        assert r.json()["errcode"] == 0
    account = add_emulated_account(store, yeastar)
    p = provider_for(account, yeastar)
    with pytest.raises(AuthError) as e:
        p.test_credentials()
    p.close()
    assert "8" in str(e.value) and "tokens" in str(e.value)
    assert "Client Secret" not in str(e.value)


def test_an_account_holding_a_kept_token_can_still_be_edited(store, yeastar, account_name):
    account = accounts.add_account(store, "yeastar", account_name, yeastar.account_settings(), yeastar.secrets())
    p = accounts.open_provider(account)
    p.test_credentials()
    p.close()
    stored = accounts.load_secrets(store.account(account_name))
    assert "api_token" in stored
    # What the account form does on Save: the stored secrets with the ones typed in.
    accounts.validate("yeastar", account_name, yeastar.account_settings(), {**stored, "client_secret": "new"})
