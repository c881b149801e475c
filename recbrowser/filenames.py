"""File names that are safe on Windows, macOS and Linux, whatever a provider sends."""

from __future__ import annotations

import re
import unicodedata

# Windows refuses these as a base name, with any extension (CON.txt too).
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_BYTES = 180  # well under the 255-byte limit, leaving room for ".part" and a " (2)" suffix


def safe_filename(name: str, fallback: str = "recording") -> str:
    """One path component: no directories, no traversal, no reserved or illegal names."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drop any directory part, incl. "../"
    name = _ILLEGAL.sub("_", name)
    name = name.strip(" .")  # Windows drops trailing dots and spaces; leading dots hide files
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    if not stem:
        stem = fallback
    ext = ext[:16]
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > MAX_BYTES:
        stem = stem[:-1]
    return stem + suffix


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`... compared case-insensitively (Windows, macOS)."""
    lowered = {t.lower() for t in taken}
    if name.lower() not in lowered:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while True:
        candidate = f"{stem} ({n}){'.' + ext if ext else ''}"
        if candidate.lower() not in lowered:
            return candidate
        n += 1
