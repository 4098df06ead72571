"""Small text helpers shared by stages: numerals, dates, punctuation classes."""

from __future__ import annotations

import re

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}

MONTHS = {
    m: i
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
         "november", "december"],
        start=1,
    )
}

# Characters that end a sentence or clause, per language; closers may follow them.
ZH_TERMINALS = "。！？!?"
EN_TERMINALS = ".!?"
CLOSERS = "”’」』）)》〉]】\"'"
OPENERS = "“‘「『（(《〈[【"
FOOTNOTE_MARK_CHARS = "*⁎†‡⁰¹²³⁴⁵⁶⁷⁸⁹"
SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def cn_numeral_to_int(text: str) -> int | None:
    """Value of a Chinese numeral up to the thousands (十二 → 12, 二十 → 20, 一百零五 → 105)."""
    if not text:
        return None
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_to_int(text: str) -> int | None:
    text = text.upper()
    if not text or any(ch not in _ROMAN for ch in text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN[ch]
        if i + 1 < len(text) and _ROMAN[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total if int_to_roman(total) == text else None


_ROMAN_STEPS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def int_to_roman(number: int) -> str:
    out = []
    for value, sym in _ROMAN_STEPS:
        while number >= value:
            out.append(sym)
            number -= value
    return "".join(out)


def iso_date(year: int | str, month: int | str, day: int | str) -> str | None:
    try:
        y, m, d = int(year), int(month), int(day)
    except (TypeError, ValueError):
        return None
    if not (1900 <= y <= 2200 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def month_number(name: str) -> int | None:
    name = name.lower().rstrip(".")
    if name in MONTHS:
        return MONTHS[name]
    for full, number in MONTHS.items():
        if len(name) >= 3 and full.startswith(name):
            return number
    return None


def strip_trailing_markers(text: str) -> str:
    """Text without trailing footnote markers and spaces ("工作。¹" → "工作。")."""
    return text.rstrip(FOOTNOTE_MARK_CHARS + " \t")


def ends_closed(text: str, language: str) -> bool:
    """Whether a block ends like a finished sentence or clause (so a page cut did not split it)."""
    text = strip_trailing_markers(text)
    text = text.rstrip(CLOSERS)
    if not text:
        return False
    enders = "。！？；：!?;:" if language == "zh" else ".!?;:。"
    return text[-1] in enders


HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def has_han(text: str) -> bool:
    return bool(HAN_RE.search(text))
