"""PII masking: what a supervisor hands over must not carry card numbers, phone numbers or
e-mail addresses, and must still read right (dates, times, amounts stay)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from support.export_helpers import export, pii_call, read_export, synced

from recbrowser.errors import UserFacingError
from recbrowser.services.pii import CARD, EMAIL, PHONE, Redactor, luhn_ok


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("My card is 4111 1111 1111 1111, expiry 09/27.", f"My card is {CARD}, expiry 09/27."),
        ("it's 4111-1111-1111-1111 and the code is 123", f"it's {CARD} and the code is 123"),
        ("5500005555555559", CARD),  # 16 digits, no spaces
        ("amex 3782 822463 10005 please", f"amex {CARD} please"),  # 15 digits in 4-6-5
        ("four one one one one one one one one one one one one one one one", CARD),  # spoken
        ("4111 1111 1111 1111 123", f"{CARD} 123"),  # the card, then its code said right after
        ("call me on +49 30 1234567", f"call me on {PHONE}"),
        ("(555) 123-4567 or 555.123.4567", f"{PHONE} or {PHONE}"),
        ("+1 (555) 123-4567; toll-free 1-800-555-0199.", f"{PHONE}; toll-free {PHONE}."),
        ("mobile +44 7911 123456", f"mobile {PHONE}"),
        ("my mobile is 0171 2345678.", f"my mobile is {PHONE}."),
        ("five five five, one two three, four five six seven", PHONE),
        ("double five five one two three four five six seven", PHONE),
        ("write to mia.mueller+billing@example.co.uk today", f"write to {EMAIL} today"),
        ("it's mia dot mueller at example dot com", f"it's {EMAIL}"),
    ],
)
def test_personal_data_is_masked(said, expected):
    assert Redactor().text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "On 2026-05-09 at 14:33 the refund went out.",
        "It was 09.05.2026, or 5/9/26 in your notation, at 2026-05-09T14:33:20Z.",
        "The call lasted 00:01:05,120 and hold was 0:45.",
        "I was charged $1,234.56 twice, that is 2,469.12 dollars.",
        "Es waren 1.234,56 € und dann 1 234 567 euros.",
        "The fee is 12.50 and rates rose 3.5% this year, 2025 and 2026.",
        "Order 12345678 and ticket 4111 1111 1111 1112.",  # not Luhn: not a card; 8 bare digits: an order
        "Room 201, extension 2001, three to four days.",
        "one two three",
        "Card ending in 1111, reference 123 456 789, zip 10115, age 42.",
        "Router 192.168.1.1 runs version 6.12.0; open 9-5 on weekdays.",
    ],
)
def test_dates_times_durations_amounts_and_short_numbers_stay(said):
    assert Redactor().text(said) == said


def test_luhn():
    assert luhn_ok("4111111111111111") and luhn_ok("378282246310005")
    assert not luhn_ok("4111111111111112")


def test_the_calls_own_numbers_in_any_spelling_but_not_extensions():
    red = Redactor(["+4930123456", "201"])
    assert red.text("Please call 030 123456 back, or 30123456.") == f"Please call {PHONE} back, or {PHONE}."
    assert red.number("+49 30 123456") == PHONE and red.number("201") == "201"
    assert Redactor().text("Please call 30123456 back.") == "Please call 30123456 back."  # without the option


@pytest.mark.parametrize("dest_name", ["redacted", "redacted.zip"])
def test_export_with_redact_pii_masks_transcripts_summary_and_notes(store, yeastar, data_dir, tmp_path, dest_name):
    account = synced(store, yeastar)
    store.upsert_calls(account.id, [pii_call()])
    store.add_note(account.name, "pii-1", 2500, "Customer gave card 4111111111111111, mail mia@example.com")
    store.add_tag(account.name, "pii-1", "refund")
    dest = tmp_path / dest_name
    summary = export(store, yeastar, data_dir, dest, refs=["hq/pii-1"], transcripts=("txt", "srt", "vtt", "json"),
                     redact_pii=True)
    assert not summary.failed
    manifest, files = read_export(dest)
    assert manifest["export"]["redact_pii"] == ["cards", "phones", "emails"]
    row = manifest["calls"][0]
    everything = "\n".join(data.decode("utf-8-sig") for data in files.values())
    for secret in ("1111 1111", "4111111111111111", "mia@example.com", "0171 2345678"):
        assert secret not in everything, secret
    for kept in ("$12.50", "2026-05-12", "14:30"):  # what the call was about still reads right
        assert kept in files[f"{row['stem']}.txt"].decode()
    assert row["summary"] == f"Card {CARD} charged twice on 2026-05-09; refund $12.50."
    assert row["notes"][0]["text"] == f"Customer gave card {CARD}, mail {EMAIL}" and row["tags"] == ["refund"]
    transcript = json.loads(files[f"{row['stem']}.json"])
    assert transcript["tags"] == ["refund"] and transcript["notes"][0]["at"] == "0:02"  # notes travel with it
    assert transcript["notes"][0]["text"] == row["notes"][0]["text"]
    assert row["from"] == "+4930123456"  # the call's own numbers only with redact_call_numbers
    assert "+4930123456" in files[f"{row['stem']}.txt"].decode()  # its header, not what was said
    assert f"Call me back on {PHONE}." in files[f"{row['stem']}.vtt"].decode()
    assert store.notes(account.name, "pii-1")[0].text.startswith("Customer gave card 4111")  # the cache keeps it


def test_redact_call_numbers_masks_them_in_names_manifest_and_header(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    store.upsert_calls(account.id, [pii_call()])
    dest = tmp_path / "nums"
    export(store, yeastar, data_dir, dest, refs=["hq/pii-1"], transcripts=("txt", "json"), redact_call_numbers=True)
    manifest, files = read_export(dest)
    row = manifest["calls"][0]
    assert manifest["export"]["redact_pii"] == ["cards", "phones", "emails", "call_numbers"]
    assert row["from"] == PHONE and row["from_name"] == PHONE and row["to"] == "201"  # an extension stays
    assert all("123456" not in name for name in files)
    everything = "\n".join(data.decode("utf-8-sig") for data in files.values())
    assert "123456" not in everything
    table = list(csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8-sig"))))
    assert table[0]["export_redact_pii"] == "cards,phones,emails,call_numbers"


def test_redaction_is_part_of_the_export_settings(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    store.upsert_calls(account.id, [pii_call()])
    dest = tmp_path / "mixed"
    export(store, yeastar, data_dir, dest, refs=["hq/pii-1"], transcripts=("txt",))
    with pytest.raises(UserFacingError, match="masked nothing"):  # never a mix of masked and unmasked files
        export(store, yeastar, data_dir, dest, refs=["hq/pii-1"], transcripts=("txt",), redact_pii=True)
    assert "4111 1111 1111 1111" in read_export(dest)[1][next(n for n in read_export(dest)[1] if n.endswith(".txt"))].decode()
