"""Logging: a rotating file under the log folder, every record passed through secret redaction."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from recbrowser.redact import RedactingFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s"


def setup_logging(log_dir: Path | None, *, verbose: bool = False) -> None:
    root = logging.getLogger("recbrowser")
    root.setLevel(logging.DEBUG)
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = log_dir / "recbrowser.log"
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        fh.setLevel(logging.DEBUG if verbose or os.environ.get("RECBROWSER_DEBUG") else logging.INFO)
        handlers.append(fh)
    err = logging.StreamHandler()
    err.setLevel(logging.DEBUG if verbose else logging.ERROR)
    handlers.append(err)
    for h in handlers:
        h.setFormatter(logging.Formatter(FORMAT))
        h.addFilter(RedactingFilter())
        root.addHandler(h)
    root.propagate = False
