"""Provider secrets sealed to the serving hosts: a libsodium sealed box (PyNaCl) to the team's
key pair. Anyone may seal with the public half (kept in the archive's team settings, in
PostgreSQL); only a host holding the private half (`team serve`) can unseal. The private half
lives in that host's OS keyring, or in a 0600 key file on a headless host without one.

A sealed blob is `MAGIC + sealed box` of the secrets' JSON: a fresh ephemeral key per seal, so
the same secrets never seal to the same bytes and nothing of the plaintext shows.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from recbrowser import credentials
from recbrowser.errors import UserFacingError
from recbrowser.redact import register_secret

MAGIC = b"rbseal1:"
KEY_LEN = 32


class SealingError(UserFacingError):
    """A sealed secret or a team key cannot be used."""


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh team key pair: (public, private), 32 bytes each."""
    private = PrivateKey.generate()
    return bytes(private.public_key), bytes(private)


def public_key_of(private_key: bytes) -> bytes:
    return bytes(_private(private_key).public_key)


def seal(secrets: dict[str, str], public_key: bytes) -> bytes:
    """The secrets sealed to the team's public key (for the sealed secrets table, bytea)."""
    if len(public_key) != KEY_LEN:
        raise SealingError("The archive's team public key is damaged (not 32 bytes); ask the admin to run `recbrowser team init` again.")
    payload = json.dumps(secrets, separators=(",", ":"), sort_keys=True).encode()
    return MAGIC + SealedBox(PublicKey(public_key)).encrypt(payload)


def unseal(blob: bytes, private_key: bytes) -> dict[str, str]:
    """The secrets `seal` sealed; SealingError in one sentence if this host's key is not the
    one they were sealed to, or the blob is damaged."""
    if not blob.startswith(MAGIC):
        raise SealingError("A sealed provider secret in the archive is damaged or from a newer recbrowser; "
                           "enter the account's secrets again.")
    try:
        payload = SealedBox(_private(private_key)).decrypt(bytes(blob[len(MAGIC):]))
    except CryptoError:
        raise SealingError(
            "This host's team key cannot open the account's sealed secrets (they were sealed to another team key, "
            "or damaged); use the team key of the archive's serving hosts or enter the account's secrets again."
        ) from None
    secrets = {str(k): str(v) for k, v in json.loads(payload).items()}
    for value in secrets.values():
        register_secret(value)  # masked in every log line of the serving host from here on
    return secrets


def _private(private_key: bytes) -> PrivateKey:
    if len(private_key) != KEY_LEN:
        raise SealingError("This host's team private key is damaged (not 32 bytes); restore it from the team's backup.")
    return PrivateKey(private_key)


# -- where the private half lives ---------------------------------------------------------------
# `entry` is the serving host's team profile's `keyring_entry` (recbrowser/team/profiles.py).
def keyring_entry(entry: str) -> str:
    return f"{entry}/sealing-key"


def save_private_key(entry: str, private_key: bytes) -> None:
    """Keep the private half in this host's OS keyring, beside the team profile's secrets."""
    credentials.save_team_secrets(keyring_entry(entry), {"private_key": _encode(private_key)})


def load_private_key(entry: str) -> bytes:
    secrets = credentials.load_team_secrets(keyring_entry(entry))
    return _decode(secrets.get("private_key", ""), f"the keyring entry {keyring_entry(entry)!r}")


def delete_private_key(entry: str) -> bool:
    return credentials.delete_team_secrets(keyring_entry(entry))


def default_key_file(data_root: Path, archive_id: str) -> Path:
    """Where `team init` without --key-file writes the archive's private half, and where
    `team serve` on the same computer (same data folder) looks for it when given none."""
    return data_root / "team-keys" / f"archive-{archive_id or 'unnamed'}.key"


def host_private_key(entry: str, default_file: Path) -> bytes:
    """This host's team private key: from its profile's keyring entry (`team connect --key-file`),
    else from the file `team init` wrote here; one sentence saying how to give it when neither has it."""
    from recbrowser.errors import SecretMissing

    try:
        return load_private_key(entry)
    except SecretMissing:
        pass
    if default_file.exists():
        return read_key_file(default_file)
    raise SealingError("This host has no team private key for this archive: copy the key file `team init` wrote "
                       "(0600) here and run `recbrowser team connect NAME ... --key-file PATH`, or pass "
                       "`team serve --key-file PATH`.")


def write_key_file(path: Path, private_key: bytes) -> None:
    """Write the private half to a new 0600 file (a headless host without a keyring). An
    existing file is never overwritten: it may hold the only key that opens the archive's secrets."""
    _private(private_key)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SealingError(f"{path} already exists; move it away first (it may hold the team's only private key).") from None
    with os.fdopen(fd, "w") as f:
        f.write(_encode(private_key) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except FileNotFoundError:
        raise SealingError(f"The team key file {path} does not exist; check the path or write it with the admin's key.") from None
    except OSError as e:
        raise SealingError(f"The team key file {path} cannot be read ({type(e).__name__}); check its owner and permissions.") from None
    if sys.platform != "win32" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SealingError(f"The team key file {path} can be read by other users; run `chmod 600 {path}` and retry.")
    return _decode(text.strip(), f"the team key file {path}")


def _encode(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_LEN:
        raise SealingError(f"The team private key in {where} is damaged; restore it from the team's backup.")
    return key
