from zoneinfo import ZoneInfo

import pytest

from recbrowser.providers.timeparse import format_display_time, parse_display_time, strptime_format, zone

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    "fmt,text",
    [
        ("YYYY/MM/DD HH:mm:ss", "2026/05/09 21:49:21"),
        ("MM/DD/YYYY HH:mm:ss", "05/09/2026 21:49:21"),
        ("DD/MM/YYYY HH:mm:ss", "09/05/2026 21:49:21"),
        ("YYYY/MM/DD hh:mm:ss AM|PM", "2026/05/09 09:49:21 PM"),
        ("MM/DD/YYYY HH:mm:ss AM|PM", "05/09/2026 09:49:21 PM"),
    ],
)
def test_every_pbx_display_format_round_trips(fmt, text):
    ms = parse_display_time(text, fmt, UTC)
    assert ms == 1778363361000
    assert format_display_time(ms, fmt, UTC) == text


def test_pbx_local_time_uses_the_account_zone():
    assert parse_display_time("2026/01/15 12:00:00", "YYYY/MM/DD HH:mm:ss", ZoneInfo("America/New_York")) == (
        parse_display_time("2026/01/15 17:00:00", "YYYY/MM/DD HH:mm:ss", UTC)
    )


def test_bad_inputs_say_what_is_expected():
    with pytest.raises(ValueError, match="does not match the display format"):
        parse_display_time("2026-05-09T21:49:21", "YYYY/MM/DD HH:mm:ss", UTC)
    with pytest.raises(ValueError, match="needs YYYY, MM and DD"):
        strptime_format("HH:mm")
    with pytest.raises(ValueError, match="is not a time zone name"):
        zone("Mars/Olympus")
