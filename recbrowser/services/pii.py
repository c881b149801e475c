"""Masking personal data in exported text: card numbers, phone numbers, e-mail addresses.

Transcripts quote what callers say, so card numbers, phone numbers and e-mail addresses travel
with an export unless they are masked (USERS.md #11). Detection is deliberately conservative
about what it leaves alone: dates, times, durations, amounts and percentages are set aside
first, so "2026-05-09", "14:30", "00:01:05,120", "$1,234.56" and "1 234 567 euros" are never
masked. Card numbers are 13-19 digits that pass the Luhn check (grouped, spaced, hyphenated or
spoken: "four one one one ..."); phone numbers are 7-15 digits that look like one (a leading
+, 0 or area code in brackets, a 3-4 ending, or 10+ digits in groups; a bare 7-9 digit run is
more often an order number and stays). The call's own numbers can be masked too, in any
spelling (+49 30 123456 = 030 123456); internal extensions (under 5 digits) are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CARD, PHONE, EMAIL = "[card]", "[phone]", "[email]"
KINDS = ("cards", "phones", "emails")  # what --redact-pii masks, as the manifest lists it
MIN_CALL_NUMBER = 5  # shorter call numbers are extensions: they name a desk, not a person

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b"
)
_TLDS = r"(?:com|org|net|edu|gov|io|co|de|uk|fr|es|it|nl|at|ch|eu|info|biz|us|ca|au)"
# What speech-to-text makes of an address: "john dot smith at example dot com".
_SPOKEN_EMAIL = re.compile(
    rf"(?i)\b[a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*"
    rf"\s+dot\s+{_TLDS}\b"
)

_AMOUNT = r"\d{1,3}(?:[ ,.'\u00a0]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CURRENCY = r"(?:[$€£¥]|\b(?:USD|EUR|GBP|CHF|dollars?|euros?|pounds?|cents?|bucks|francs?)\b)"
# Spans that hold digits but are never personal data; they are set aside before numbers are sought.
_KEEP = re.compile(
    "|".join([
        r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b",  # ISO
        r"\b\d{4}/\d{1,2}/\d{1,2}\b",
        r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b(?![./-]\d)",  # 09.05.2026, 5/9/26
        r"\b\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?\b",  # 14:30, 00:01:05,120
        rf"(?i:{_CURRENCY})\s?(?:{_AMOUNT})",  # $1,234.56, EUR 120
        rf"(?:{_AMOUNT})\s?(?i:{_CURRENCY})",  # 1.234,56 €, 1 234 567 euros
        r"\b\d{1,3}(?:,\d{3})+\.\d+\b|\b\d{1,3}(?:\.\d{3})+,\d+\b",  # 1,234.56 / 1.234,56
        r"\b\d+[.,]\d{1,2}\b(?![.,]?\d)",  # 12.50
        r"\b\d+(?:[.,]\d+)?\s?%",
    ])
)

# Digit groups joined by one separator: "4111 1111 1111 1111", "+49 (30) 123-456", "555.123.4567".
_SEP = r"(?:[ \u00a0]?[-./][ \u00a0]?|[ \u00a0])"
_RUN = re.compile(rf"(?<![\w+])(?:\+[ \u00a0]?)?(?:\(\d{{1,5}}\)[ \u00a0]?)?\d+(?:{_SEP}\(?\d+\)?)*(?!\w)")

_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
          "seven": "7", "eight": "8", "nine": "9"}
_DIGIT_WORD = r"(?:(?:double|triple)\s+)?(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d+)"
_SPOKEN = re.compile(rf"(?i)\b(?:plus\s+)?{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD})+\b")


@dataclass
class Redactor:
    """Masks personal data in text; `call_numbers` are also masked wherever they appear."""

    call_numbers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._numbers = [d for d in (_digits(n) for n in self.call_numbers) if len(d) >= MIN_CALL_NUMBER]

    def text(self, text: str) -> str:
        if not text:
            return text
        text = _EMAIL.sub(EMAIL, text)
        text = _SPOKEN_EMAIL.sub(EMAIL, text)
        kept: list[str] = []

        def set_aside(m: re.Match[str]) -> str:
            kept.append(m.group(0))
            return chr(0xE000 + len(kept) - 1)  # a private-use character: no digit, no word, ends a run

        text = _KEEP.sub(set_aside, text)
        text = _SPOKEN.sub(self._spoken, text)
        text = _RUN.sub(self._run, text)
        return re.sub("[\ue000-\uf8ff]", lambda m: kept[ord(m.group(0)) - 0xE000], text) if kept else text

    def number(self, value: str) -> str:
        """A call's number for the manifest or a file name: masked when it is one of the call's
        numbers (extensions stay)."""
        return PHONE if value and self._is_call_number(_digits(value)) else value

    # -- matches ---------------------------------------------------------------------------------
    def _spoken(self, m: re.Match[str]) -> str:
        words = re.findall(r"(?i)double|triple|\d+|[a-z]+", m.group(0))
        if all(w.isdigit() for w in words if w.lower() != "plus"):
            return m.group(0)  # plain digits: the digit-run pass below decides
        digits, repeat = "", 1
        for w in words:
            low = w.lower()
            if low in ("double", "triple"):
                repeat = 2 if low == "double" else 3
                continue
            if low != "plus":
                digits += (_WORDS.get(low) or w) * repeat
                repeat = 1
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return CARD
        if 7 <= len(digits) <= 15 or self._is_call_number(digits):
            return PHONE
        return m.group(0)

    def _run(self, m: re.Match[str]) -> str:
        run = m.group(0)
        groups = list(re.finditer(r"\d+", run))
        out, last, i = [], 0, 0
        while i < len(groups):  # the longest card starting at each group, then what lies between
            j = _card_end(groups, i)
            if j is None:
                i += 1
                continue
            start, end = groups[i].start(), groups[j - 1].end()
            out.append(self._plain(run[last:start]))
            out.append(CARD)
            last, i = end, j
        out.append(self._plain(run[last:]))
        return "".join(out)

    def _plain(self, piece: str) -> str:
        """A run (or what is left of one beside a card) that holds no card: a phone number or not."""
        stripped = piece.strip(" \u00a0-./")
        if not stripped:
            return piece
        groups = re.findall(r"\d+", stripped)
        digits = "".join(groups)
        if _phone_like(stripped, groups, digits) or self._is_call_number(digits):
            lead = piece[: len(piece) - len(piece.lstrip(" \u00a0-./"))]
            trail = piece[len(piece.rstrip(" \u00a0-./")):]
            return f"{lead}{PHONE}{trail}"
        return piece

    def _is_call_number(self, digits: str) -> bool:
        if len(digits) < MIN_CALL_NUMBER:
            return False
        a = digits.lstrip("0")
        for n in self._numbers:
            b = n.lstrip("0")
            short, long_ = sorted((a, b), key=len)
            # +49 30 123456 vs 030 123456: the same number once the country code and trunk 0 go
            if long_.endswith(short) and len(short) >= max(MIN_CALL_NUMBER, len(long_) - 3):
                return True
        return False


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_end(groups: list[re.Match[str]], i: int) -> int | None:
    """The end (exclusive) of the longest group range from `i` that is a card number."""
    best, digits = None, ""
    for j in range(i, len(groups)):
        digits += groups[j].group(0)
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_ok(digits):
            best = j + 1
    return best


def _phone_like(piece: str, groups: list[str], digits: str) -> bool:
    if not 7 <= len(digits) <= 15:
        return False
    if piece.startswith(("+", "(")) or digits.startswith("0"):
        return True
    if len(groups) == 1:
        return len(digits) in (10, 11)  # 5551234567: a bare 7-9 digit run is more often an order number
    sizes = [len(g) for g in groups]
    return sizes[-2:] == [3, 4] or len(digits) >= 10
