"""The window names providers from a table, without importing the connectors: it must agree."""

from __future__ import annotations

from recbrowser.providers.base import BUILTIN, provider_class, provider_names
from recbrowser.providers.titles import TITLES, provider_title


def test_the_title_table_matches_every_connector():
    assert set(TITLES) == set(BUILTIN) == set(provider_names())
    for name in BUILTIN:
        assert provider_title(name) == provider_class(name).title == TITLES[name]


def test_an_unknown_provider_is_named_as_stored():
    assert provider_title("acme") == "acme"
