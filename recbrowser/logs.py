"""Logging: a rotating file under the log folder, every record passed through secret redaction."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from recbrowser.private import make_private, private_dir, private_open
from recbrowser.redact import RedactingFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s"
MAX_BYTES = 2_000_000
BACKUPS = 3  # recbrowser.log.1 (newest) to .3


class RotatingLog(logging.FileHandler):
    """A log file that moves to .1, .2, ... once it would pass `max_bytes`, keeping `backups`.

    What logging.handlers.RotatingFileHandler does, without that module's imports (sockets,
    pickle, queues: ~4 ms of every start of the window).
    """

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:  # backups >= 1
        super().__init__(path, encoding="utf-8")
        self.max_bytes, self.backups = max_bytes, backups

    def _open(self):  # type: ignore[no-untyped-def]
        # 0600 whatever the umask (and for a log an older version wrote 0644): it names calls and numbers.
        return private_open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.stream.tell() + len(self.format(record)) + 1 > self.max_bytes:
                self._rotate()
        except Exception:  # noqa: BLE001 - what logging does with a handler's failure
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self) -> None:
        # Called under the handler's lock (Handler.handle): no other thread writes meanwhile.
        self.stream.close()
        self.stream = None  # reopened by FileHandler.emit
        for n in range(self.backups - 1, 0, -1):
            older = f"{self.baseFilename}.{n}"
            if os.path.exists(older):
                os.replace(older, f"{self.baseFilename}.{n + 1}")
        os.replace(self.baseFilename, f"{self.baseFilename}.1")


class WithoutTraceback(logging.Formatter):
    """The terminal gets the record's one line; its traceback goes to the log file only (and to
    the terminal with --verbose): a supervisor never sees Python's internals."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def setup_logging(log_dir: Path | None, *, verbose: bool = False) -> None:
    root = logging.getLogger("recbrowser")
    root.setLevel(logging.DEBUG)
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        path = log_dir / "recbrowser.log"
        try:
            private_dir(log_dir)
            for n in range(1, BACKUPS + 1):
                make_private(path.with_name(f"{path.name}.{n}"))
            fh = RotatingLog(path)
        except OSError:
            fh = None  # a read-only data folder: reading the cache still works, without a log
        if fh is not None:
            fh.setLevel(logging.DEBUG if verbose or os.environ.get("RECBROWSER_DEBUG") else logging.INFO)
            handlers.append(fh)
    err = logging.StreamHandler()
    err.setLevel(logging.DEBUG if verbose else logging.ERROR)
    handlers.append(err)
    for h in handlers:
        h.setFormatter(logging.Formatter(FORMAT) if h is not err or verbose else WithoutTraceback(FORMAT))
        h.addFilter(RedactingFilter())
        root.addHandler(h)
    root.propagate = False
