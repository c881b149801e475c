"""File names that are safe on Windows, macOS and Linux, whatever a provider sends."""

from __future__ import annotations

import re
import unicodedata

# Windows refuses these as a base name, with any extension (CON.txt too), and with spaces
# before the extension ("CON .txt"); the superscript digits count as digits there.
_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
    *(f"{port}{d}" for port in ("COM", "LPT") for d in "0123456789\u00b9\u00b2\u00b3"),
}
# Illegal on Windows (<>:"/\|?*), macOS (:) or Linux (/), and every C0 and C1 control and DEL.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
# Invisible direction marks, embeddings, overrides and isolates: "gnp.exe" shown as "exe.png".
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # from a provider's broken JSON; not encodable
MAX_BYTES = 180  # well under the 255-byte limit, leaving room for ".part" and a " (2)" suffix
MAX_EXT = 16


def safe_filename(name: str, fallback: str = "recording") -> str:
    """One path component legal on Windows, macOS and Linux, whatever a provider sends: no
    directories, no traversal, no reserved names, no controls or direction overrides, no
    trailing dot or space, at most MAX_BYTES of UTF-8. Applying it again changes nothing."""
    if not _clean(name):
        return safe_filename(fallback) if _clean(fallback) else "recording"
    while True:  # a cut can leave a trailing dot or space, or a reserved name: once more then
        done = _once(name)
        if done == name:
            return done
        name = done


def _once(name: str) -> str:
    name = _clean(name) or "recording"
    stem, dot, ext = name.rpartition(".")
    if not dot:  # _clean strips leading dots: with a dot, the stem is never empty
        stem, ext = name, ""
    ext = ext[:MAX_EXT].rstrip(" ")
    if stem.split(".")[0].rstrip(" ").upper() in _RESERVED:
        stem = f"_{stem}"
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > MAX_BYTES:
        stem = stem[:-1]
    return stem + suffix


def _clean(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drop any directory part, incl. "../"
    name = _BIDI.sub("", name)
    name = _SURROGATE.sub("_", name)
    name = _ILLEGAL.sub("_", name)
    return name.strip(" .")  # Windows drops trailing dots and spaces; leading dots hide files


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
