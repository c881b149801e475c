"""Times across a change of summer time, under TZ=Europe/Berlin and TZ=America/New_York.

Every expected value is a literal (worked out by hand from the zone's rules), never the output
of the function under test. Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00.
New York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00.
"""

from __future__ import annotations

import os
import time

import pytest

from recbrowser.cli.args import iso_arg
from recbrowser.domain import Account
from recbrowser.providers.timeparse import parse_display_time
from recbrowser.providers.yeastar import YeastarProvider
from recbrowser.providers.yeastar_map import file_start_ms
from recbrowser.services.export_names import local_time, render_stem


@pytest.fixture
def tz(request):
    """The computer's zone for one test (os.environ["TZ"] + time.tzset()), put back after."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def yeastar_without_zone() -> YeastarProvider:
    account = Account(name="pbx", provider="yeastar", settings={"base_url": "http://127.0.0.1:9", "client_id": "a"})
    return YeastarProvider(account, {"client_secret": "x"})


@pytest.mark.parametrize(("tz", "text", "file_name", "expected"), [
    # Berlin: winter (CET, +1) and summer (CEST, +2) on either side of 2026-03-29.
    ("Europe/Berlin", "2026/03/28 12:00:00", "20260328120000-2001-2002.wav", 1774695600000),  # 11:00Z
    ("Europe/Berlin", "2026/03/30 12:00:00", "20260330120000-2001-2002.wav", 1774864800000),  # 10:00Z
    ("Europe/Berlin", "2026/10/26 12:00:00", "20261026120000-2001-2002.wav", 1793012400000),  # 11:00Z
    # New York: EST (-5) before 2026-03-08, EDT (-4) after.
    ("America/New_York", "2026/03/07 12:00:00", "20260307120000-2001-2002.wav", 1772902800000),  # 17:00Z
    ("America/New_York", "2026/03/09 12:00:00", "20260309120000-2001-2002.wav", 1773072000000),  # 16:00Z
    # A POSIX TZ (no IANA name): the C library's rules, still with summer time.
    ("CET-1CEST,M3.5.0,M10.5.0/3", "2026/03/30 12:00:00", "20260330120000-2001-2002.wav", 1774864800000),
], indirect=["tz"])
def test_a_yeastar_account_without_a_zone_uses_the_computers_zone_with_its_summer_time(tz, text, file_name, expected):
    provider = yeastar_without_zone()
    try:
        times = provider.times
        assert parse_display_time(text, times.display_format, times.tz) == expected
        assert file_start_ms(file_name, times) == expected
    finally:
        provider.close()


@pytest.mark.parametrize(("tz", "days", "now_ms", "expected"), [
    # "Last 7 days" on 2026-03-31 10:00 CEST: from 2026-03-25 00:00 CET = 2026-03-24T23:00Z.
    ("Europe/Berlin", 7, 1774944000000, 1774393200000),
    # "Today" on the day of the change (2026-03-29 12:00 CEST): from 00:00 CET = 2026-03-28T23:00Z.
    ("Europe/Berlin", 0, 1774778400000, 1774738800000),
    # "Last 30 days" on 2026-04-10 12:00 CEST: from 2026-03-12 00:00 CET = 2026-03-11T23:00Z.
    ("Europe/Berlin", 30, 1775815200000, 1773270000000),
    # Autumn: "Last 7 days" on 2026-10-27 12:00 CET: from 2026-10-21 00:00 CEST = 2026-10-20T22:00Z.
    ("Europe/Berlin", 7, 1793098800000, 1792533600000),
    # New York, "Last 7 days" on 2026-03-10 12:00 EDT: from 2026-03-04 00:00 EST = 05:00Z.
    ("America/New_York", 7, 1773158400000, 1772600400000),
    # "Today" on 2026-11-01 12:00 EST, the day clocks go back: from 00:00 EDT = 04:00Z.
    ("America/New_York", 0, 1793552400000, 1793505600000),
], indirect=["tz"])
def test_the_date_presets_start_at_local_midnight_across_a_change_of_summer_time(tz, days, now_ms, expected):
    from recbrowser.ui.call_list.filter_bar import since_for

    assert since_for(days, now=now_ms / 1000) == expected


@pytest.mark.parametrize(("tz", "text", "expected"), [
    ("Europe/Berlin", "2026-03-29", 1774738800000),  # 00:00 CET = 2026-03-28T23:00Z
    ("Europe/Berlin", "2026-03-30", 1774821600000),  # 00:00 CEST = 2026-03-29T22:00Z
    ("Europe/Berlin", "2026-03-30T12:00", 1774864800000),
    ("America/New_York", "2026-03-08", 1772946000000),  # 00:00 EST = 05:00Z
    ("America/New_York", "2026-03-09", 1773028800000),  # 00:00 EDT = 04:00Z
    ("America/New_York", "2026-03-09T12:00:00Z", 1773057600000),  # an explicit zone wins
], indirect=["tz"])
def test_since_and_until_are_read_in_the_computers_zone_with_that_days_offset(tz, text, expected):
    assert iso_arg(text) == expected


@pytest.mark.parametrize(("tz", "start_ms", "expected"), [
    ("Europe/Berlin", 1774744200000, "2026-03-29_013000"),  # 00:30Z, CET
    ("Europe/Berlin", 1774747800000, "2026-03-29_033000"),  # 01:30Z, CEST: 02:xx never happened
    ("America/New_York", 1793511000000, "2026-11-01_013000"),  # 05:30Z, EDT
    ("America/New_York", 1793514600000, "2026-11-01_013000"),  # 06:30Z, EST: the hour happens twice
], indirect=["tz"])
def test_export_file_names_use_the_local_time_of_each_call(tz, start_ms, expected):
    fields = {"start": local_time(start_ms, None)}
    assert render_stem("{start:%Y-%m-%d_%H%M%S}", fields, "x") == expected


@pytest.mark.parametrize("tz", ["Europe/Berlin"], indirect=True)
def test_a_custom_range_ends_at_the_local_midnight_after_its_last_day(qtbot, tz):
    """Custom range 2026-03-23 to 2026-03-29: from 2026-03-23 00:00 CET (2026-03-22T23:00Z) to
    2026-03-30 00:00 CEST (2026-03-29T22:00Z), not an hour later."""
    from PySide6.QtCore import QDate

    from recbrowser.ui.call_list.filter_bar import CUSTOM, FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.dates.setCurrentIndex(bar.dates.findData(CUSTOM))
    since, until = bar._range_edits()
    since.setDate(QDate(2026, 3, 23))
    until.setDate(QDate(2026, 3, 29))
    assert bar.date_range() == (1774220400000, 1774821600000)
