"""Where the tests find the repository and their committed data, from any test folder."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"  # vendors' documents and examples, old schemas, audio samples
SNAPSHOTS = TESTS / "snapshots"
