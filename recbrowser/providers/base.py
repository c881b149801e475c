"""The Provider protocol every connector implements, and the registry of connectors.

A provider turns its vendor API into domain objects. It never touches the database or the
keyring: the sync service hands it the account and its secrets, and stores what it yields.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from recbrowser.domain import Account, Call, Recording

if TYPE_CHECKING:
    from recbrowser.providers.http import HttpClient


@dataclass(frozen=True)
class SettingField:
    """One field of an account form. Secret fields go to the keyring, the rest to SQLite."""

    key: str
    label: str
    required: bool = True
    default: str = ""
    secret: bool = False
    help: str = ""


@dataclass
class CallPage:
    """A page of calls. `cursor` resumes the listing right after this page."""

    calls: list[Call]
    cursor: str | None
    progress: str = ""  # e.g. "2026-05-09, page 3": shown in the progress line
    # Records left out of this page because they could not be read: "call <id>: <why>".
    unreadable: list[str] = field(default_factory=list)


@dataclass
class MediaSource:
    """Where to fetch one recording's bytes, resolved just before the download."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    file_name: str = ""
    format: str = ""
    size: int | None = None
    # Downloads sharing a key run one at a time (Yeastar: one mp3 download per PBX).
    serial_key: str | None = None


class Provider(Protocol):
    name: ClassVar[str]
    title: ClassVar[str]
    settings_schema: ClassVar[tuple[SettingField, ...]]

    account: Account
    http: HttpClient

    def test_credentials(self) -> str:
        """Sign in and return one sentence describing the account; raise ProviderError."""

    def list_calls(self, since_ms: int, until_ms: int, cursor: str | None = None) -> Iterator[CallPage]:
        """Yield pages of calls that started in [since_ms, until_ms), resuming at `cursor`."""

    def fetch_transcript(self, call: Call) -> Call:
        """Return the call with `segments`/`summary`/`transcript_status` filled in if possible."""

    def resolve_media(self, call: Call, recording: Recording) -> MediaSource:
        """Return a fresh, fetchable source for a recording (signed URLs may expire)."""

    def close(self) -> None: ...


_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    _REGISTRY[cls.name] = cls
    return cls


def provider_class(name: str) -> type:
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"Unknown provider {name!r}; known providers: {known}.") from None


def provider_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


# Connector modules, imported lazily so `recbrowser --help` does not pay for every connector.
BUILTIN = ("yeastar", "bandwidth", "wildix", "dialgen", "voki")


def _load_builtin() -> None:
    for name in BUILTIN:
        importlib.import_module(f"recbrowser.providers.{name}")


def secret_keys(cls: type) -> list[str]:
    return [f.key for f in cls.settings_schema if f.secret]
