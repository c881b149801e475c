"""The OS keyring: the only place a secret is read or written.

Each account's secrets are one JSON object under service `recbrowser`, user =
`<cache id>/<account name>`: the cache id is a random id each cache (data folder) keeps in its
database, so two data folders with an account of the same name never overwrite or delete each
other's secrets ('/' cannot occur in an account name, so no such user is an older entry's).
Entries of older versions, keyed by the account name alone, move to the new key the first time
the account's secrets are read with its cache id.

Windows Credential Manager caps a credential at 2,560 bytes, and keyring stores it there as
UTF-16, so the JSON is written ASCII-only and split into entries `name`, `name#1`, ... whenever
one entry would exceed 2,560 bytes as UTF-8 or UTF-16. The first entry then starts with a
header giving the number of chunks and a checksum, so a read reassembles and verifies, and a
rewrite removes chunks the new value no longer needs. Same format on every OS.

There is never a plaintext fallback: no usable keyring is an error that says what to install.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from recbrowser.errors import CredentialError, KeyringLocked, KeyringUnavailable, SecretMissing

# keyring (~110 ms with its backends and entry points) is imported by the functions that use it:
# the window imports this module through the services but opens no secret before its first paint.
if TYPE_CHECKING:
    import keyring.backend

SERVICE = "recbrowser"
CHUNK = 2560  # Windows Credential Manager's limit, in bytes
HEADER = "recbrowser-chunks:v1"
MAX_CHUNKS = 1000  # a bound on the stale-chunk sweep, far above any real secret

log = logging.getLogger("recbrowser.credentials")

INSTALL_ADVICE = (
    "install and start gnome-keyring (Debian: apt install gnome-keyring) or KeePassXC with Secret Service, "
    "then log in again"
)
LOCKED_ADVICE = "the system keyring is locked: unlock it (log in again or open Passwords and Keys) and retry"

T = TypeVar("T")


@dataclass(frozen=True)
class KeyringStatus:
    ok: bool
    where: str  # where secrets live, for the account dialog: "the system keyring (Secret Service)"
    problem: str  # "" when ok; otherwise one sentence: "keyring locked", "no keyring: install ..."
    backend: str  # keyring's backend class, for diagnostics


# -- backend checks ---------------------------------------------------------------------------
def _backend() -> keyring.backend.KeyringBackend:
    import keyring

    return keyring.get_keyring()


def _backend_name(kr: object) -> str:
    return f"{type(kr).__module__}.{type(kr).__qualname__}"


def _where(kr: object) -> str:
    name = _backend_name(kr)
    for part, text in (
        ("SecretService", "the system keyring (Secret Service)"),
        ("libsecret", "the system keyring (Secret Service)"),
        ("Windows", "Windows Credential Manager"),
        ("macOS", "the macOS Keychain"),
        ("kwallet", "KDE Wallet"),
    ):
        if part in name:
            return text
    return f"the keyring backend {name}"


def _unusable_reason(kr: object) -> str | None:
    """Why this backend cannot hold secrets safely, or None if it can."""
    from keyring.backends import chainer, fail, null

    name = _backend_name(kr)
    if isinstance(kr, fail.Keyring | null.Keyring):
        return "no Secret Service or other keyring backend was found"
    if isinstance(kr, chainer.ChainerBackend) and not chainer.ChainerBackend.backends:
        return "no keyring backend is available"
    if name.startswith("keyrings.alt"):  # files in the home folder: the plaintext fallback we refuse
        return f"the configured keyring {name} keeps secrets in a file"
    return None


def _unavailable(reason: str) -> KeyringUnavailable:
    return KeyringUnavailable(f"No usable system keyring to keep account secrets ({reason}): {INSTALL_ADVICE}.")


def _locked() -> KeyringLocked:
    return KeyringLocked(f"Cannot read or store account secrets because {LOCKED_ADVICE}.")


def _call(action: str, fn: Callable[[], T]) -> T:
    """Run one keyring operation, turning backend errors into our three kinds.

    Messages name only the exception class: a backend's own text could quote what it stored.
    """
    import keyring.errors

    reason = _unusable_reason(_backend())
    if reason:
        raise _unavailable(reason)
    try:
        return fn()
    except CredentialError:
        raise
    except keyring.errors.KeyringLocked:
        failure: CredentialError = _locked()
    except keyring.errors.NoKeyringError:
        failure = _unavailable("no keyring backend is available")
    except keyring.errors.InitError:
        # gnome-keyring runs but has no default keyring and could not show the prompt that creates one
        failure = KeyringUnavailable(
            "The system keyring has no default keyring to keep account secrets and could not ask for a password "
            "to create one: log in to the desktop session (or create a default keyring in Passwords and Keys "
            f"or KeePassXC), then retry; if no keyring is installed, {INSTALL_ADVICE}."
        )
    except Exception as e:  # secretstorage / jeepney / OS errors surface unwrapped from some backends
        failure = _classify(action, e)
    raise failure  # outside `except`: nothing from the backend is chained


def _classify(action: str, e: Exception) -> CredentialError:
    import keyring.errors

    kind = type(e).__name__
    mod = type(e).__module__
    if kind in ("LockedException", "PromptDismissedException"):
        return _locked()
    if kind == "SecretServiceNotAvailableException" or mod.startswith("jeepney") or isinstance(e, ConnectionError):
        return _unavailable(f"the Secret Service did not answer, {kind}")
    if isinstance(e, keyring.errors.KeyringError | OSError) or mod.startswith("secretstorage"):
        log.warning("keyring %s failed: %s", action, kind)
        return CredentialError(f"The system keyring failed to {action} account secrets ({kind}); check that it is running and unlocked, then retry.")
    raise e


# -- chunk format -----------------------------------------------------------------------------
def _entry_size(text: str) -> int:
    return max(len(text.encode("utf-8")), len(text.encode("utf-16-le")))


def _chunk_name(account_name: str, index: int) -> str:
    return account_name if index == 0 else f"{account_name}#{index}"


def _split(payload: str) -> list[str]:
    """Entries to store: the JSON itself if it fits, else a header plus pieces that each fit."""
    if _entry_size(payload) <= CHUNK:
        return [payload]
    per_char = 2  # payload is ASCII; UTF-16 doubles it
    piece = CHUNK // per_char
    digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
    header_room = piece - len(f"{HEADER}:9999:{digest}\n")
    first, rest = payload[:header_room], payload[header_room:]
    others = [rest[i : i + piece] for i in range(0, len(rest), piece)]
    return [f"{HEADER}:{len(others) + 1}:{digest}\n{first}", *others]


def _header(entry: str | None) -> tuple[int, str, str] | None:
    """(count, digest, first piece) if `entry` is a chunked head, else None."""
    if not entry or not entry.startswith(HEADER + ":"):
        return None
    head, _, first = entry.partition("\n")
    try:
        _, _, count, digest = head.split(":")
        return int(count), digest, first
    except ValueError:
        return None


def _corrupt(account_name: str) -> CredentialError:
    return CredentialError(
        f"The secrets of account '{account_name}' in the system keyring are incomplete or damaged; "
        "enter them again in the account settings."
    )


# -- public API -------------------------------------------------------------------------------
def keyring_user(account_name: str, cache_id: str | None = None) -> str:
    """The keyring user the account's secrets are stored under (chunks add `#1`, `#2`...)."""
    return f"{cache_id}/{account_name}" if cache_id else account_name


def save_secrets(account_name: str, secrets: dict[str, str], *, cache_id: str | None = None) -> None:
    """Store the account's secrets, replacing what was there (and any chunks left over).

    `cache_id`: the cache the account belongs to (`Store.cache_id`); None only for entries of
    older versions (tests of the migration)."""
    import keyring

    payload = json.dumps(secrets, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    entries = _split(payload)
    user = keyring_user(account_name, cache_id)

    def write() -> None:
        old = keyring.get_password(SERVICE, user)
        old_head = _header(old)
        # Chunks first, the head last: the head is what makes a new set of chunks current.
        for i in range(len(entries) - 1, -1, -1):
            keyring.set_password(SERVICE, _chunk_name(user, i), entries[i])
        stale_until = max(old_head[0] if old_head else 0, len(entries))
        _delete_chunks(user, len(entries), stale_until)

    _call("store", write)


def _read(user: str, account_name: str) -> str | None:
    import keyring

    head = keyring.get_password(SERVICE, user)
    parsed = _header(head)
    if parsed is None:
        return head
    count, digest, first = parsed
    pieces = [first]
    for i in range(1, count):
        piece = keyring.get_password(SERVICE, _chunk_name(user, i))
        if piece is None:
            raise _corrupt(account_name)
        pieces.append(piece)
    payload = "".join(pieces)
    if hashlib.sha256(payload.encode()).hexdigest()[:16] != digest:
        raise _corrupt(account_name)
    return payload


def _parse(account_name: str, payload: str) -> dict[str, str]:
    try:
        secrets = json.loads(payload)
    except ValueError:
        secrets = None
    if not isinstance(secrets, dict):
        raise _corrupt(account_name)
    return {str(k): str(v) for k, v in secrets.items()}


def load_secrets(account_name: str, *, cache_id: str | None = None) -> dict[str, str]:
    """The account's secrets; SecretMissing if none are stored.

    With a cache id, an entry of an older version (keyed by the account name alone) is moved
    to the cache's key: written there first, then deleted, so a crash between leaves a copy."""
    user = keyring_user(account_name, cache_id)
    payload = _call("read", lambda: _read(user, account_name))
    if payload is None and cache_id:
        payload = _call("read", lambda: _read(account_name, account_name))
        if payload is not None:
            secrets = _parse(account_name, payload)
            save_secrets(account_name, secrets, cache_id=cache_id)
            _call("delete", lambda: _delete_all(account_name))
            log.info("moved the secrets of account %s to this cache's own keyring entry", account_name)
            return secrets
    if payload is None:
        raise SecretMissing(
            f"Account '{account_name}' has no secret in the system keyring; enter it again in the account settings."
        )
    return _parse(account_name, payload)


def delete_secrets(account_name: str, *, cache_id: str | None = None) -> None:
    """Remove the account's secrets and chunks; nothing to do if there are none.

    An entry of an older version (by name alone) goes too when the cache has none of its own
    yet: until its first read it is this account's."""
    import keyring

    user = keyring_user(account_name, cache_id)

    def delete() -> None:
        if keyring.get_password(SERVICE, user) is None and cache_id:
            _delete_all(account_name)
        _delete_all(user)

    _call("delete", delete)


def _delete_all(user: str) -> None:
    import keyring

    head = _header(keyring.get_password(SERVICE, user))
    _delete_one(user)
    _delete_chunks(user, 1, head[0] if head else 1)


def _delete_one(name: str) -> bool:
    import keyring.errors

    try:
        keyring.delete_password(SERVICE, name)
        return True
    except keyring.errors.PasswordDeleteError:
        return False


def _delete_chunks(account_name: str, start: int, known_end: int) -> None:
    # Beyond the chunks the old head knew of, sweep on until a gap: a crash mid-rewrite may
    # have left more.
    i = start
    while i < MAX_CHUNKS and (_delete_one(_chunk_name(account_name, i)) or i < known_end):
        i += 1


def keyring_status() -> KeyringStatus:
    """Where secrets live and whether that place works now, without prompting the user."""
    kr = _backend()
    backend, where = _backend_name(kr), _where(kr)
    reason = _unusable_reason(kr)
    if reason:
        return KeyringStatus(False, "nowhere", f"no keyring: {INSTALL_ADVICE} ({reason})", backend)
    if "SecretService" in backend:
        problem = _secret_service_problem()
        if problem:
            return KeyringStatus(False, where, problem, backend)
    return KeyringStatus(True, where, "", backend)


def _secret_service_problem() -> str:
    try:
        import secretstorage

        bus = secretstorage.dbus_init()
        try:
            # The default collection's lock state, read without an unlock prompt.
            locked = secretstorage.Collection(bus).is_locked()
        finally:
            bus.close()
    except Exception as e:
        if type(e).__name__ == "ItemNotFoundException":
            return ""  # no default collection yet: the first save creates it
        return f"no keyring: the Secret Service did not answer ({type(e).__name__}); {INSTALL_ADVICE}"
    return f"keyring locked: {LOCKED_ADVICE}" if locked else ""


# -- team archive -----------------------------------------------------------------------------
# A team profile's secrets (database password, S3 key pair) and a serving host's sealing key
# live under their own service, one machine-wide entry per profile: a profile is not tied to
# one local cache. They are small, so one entry each (no chunks); too big is refused.
TEAM_SERVICE = "recbrowser-team"


def save_team_secrets(entry: str, secrets: dict[str, str]) -> None:
    """Store `secrets` under the team entry `entry`, replacing what was there."""
    import keyring

    payload = json.dumps(secrets, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    if _entry_size(payload) > CHUNK:
        raise CredentialError(f"The secrets for team profile '{entry}' are too long for the system keyring "
                              f"(over {CHUNK // 2} characters); check what was passed on stdin.")
    _call("store", lambda: keyring.set_password(TEAM_SERVICE, entry, payload))


def load_team_secrets(entry: str) -> dict[str, str]:
    """The team entry's secrets; SecretMissing if none are stored."""
    import keyring

    payload = _call("read", lambda: keyring.get_password(TEAM_SERVICE, entry))
    if payload is None:
        raise SecretMissing(f"Team profile '{entry}' has no secrets in the system keyring; "
                            "run `recbrowser team connect` again.")
    try:
        secrets = json.loads(payload)
    except ValueError:
        secrets = None
    if not isinstance(secrets, dict):
        raise CredentialError(f"The secrets of team profile '{entry}' in the system keyring are damaged; "
                              "run `recbrowser team connect` again.")
    return {str(k): str(v) for k, v in secrets.items()}


def delete_team_secrets(entry: str) -> bool:
    """Remove the team entry; False if there was none (so a retried removal still finishes)."""
    return _call("delete", lambda: _delete_team_entry(entry))


def _delete_team_entry(entry: str) -> bool:
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(TEAM_SERVICE, entry)
        return True
    except keyring.errors.PasswordDeleteError:
        return False
