"""What the command line says when something below it fails in a way no command caught: one
sentence a supervisor can act on, never a Python traceback (the details go to the log)."""

from __future__ import annotations

import errno
import logging
import os
import sys
from pathlib import Path

from recbrowser.store import failure_sentence

log = logging.getLogger("recbrowser.cli")


def sentence(error: BaseException, database: Path | None) -> str:
    """One sentence for an error that reached the command line's top."""
    said = failure_sentence(error, database)  # the cache's own errors: damaged, busy, read-only
    if said is not None:
        return said
    where = database if database is not None else "the cache"
    if isinstance(error, OSError):
        name = error.filename or where
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"Cannot write to {name}: permission denied; choose a folder you can write to (or pass --data-dir)."
        if error.errno in (errno.EEXIST, errno.ENOTDIR):
            return f"{name} is (or is inside) a file, not a folder: pass --data-dir with a folder, or move the file."
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return f"The disk holding {name} is full: free some space and run the command again."
        return f"Cannot use {name}: {error.strerror or error}."
    return (f"Unexpected error ({type(error).__name__}); nothing more was done. The details are in the log "
            "(recbrowser --verbose shows them): please report it.")


def report(error: BaseException, database: Path | None) -> int:
    """Print the sentence for `error` on stderr, log the details, and return the exit status."""
    if logging.getLogger("recbrowser").handlers:  # else logging's last resort would print the traceback
        log.warning("command failed", exc_info=error)  # below the terminal's level: the log file only
    print(f"recbrowser: {sentence(error, database)}", file=sys.stderr)
    return 1


def output_closed() -> int:
    """`recbrowser calls | head`: the reader went away. Nothing to say (the reader chose to stop);
    stdout is pointed at /dev/null so Python's own flush at exit has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file (a test's capture): nothing to flush
        pass
    return 1
