"""The providers' names as users know them, without importing any connector.

The window's account list shows them before its first paint: importing the five connectors
for their `title` would cost ~15 ms, and even providers.base ~2 ms (its dataclasses).
tests/providers/test_providers_titles.py keeps this table equal to each class's title.
"""

from __future__ import annotations

TITLES = {"yeastar": "Yeastar P-Series", "bandwidth": "Bandwidth Voice", "wildix": "Wildix", "dialgen": "Dialgen",
          "voki": "Voki"}


def provider_title(name: str) -> str:
    """The provider's name as users know it; the internal name if there is no such provider."""
    if name in TITLES:
        return TITLES[name]
    from recbrowser.providers.base import provider_class  # a provider added outside this table

    try:
        return provider_class(name).title
    except KeyError:
        return name
