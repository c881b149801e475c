import pytest

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
