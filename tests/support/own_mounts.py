"""Full-disk tests: a small tmpfs mounted in a private user+mount namespace (`unshare -rm`).

Mounting needs CAP_SYS_ADMIN, which CI and developers rarely have; in a namespace of its own
an unprivileged user (and root, in a container without the capability) may mount a tmpfs that
nobody else sees and that vanishes with the process. A test decorated with `@with_own_mounts`
runs itself again, alone, in such a namespace, and passes only if that inner run passes.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.needs import missing
from support.paths import REPO

INSIDE = "RECBROWSER_TEST_OWN_MOUNTS"
ROOT = REPO


def with_own_mounts(test: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if os.environ.get(INSIDE) == "1":
            return test(*args, **kwargs)
        unshare = shutil.which("unshare")
        if unshare is None:
            missing("needs unshare (util-linux) to mount a small tmpfs in a namespace of its own")
        probe = subprocess.run([unshare, "-rm", "true"], capture_output=True, text=True)
        if probe.returncode:
            missing(f"needs user namespaces to mount a small tmpfs (unshare -rm: {probe.stderr.strip()})")
        node = os.environ["PYTEST_CURRENT_TEST"].rsplit(" ", 1)[0]
        base = Path(tempfile.mkdtemp(prefix="recbrowser-mounts-"))
        try:
            cmd = [unshare, "-rm", sys.executable, "-m", "pytest", node, "-q", "-p", "no:randomly",
                   "-p", "no:cacheprovider", f"--basetemp={base / 'tmp'}"]
            inner = subprocess.run(cmd, cwd=ROOT, env={**os.environ, INSIDE: "1"}, capture_output=True, text=True)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        out = inner.stdout + inner.stderr
        assert inner.returncode == 0 and "1 passed" in out, out[-6000:]

    return wrapper


def mount_tmpfs(path: Path, size: str) -> None:
    """Mount a tmpfs of `size` (e.g. "1m") on `path`; only inside `@with_own_mounts`."""
    assert os.environ.get(INSIDE) == "1", "mount_tmpfs is for tests decorated with @with_own_mounts"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"cannot mount a tmpfs in this namespace: {done.stderr.strip()}", pytrace=False)


def resize_tmpfs(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)
