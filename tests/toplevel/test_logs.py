"""The log file: rotated before it grows past its size, a fixed number of old files kept, and
secrets masked in what reaches the disk."""

from __future__ import annotations

import logging

from recbrowser.logs import RotatingLog, setup_logging
from recbrowser.redact import register_secret


def lines_of(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_the_log_moves_to_numbered_files_and_keeps_three(tmp_path):
    path = tmp_path / "recbrowser.log"
    handler = RotatingLog(path, max_bytes=400, backups=3)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("test-rotation")
    log.propagate = False
    log.addHandler(handler)
    try:
        for n in range(100):
            log.warning("line %03d %s", n, "x" * 40)  # 49 bytes a line: 8 lines a file
    finally:
        log.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["recbrowser.log", "recbrowser.log.1", "recbrowser.log.2", "recbrowser.log.3"]
    assert all((tmp_path / name).stat().st_size <= 400 for name in files)
    # Newest last in the live file, and .1 holds the lines just before it, without a gap.
    current, previous = lines_of(path), lines_of(tmp_path / "recbrowser.log.1")
    assert current[-1].startswith("line 099")
    assert int(previous[-1][5:8]) + 1 == int(current[0][5:8])
    oldest_kept = int(lines_of(tmp_path / "recbrowser.log.3")[0][5:8])
    assert oldest_kept > 0  # the first lines are gone: only three old files stay


def test_setup_logging_writes_the_file_with_secrets_masked(tmp_path):
    secret = "s3cr3t-token-for-the-log-test"
    register_secret(secret)
    setup_logging(tmp_path, verbose=False)
    log = logging.getLogger("recbrowser.test")
    try:
        log.info("signed in with %s", secret)
        log.info("GET https://pbx.example/api?access_token=%s", secret)
    finally:
        setup_logging(None)  # closes the file handler
    text = (tmp_path / "recbrowser.log").read_text(encoding="utf-8")
    assert "signed in with ***" in text and "access_token=***" in text
    assert secret not in text
