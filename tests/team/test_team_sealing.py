"""Provider secrets sealed to the serving hosts' team key: unreadable without its private half."""

from __future__ import annotations

import base64
import uuid

import pytest

from recbrowser.errors import SecretMissing
from recbrowser.team import sealing
from recbrowser.team.sealing import SealingError

SECRETS = {"client_secret": "s3cr3t-Yeastar-Pa55", "api_key": "AKIA-not-in-the-blob"}


def test_sealed_blob_holds_no_plaintext_and_opens_with_the_private_key():
    public, private = sealing.new_key_pair()
    blob = sealing.seal(SECRETS, public)
    for value in SECRETS.values():
        for form in (value.encode(), base64.b64encode(value.encode()), value.encode().hex().encode()):
            assert form not in blob
    assert b"client_secret" not in blob
    assert sealing.unseal(blob, private) == SECRETS


def test_same_secrets_seal_to_different_bytes():
    public, _ = sealing.new_key_pair()
    assert sealing.seal(SECRETS, public) != sealing.seal(SECRETS, public)


def test_another_teams_key_cannot_unseal_in_one_sentence():
    public, _ = sealing.new_key_pair()
    _, other_private = sealing.new_key_pair()
    with pytest.raises(SealingError) as e:
        sealing.unseal(sealing.seal(SECRETS, public), other_private)
    text = str(e.value)
    assert "cannot open the account's sealed secrets" in text
    assert "\n" not in text and text.endswith(".")
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_damaged_blob_is_refused():
    public, private = sealing.new_key_pair()
    blob = bytearray(sealing.seal(SECRETS, public))
    blob[-1] ^= 1
    with pytest.raises(SealingError, match="cannot open"):
        sealing.unseal(bytes(blob), private)
    with pytest.raises(SealingError, match="damaged or from a newer recbrowser"):
        sealing.unseal(b"plain text", private)


def test_public_key_is_derived_from_the_private_key():
    public, private = sealing.new_key_pair()
    assert sealing.public_key_of(private) == public


def test_key_file_is_0600_never_overwritten_and_refused_when_others_can_read(tmp_path):
    public, private = sealing.new_key_pair()
    path = tmp_path / "team.key"
    sealing.write_key_file(path, private)
    assert path.stat().st_mode & 0o777 == 0o600
    assert sealing.unseal(sealing.seal(SECRETS, public), sealing.read_key_file(path)) == SECRETS

    _, other = sealing.new_key_pair()
    with pytest.raises(SealingError, match="already exists"):
        sealing.write_key_file(path, other)
    assert sealing.read_key_file(path) == private

    path.chmod(0o644)
    with pytest.raises(SealingError, match=r"can be read by other users; run `chmod 600 .*team.key`"):
        sealing.read_key_file(path)


def test_damaged_or_missing_key_file_is_one_sentence(tmp_path):
    path = tmp_path / "team.key"
    with pytest.raises(SealingError, match="does not exist"):
        sealing.read_key_file(path)
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(SealingError, match="is damaged; restore it from the team's backup"):
        sealing.read_key_file(path)


def test_private_key_kept_in_the_real_keyring(keyring_ready):
    profile = f"test-{uuid.uuid4().hex[:8]}"
    public, private = sealing.new_key_pair()
    try:
        sealing.save_private_key(profile, private)
        assert sealing.unseal(sealing.seal(SECRETS, public), sealing.load_private_key(profile)) == SECRETS
    finally:
        assert sealing.delete_private_key(profile) is True
    assert sealing.delete_private_key(profile) is False
    with pytest.raises(SecretMissing):
        sealing.load_private_key(profile)


def test_unsealed_secrets_are_masked_in_logs_from_then_on():
    from recbrowser.redact import redact_text

    public, private = sealing.new_key_pair()
    sealing.unseal(sealing.seal(SECRETS, public), private)
    line = redact_text(f"provider said: bad client_id for {SECRETS['client_secret']} / {SECRETS['api_key']}")
    assert SECRETS["client_secret"] not in line and SECRETS["api_key"] not in line
