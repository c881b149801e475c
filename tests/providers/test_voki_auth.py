"""Voki sign-in against the real emulator: two-factor, refresh before re-login, never a loop."""

from __future__ import annotations

import pytest
from support.voki_helpers import add_account, all_calls, fresh_voki_tokens, provider_for, sync  # noqa: F401

from recbrowser.emulators.voki import VokiEmulator
from recbrowser.errors import AuthError, RateLimited
from recbrowser.providers.voki import MfaRequired
from recbrowser.providers.voki_map import totp, unwrap


def test_rfc6238_sha1_vectors():
    import base64

    key = base64.b32encode(b"12345678901234567890").decode()
    for at, code in ((59, "94287082"), (1111111109, "07081804"), (20000000000, "65353130")):
        assert totp(key, at, digits=8) == code
    assert len(totp(key)) == 6


def test_token_answers_with_and_without_the_data_wrapper(store):
    for wrap in (True, False):
        with VokiEmulator(calls=5, seed=2, wrap_tokens=wrap) as emu:
            account = add_account(store, emu, name=f"vk{int(wrap)}")
            result = sync(store, account, emu)
            assert result.ok, result.error
            assert result.calls == 5
    assert unwrap({"access_token": "a", "data": 1}) == {"access_token": "a", "data": 1}


def test_two_factor_with_a_stored_totp_secret_signs_in_by_itself(store):
    with VokiEmulator(calls=6, seed=5, mfa=True) as emu:
        account = add_account(store, emu)
        result = sync(store, account, emu)
        assert result.ok, result.error and result.calls == 6
        assert emu.counters["POST /api/auth/login"] == 1 and emu.counters["POST /api/auth/mfa/verify"] == 1


def test_two_factor_without_a_secret_asks_for_the_code_then_verify_code_finishes(store):
    with VokiEmulator(calls=6, seed=5, mfa=True) as emu:
        account = add_account(store, emu)
        provider = provider_for(account, emu, totp_secret="")
        with pytest.raises(MfaRequired) as e:
            provider.sign_in()
        assert e.value.needs_code and e.value.account == "vk"
        assert "two-factor sign-in is on" in str(e.value) and "6-digit code" in str(e.value)
        assert emu.password not in str(e.value)
        provider.verify_code(totp(emu.totp_secret))  # what the UI/CLI does with the code the user typed
        result = sync(store, account, emu, provider=provider)
        assert result.ok, result.error and result.calls == 6
        assert emu.counters["POST /api/auth/login"] == 1
        # The sync service turns it into a sentence on the account, too.
        other = add_account(store, emu, name="vk2", email=emu.email.upper())
        from support.voki_helpers import forget_tokens

        forget_tokens()
        failed = sync(store, other, emu, provider=provider_for(other, emu, totp_secret=""))
        assert failed.error and "6-digit code" in failed.error


def test_a_wrong_code_is_one_sentence(store):
    with VokiEmulator(calls=2, seed=5, mfa=True) as emu:
        account = add_account(store, emu)
        provider = provider_for(account, emu, totp_secret="")
        with pytest.raises(MfaRequired):
            provider.sign_in()
        with pytest.raises(AuthError, match="refused the two-factor code"):
            provider.verify_code("000000" if totp(emu.totp_secret) != "000000" else "111111")


def test_a_wrong_password_makes_exactly_one_sign_in_request(store):
    with VokiEmulator(calls=30, seed=6) as emu:
        account = add_account(store, emu)
        provider = provider_for(account, emu, password="wrong-password")
        result = sync(store, account, emu, provider=provider)
        assert not result.ok
        assert "rejected the sign-in (401: Invalid credentials)" in result.error and "wrong-password" not in result.error
        with pytest.raises(AuthError):  # asked again: the remembered answer, no request
            provider.test_credentials()
        assert emu.counters["POST /api/auth/login"] == 1 and emu.counters["requests"] == 1
        provider.close()


def test_a_wrong_tenant_says_so(store):
    with VokiEmulator(calls=2, seed=6) as emu:
        account = add_account(store, emu, tenant="acme")
        result = sync(store, account, emu)
        assert "does not know the tenant 'acme'" in result.error and emu.counters["requests"] == 1


def test_the_sign_in_rate_limit_is_one_sentence_without_retries(store):
    with VokiEmulator(calls=2, seed=6) as emu:
        account = add_account(store, emu)
        for _ in range(5):  # five wrong passwords use up the minute's sign-ins
            with pytest.raises(AuthError):
                provider_for(account, emu, password="typo").sign_in()
        waits: list[float] = []
        provider = provider_for(account, emu, waits)
        with pytest.raises(RateLimited, match="5 sign-in requests a minute.*wait a minute"):
            provider.test_credentials()
        assert emu.counters["POST /api/auth/login"] == 6 and emu.counters["auth:429"] == 1 and waits == []
        provider.close()


def test_a_kept_refresh_token_is_used_before_the_password(store):
    with VokiEmulator(calls=4, seed=7) as emu:
        account = add_account(store, emu)
        kept: dict[str, str] = {}
        first = provider_for(account, emu)
        first.keep_secret = kept.__setitem__
        assert sync(store, account, emu, provider=first).ok
        first.close()
        assert kept["refresh_token"] and emu.counters["POST /api/auth/login"] == 1
        from support.voki_helpers import forget_tokens

        forget_tokens()  # a new process: only the keyring remembers
        second = provider_for(account, emu, refresh_token=kept["refresh_token"])
        assert sync(store, account, emu, provider=second).ok
        second.close()
        assert emu.counters["POST /api/auth/login"] == 1 and emu.counters["POST /api/auth/refresh"] == 1
