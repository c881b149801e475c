"""What `recbrowser` decides before its first import of any weight, and the window's warm-up.

Plain `recbrowser` opens the window, and the time to its first paint is mostly Python
importing modules on one core. `warm_up` puts the second core to work meanwhile: it loads
Qt's libraries (the dynamic linker's work, ~15 ms) and fontconfig's font list (~5 ms, which
Qt would otherwise read when it lays out the first line of text). Both are C calls made
through ctypes, which lets go of the GIL, so the imports go on beside them. Nothing here
imports Qt: when PySide6 loads later it finds the libraries already mapped.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Sequence
from contextlib import suppress

# Not the window: whatever these ask for is printed or done without one.
_NO_WINDOW = {"--version", "--headless", "--install-desktop-entry", "--uninstall-desktop-entry"}

# In the order they depend on each other: each one's own libraries are then already there.
_QT_LIBRARIES = ("Qt/lib/libQt6Core.so.6", "Qt/lib/libQt6Gui.so.6", "Qt/lib/libQt6Widgets.so.6",
                 "QtCore.abi3.so", "QtGui.abi3.so", "QtWidgets.abi3.so")


def collector_off() -> None:
    """Garbage collection off while a window starts (recbrowser/__main__.py).

    Start-up makes objects that live as long as the process, and the collector would scan them
    over and over while the window's modules load (~10 ms before its first paint). Every path
    turns it back on with `collector_on`: the window once it is complete (or after 5 s, or when
    it closes early), the commands and the terminal demo before they run.
    """
    gc.disable()


def collector_on(*, freeze: bool = False) -> None:
    """Garbage collection back on; with `freeze`, what start-up made is collected once and then
    kept out of full collections (their pauses would show as UI stalls during a sync)."""
    if freeze:
        gc.collect()
        gc.freeze()
    gc.enable()


def command_word(argv: Sequence[str]) -> str | None:
    """The command argv names (its first word that is not an option or an option's value)."""
    takes_value = {"--data-dir", "--screenshot", "--team"}
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def names_a_command(argv: Sequence[str]) -> bool:
    """Whether argv goes beyond the top-level options: a command, or a request for help. Plain
    `recbrowser` (the window) then skips importing the command modules, ~25 ms of start-up."""
    return command_word(argv) is not None or any(arg in ("-h", "--help") for arg in argv)


def opens_window(argv: Sequence[str]) -> bool:
    return not names_a_command(argv) and not _NO_WINDOW.intersection(argv)


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def warm_up() -> threading.Thread | None:
    """Start loading Qt and the font list on a thread of their own (Linux: the libraries'
    names are the wheel's); None where there is nothing to do."""
    if sys.platform != "linux":
        return None
    thread = threading.Thread(target=_load, name="warm-up", daemon=True)
    thread.start()
    return thread


def _load() -> None:
    import ctypes

    dlopen = _dlopen(ctypes)
    package = next((os.path.join(entry or ".", "PySide6") for entry in sys.path
                    if os.path.isdir(os.path.join(entry or ".", "PySide6", "Qt", "lib"))), None)
    if dlopen is not None and package is not None:
        for name in _QT_LIBRARIES:
            if not dlopen(os.fsencode(os.path.join(package, name)), os.RTLD_NOW):
                break  # missing or unloadable: the import will say why
    with suppress(OSError, AttributeError):  # no fontconfig (not Linux's usual desktop): Qt copes
        ctypes.CDLL("libfontconfig.so.1").FcInit()


def _dlopen(ctypes):
    """libc's dlopen as a foreign function: ctypes lets go of the GIL for it, which it does not
    while loading a library with ctypes.CDLL. What it opens is never closed: Qt keeps it."""
    for library in ("libc.so.6", "libdl.so.2"):  # glibc before 2.34 has dlopen in libdl
        try:
            function = ctypes.CDLL(library).dlopen
        except (OSError, AttributeError):
            continue
        function.argtypes, function.restype = (ctypes.c_char_p, ctypes.c_int), ctypes.c_void_p
        return function
    return None
