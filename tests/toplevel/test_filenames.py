import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recbrowser.filenames import MAX_BYTES, safe_filename, unique_name


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("rec[1] (copy).wav", "rec[1] (copy).wav"),
        ("a:b*c?.wav", "a_b_c_.wav"),
        ("CON.wav", "_CON.wav"),
        ("lpt1", "_lpt1"),
        ("..", "recording"),
        ("name. ", "name"),
    ],
)
def test_names_from_providers_become_one_safe_component(raw, expected):
    assert safe_filename(raw) == expected


def test_long_names_are_cut_on_character_boundaries_keeping_the_extension():
    name = safe_filename("é" * 300 + ".wav")
    assert name.endswith(".wav") and len(name.encode()) <= MAX_BYTES
    name.encode("utf-8").decode("utf-8")


def test_unique_name_is_case_insensitive():
    assert unique_name("a.wav", {"A.WAV"}) == "a (2).wav"
    assert unique_name("a.wav", {"a.wav", "a (2).wav"}) == "a (3).wav"
    assert unique_name("b.wav", {"a.wav"}) == "b.wav"


# -- any name at all: hypothesis ---------------------------------------------------------------------

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                    *(f"{p}{d}" for p in ("COM", "LPT") for d in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                                                                 "¹", "²", "³"))}
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Pieces that make names hard: controls, direction overrides, dots, spaces, separators, reserved
# names, long and multi-byte text, lone surrogates.
PIECES = st.sampled_from([
    ".", " ", "..", "/", "\\", ":", "*", "?", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\u202e", "\u202a", "\u2066",
    "\u2069", "\u200f", "CON", "nul", "Com1", "LPT9", "com¹", "CONIN$", "é", "e\u0301", "日本", "🙂", "\ud800",
    "rec", ".wav", ".123456789012345 x", "x" * 170, "é" * 95,
])
NAMES = st.lists(st.one_of(PIECES, st.characters(), st.text(max_size=8)), max_size=12).map("".join)


def legal_everywhere(name: str) -> None:
    assert name and name not in (".", "..")
    assert len(name.encode("utf-8")) <= MAX_BYTES
    assert not any(c in '<>:"/\\|?*' for c in name)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name), "C0/C1 control or DEL"
    assert not set(name) & BIDI_CONTROLS, "direction override or isolate"
    assert not name.endswith((" ", ".")) and not name.startswith((" ", "."))
    assert name.split(".")[0].rstrip(" ").upper() not in WINDOWS_RESERVED


@settings(max_examples=600, deadline=None)
@given(NAMES, st.sampled_from(["recording", "1001-r1.wav", "CON", "", "\u202e..", "a/b.mp3"]))
def test_any_name_becomes_legal_on_every_system_and_stays_as_it_is(raw, fallback):
    name = safe_filename(raw, fallback=fallback)
    legal_everywhere(name)
    assert safe_filename(name, fallback=fallback) == name


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("rec.123456789012345 x", "rec.123456789012345"),  # the cut left a trailing space
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # shown as "invoiceexe.png" with the override
        ("a\u2066b\u2069.wav", "ab.wav"),
        ("call\x85\x9f.wav", "call__.wav"),
        ("CON .txt", "_CON .txt"),
        ("COM¹.wav", "_COM¹.wav"),
        ("", "recording"),
    ],
)
def test_names_that_broke_before(raw, expected):
    assert safe_filename(raw) == expected
