"""Errors a supervisor can act on. Each message is one sentence that names what to do.

They live outside `providers/` so the store, credentials and services can raise them too;
the CLI prints `str(error)` and exits 1, the window shows it next to the account.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is safe to show (no secrets) and says what to do."""


class StoreUnreachable(UserFacingError):
    """The shared store (a team archive's database server) cannot be reached just now: the
    window says so and retries; nothing local is wrong (store/postgres/connection.py)."""


class ProviderError(UserFacingError):
    """Something went wrong talking to a provider."""


class AuthError(ProviderError):
    """The provider rejected the credentials (wrong secret, revoked key, no permission)."""


class ConnectionFailed(ProviderError):
    """The provider could not be reached (DNS, refused, timed out, dropped)."""


class TlsError(ConnectionFailed):
    """The TLS handshake failed (self-signed certificate, wrong CA bundle, name mismatch)."""


class RateLimited(ProviderError):
    """The provider kept answering 429 after every retry."""


class ServerError(ProviderError):
    """The provider kept answering 5xx after every retry."""


class ProtocolError(ProviderError):
    """The provider answered something we cannot read (malformed JSON, missing fields)."""


class NotFound(ProviderError):
    """The provider says the thing does not exist (or no longer exists)."""


class LinkExpired(ProviderError):
    """A signed or time-limited download URL is no longer valid."""


class DownloadIncomplete(ProviderError):
    """A download ended early or its size does not match what the provider declared."""


class CredentialError(UserFacingError):
    """The keyring cannot be used."""


class KeyringUnavailable(CredentialError):
    """No usable keyring backend is installed or running."""


class KeyringLocked(CredentialError):
    """The keyring exists but is locked."""


class SecretMissing(CredentialError):
    """The account has no secret stored in the keyring."""


class StoreError(UserFacingError):
    """The local cache cannot be used."""


class SchemaTooNew(StoreError):
    """The cache was written by a newer recbrowser."""


class DiskFull(UserFacingError):
    """The disk (or quota) holding the media cache or an export is full: nothing more will fit."""
