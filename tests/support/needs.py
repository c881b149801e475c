"""What to do when a part the suite needs (keyring, D-Bus, ffmpeg, a tool) is missing: fail.

A test that skips for a missing part leaves the run green while testing nothing, so a missing
part fails the test, in CI and under `./run test` alike. A developer without, say, a keyring
can ask for skips explicitly: `RECBROWSER_TEST_ALLOW_SKIP=1 pytest ...` (see README, Development).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

ALLOW_SKIP = "RECBROWSER_TEST_ALLOW_SKIP"


def missing(what: str) -> NoReturn:
    """Fail (or, when the developer asked for it, skip) a test that cannot run: `what` says why."""
    if os.environ.get(ALLOW_SKIP) == "1":
        pytest.skip(what)
    pytest.fail(f"{what}; set {ALLOW_SKIP}=1 to skip such tests instead", pytrace=False)
