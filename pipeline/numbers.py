"""Numbers, dates, percentages and symbols in Chinese and English text, normalised so they compare.

``zh_mentions`` and ``en_mentions`` return :class:`Mention` objects with a comparable ``key``
(a number's value, a date's parts, a symbol's canonical form). Chinese forms understood: Arabic
digits with space or comma grouping, 万/亿/千/百万 multipliers, Chinese numerals (一百二十三, 两千,
〇), 百分之N, N%, 三分之二, 第N, years and dates (2009 年 6 月 30 日), fiscal periods (2006/07),
ranges, resolution and document symbols. English: digits, million/billion, number words, per cent,
fractions ("two thirds", "one in five", "nine out of ten"), decades ("two decades" = 20), ordinals, dates
("30 June 2009"), the same symbols. In both, a country group named by its size (G20, G-77) is that number
(二十国集团, 77国集团). Grade levels and names with digits (P-5, Health4Life) are labels (kind ``code``), not
numbers.

Pure functions: no models, no I/O.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_BIG = {"万": 10_000, "亿": 100_000_000}
ZH_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿"

EN_SMALL = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
            "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
           "ninety": 90}
EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
               "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
               "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
               "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
               "eightieth": 80, "ninetieth": 90, "hundredth": 100}
EN_SCALE = {"hundred": 100, "thousand": 1000, "million": 1e6, "billion": 1e9, "trillion": 1e12}
EN_FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
                "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "tenth": 10, "tenths": 10}
MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}


@dataclass(frozen=True)
class Mention:
    """One number-like expression. ``key`` compares across languages; ``soft`` marks forms whose
    counterpart is often not written as a number (Chinese 一项 ↔ English "a"), which are only
    reported when the other side has an unexplained number too."""

    kind: str
    """number, percent, fraction, date, period, symbol"""
    key: tuple
    start: int
    end: int
    text: str
    soft: bool = False


# ----------------------------------------------------------------------------- symbols

_SYMBOL = re.compile(
    r"(?<![A-Za-z0-9/])(?:[A-Z]{1,6}(?:/[A-Z0-9][A-Za-z0-9.\-]*)*/[A-Za-z.\-]*\d[A-Za-z0-9.\-]*"
    r"(?:/[A-Z0-9][A-Za-z0-9.\-]*)*(?:\s*\((?:19|20)\d\d\))?"
    r"|\d{1,3}/\d{1,4}(?![\d/]))")
_FISCAL = re.compile(r"(?<![\d/])((?:19|20)\d\d)\s*/\s*(\d\d)(?![\d/])")
# Labels that contain digits but count nothing: grade levels (P-5, D-1, FS-4, G-7) and Latin names with digits
# inside (Health4Life, G4S); written alike in both languages and compared as labels.
_CODE = re.compile(r"(?<![A-Za-z0-9\-])(?:[A-Z]{1,3}-\d{1,2}|[A-Za-z]+\d+[A-Za-z][A-Za-z0-9]*)(?![A-Za-z0-9]|-\d)")
# Country groups named by their size (G20, G7, G-77 = 二十国集团, 七国集团, 77国集团): the size is a number in both
# languages. G-1 to G-7 with a hyphen are General Service grade levels (codes), not groups.
_GROUP = re.compile(r"(?<![A-Za-z0-9\-])G(?:(\d{1,2})|-(\d\d|[89]))(?![A-Za-z0-9]|-\d)")


def _symbol_key(text: str) -> tuple:
    return ("symbol", re.sub(r"\s+", "", text).rstrip(".").upper())


def _symbols_and_periods(text: str, taken: list[tuple[int, int]]) -> list[Mention]:
    """Document/resolution symbols, labels with digits (P-5, Health4Life) and fiscal periods (written alike in both
    languages); their spans are appended to ``taken`` so that the language-specific patterns skip them."""
    kinds: list[tuple[re.Pattern[str], str, Callable[[re.Match[str]], tuple]]] = [  # in order of precedence
        (_SYMBOL, "symbol", lambda m: _symbol_key(m.group())),
        (_GROUP, "number", lambda m: ("number", float(m.group(1) or m.group(2)))),
        (_CODE, "code", lambda m: ("code", m.group())),
        (_FISCAL, "period", lambda m: ("period", int(m.group(1)), int(m.group(2))))]
    out = []
    for pattern, kind, key in kinds:
        for m in pattern.finditer(text):
            if not _overlaps(m.start(), m.end(), taken):
                out.append(Mention(kind, key(m), m.start(), m.end(), m.group()))
                taken.append((m.start(), m.end()))
    return out


# ----------------------------------------------------------------------------- Chinese

def parse_zh_numeral(text: str) -> int | None:
    """Value of a Chinese numeral such as 一百二十三, 两千零五, 十五, 三万四千 (None if malformed)."""
    if not text or any(c not in ZH_NUMERAL_CHARS for c in text):
        return None
    if all(c in ZH_DIGITS for c in text) and len(text) > 1:
        if len(text) < 4 and not any(c in "〇零" for c in text):
            return None  # 三四 is "three or four", not 34
        # digit by digit: 二〇〇九
        return int("".join(str(ZH_DIGITS[c]) for c in text))
    total, section, digit = 0, 0, None
    for c in text:
        if c in ZH_DIGITS:
            if digit is not None and digit != 0 and ZH_DIGITS[c] != 0:
                return None
            digit = ZH_DIGITS[c]
        elif c in ZH_UNITS:
            section += (1 if digit is None else digit) * ZH_UNITS[c]
            digit = None
        else:  # 万 or 亿
            section += digit or 0
            if section == 0:
                return None
            total += section * ZH_BIG[c]
            section, digit = 0, None
    return total + section + (digit or 0)


_ARABIC = r"\d{1,3}(?:[ ,\u00a0\u2009]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_ZH_NUM = rf"(?:{_ARABIC})|[{ZH_NUMERAL_CHARS}]+"
# What may follow a Chinese numeral for it to count as a number (a classifier, a unit, a time word).
_ZH_CLASSIFIERS = ("个项名次届段条款年月日天周倍人位国份家所座件批轮类种组部架辆艘只台期章节次场起"
                   "成岁元美分秒里公顷吨米")
_ZH_PATTERN = re.compile(
    rf"(?P<pct>百分之\s*(?P<pv>{_ZH_NUM}))"
    rf"|(?P<frac>(?P<fd>{_ZH_NUM})\s*分之\s*(?P<fn>{_ZH_NUM}))"
    rf"|(?P<date>(?P<y>(?:19|20)\d\d|[〇零一二三四五六七八九]{{4}})\s*年\s*(?:(?P<m>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月"
    rf"(?:\s*(?P<d>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日)?)?)"
    rf"|(?P<md>(?P<m2>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月(?:\s*(?P<d2>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日)?)"
    rf"|(?P<num>(?P<nv>{_ZH_NUM})(?P<big>\s*多?\s*(?:百万|千万|万|亿))?(?P<pc>\s*%)?)"
)


def _zh_value(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(_ARABIC, text):
        return float(re.sub(r"[ ,\u00a0\u2009]", "", text))
    value = parse_zh_numeral(text)
    return None if value is None else float(value)


def _zh_small(text: str | None) -> int | None:
    if text is None:
        return None
    value = _zh_value(text)
    return None if value is None else int(value)


# Official names that contain a number the English writes differently (2019 冠状病毒病 = COVID-19).
NUMBERED_NAMES = re.compile(r"2019\s*冠状病毒病|2019\s*新型冠状病毒")


def zh_mentions(text: str) -> list[Mention]:
    """Number-like expressions in Chinese text, left to right, not overlapping."""
    taken: list[tuple[int, int]] = [(m.start(), m.end()) for m in NUMBERED_NAMES.finditer(text)]
    out = _symbols_and_periods(text, taken)

    def add(m: Mention) -> None:
        out.append(m)
        taken.append((m.start, m.end))

    for m in _ZH_PATTERN.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        if m.group("pct"):
            value = _zh_value(m.group("pv"))
            if value is not None:
                add(Mention("percent", ("percent", value), m.start(), m.end(), m.group(), soft=False))
        elif m.group("frac"):
            d, n = _zh_value(m.group("fd")), _zh_value(m.group("fn"))
            if d and n is not None:
                add(Mention("fraction", ("fraction", round(n / d, 6)), m.start(), m.end(), m.group()))
        elif m.group("date"):
            year = m.group("y")
            y = int(year) if year.isdigit() else _zh_small(year)
            add(Mention("date", ("date", y, _zh_small(m.group("m")), _zh_small(m.group("d"))),
                        m.start(), m.end(), m.group(), soft=not year.isdigit()))
        elif m.group("md"):
            add(Mention("date", ("date", None, _zh_small(m.group("m2")), _zh_small(m.group("d2"))),
                        m.start(), m.end(), m.group()))
        else:
            raw = m.group("nv")
            arabic = bool(re.match(r"\d", raw))
            end = m.end()
            after = text[end:end + 1]
            before = text[max(0, m.start() - 1):m.start()]
            if not arabic:
                # Chinese numerals only count in a numeric setting: 第N, or N + classifier/unit.
                if not (before == "第" or (after and after in _ZH_CLASSIFIERS) or m.group("big") or m.group("pc")):
                    continue
                if raw in ("万", "亿", "千", "百", "十"):
                    continue
            value = _zh_value(raw)
            if value is None:
                continue
            if m.group("big"):
                big = m.group("big").strip().lstrip("多").strip()
                value *= {"万": 1e4, "亿": 1e8, "百万": 1e6, "千万": 1e7}[big]
            if m.group("pc"):
                add(Mention("percent", ("percent", value), m.start(), end, m.group()))
                continue
            # Tiny Chinese-word numbers (一项, 两个) are often "a"/"both" in English.
            soft = not arabic and value <= 10 and not m.group("big")
            add(Mention("number", ("number", value), m.start(), end, m.group(), soft=soft))
    out.sort(key=lambda x: x.start)
    return _zh_day_ranges(text, out)


# The later days of a range or list of days: 5 月 2 日至 4 日, 2 日、3 日和 4 日 (the month and year of the first).
_ZH_DAY_JOIN = re.compile(r"\s*(?:至|到|-|–|—|~|、|和|及|与)\s*")
_ZH_DAY_END = re.compile(r"\s*日")


def _zh_day_ranges(text: str, out: list[Mention]) -> list[Mention]:
    for k in range(1, len(out)):
        prev, m = out[k - 1], out[k]
        day = m.key[1] if m.kind == "number" else None
        tail = _ZH_DAY_END.match(text, m.end)
        if (prev.kind == "date" and prev.key[2] is not None and day is not None and day == int(day) and 1 <= day <= 31
                and _ZH_DAY_JOIN.fullmatch(text[prev.end:m.start]) and tail):
            out[k] = Mention("date", ("date", prev.key[1], prev.key[2], int(day)), m.start, tail.end(),
                             text[m.start:tail.end()])
    return out


# ----------------------------------------------------------------------------- English

_EN_WORDS = "|".join(sorted([*EN_SMALL, *EN_TENS], key=len, reverse=True))
_EN_ORD = "|".join(sorted(EN_ORDINALS, key=len, reverse=True))
_EN_PATTERN = re.compile(
    rf"(?P<date>\b(?P<d>\d{{1,2}})\s+(?P<mon>{'|'.join(m.capitalize() for m in MONTHS)})(?:\s+(?P<y>(?:19|20)\d\d))?\b)"
    rf"|(?P<my>\b(?P<mon2>{'|'.join(m.capitalize() for m in MONTHS)})\s+(?P<y2>(?:19|20)\d\d)\b)"
    rf"|(?P<cord>\b(?P<ct>{'|'.join(EN_TENS)})[\s-](?P<co>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b)"
    rf"|(?P<frac>\b(?:(?P<fn>one|two|three|four|five)[\s-]+(?P<fd>half|halves|thirds?|quarters?|fourths?|fifths?"
    rf"|sixths?|tenths?)|(?P<fa>a|an)\s+(?P<fda>half|third|quarter))\b(?!-))"
    rf"|(?P<ratio>\b(?P<rn>one|two|three|four|five|six|seven|eight|nine|\d{{1,2}})\s+(?:in|out\s+of)\s+"
    rf"(?P<rd>two|three|four|five|six|seven|eight|nine|ten|\d{{1,3}})\b)"
    rf"|(?P<decades>\b(?P<dn>a|one|two|three|four|five|six|seven|eight|nine|\d)\s+decades?\b)"
    rf"|(?P<num>(?<![\w.])(?P<cur>[$€£]\s?)?(?P<nv>{_ARABIC})(?P<ord>st|nd|rd|th)?(?P<scale>\s+(?:million|billion|"
    rf"trillion|thousand))?(?P<pc>\s*(?:%|per\s*cent|percent))?)"
    rf"|(?P<word>\b(?P<wv>(?:{_EN_WORDS})(?:[\s-]+(?:{_EN_WORDS}))?)(?P<wscale>\s+(?:hundred|thousand|million|"
    rf"billion))?(?P<wpc>\s+(?:per\s*cent|percent))?\b)"
    rf"|(?P<ordw>\b(?P<ov>{_EN_ORD})\b)",
    re.IGNORECASE,
)


def _en_word_value(text: str) -> float | None:
    total = 0
    for part in re.split(r"[\s-]+", text.lower()):
        if part in EN_SMALL:
            total += EN_SMALL[part]
        elif part in EN_TENS:
            total += EN_TENS[part]
        else:
            return None
    return float(total)


def en_mentions(text: str) -> list[Mention]:
    taken: list[tuple[int, int]] = []
    out = _symbols_and_periods(text, taken)

    def add(m: Mention) -> None:
        out.append(m)
        taken.append((m.start, m.end))

    for m in _EN_PATTERN.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        if m.group("date"):
            y = int(m.group("y")) if m.group("y") else None
            add(Mention("date", ("date", y, MONTHS[m.group("mon").lower()], int(m.group("d"))),
                        m.start(), m.end(), m.group()))
        elif m.group("my"):
            add(Mention("date", ("date", int(m.group("y2")), MONTHS[m.group("mon2").lower()], None),
                        m.start(), m.end(), m.group()))
        elif m.group("cord"):
            value = EN_TENS[m.group("ct").lower()] + EN_ORDINALS[m.group("co").lower()]
            add(Mention("number", ("number", float(value)), m.start(), m.end(), m.group(), soft=True))
        elif m.group("frac"):
            n = (m.group("fn") or "one").lower()
            num = EN_SMALL[n]
            den = EN_FRACTIONS[(m.group("fd") or m.group("fda")).lower()]
            add(Mention("fraction", ("fraction", round(num / den, 6)), m.start(), m.end(), m.group()))
        elif m.group("ratio"):  # "one in five" = 五分之一
            rn, rd = m.group("rn").lower(), m.group("rd").lower()
            num = float(rn) if rn.isdigit() else EN_SMALL[rn]
            den = float(rd) if rd.isdigit() else EN_SMALL[rd]
            add(Mention("fraction", ("fraction", round(num / den, 6)), m.start(), m.end(), m.group()))
        elif m.group("decades"):  # "two decades" = 二十年
            dn = m.group("dn").lower()
            tens = 1 if dn in ("a", "one") else float(dn) if dn.isdigit() else EN_SMALL[dn]
            add(Mention("number", ("number", 10.0 * tens), m.start(), m.end(), m.group(), soft=True))
        elif m.group("num"):
            value = float(re.sub(r"[ ,\u00a0\u2009]", "", m.group("nv")))
            if m.group("scale"):
                value *= EN_SCALE[m.group("scale").strip().lower()]
            if m.group("pc"):
                add(Mention("percent", ("percent", value), m.start(), m.end(), m.group()))
            else:
                add(Mention("number", ("number", value), m.start(), m.end(), m.group()))
        elif m.group("word"):
            value = _en_word_value(m.group("wv"))
            if value is None:
                continue
            if m.group("wscale"):
                value *= EN_SCALE[m.group("wscale").strip().lower()]
            kind = "percent" if m.group("wpc") else "number"
            add(Mention(kind, (kind, value), m.start(), m.end(), m.group(), soft=True))
        elif m.group("ordw"):
            add(Mention("number", ("number", float(EN_ORDINALS[m.group("ov").lower()])), m.start(), m.end(),
                        m.group(), soft=True))
    out.sort(key=lambda x: x.start)
    return _en_day_ranges(text, out)


# The earlier days of a range or list of days: from 2 to 4 May 2022, 2-4 May, 1, 2 and 3 May (the month and year of
# the last).
_EN_DAY_JOIN = re.compile(r"\s*(?:to|-|–|—|and|or|,|, and)\s*")


def _en_day_ranges(text: str, out: list[Mention]) -> list[Mention]:
    for k in range(len(out) - 2, -1, -1):
        m, nxt = out[k], out[k + 1]
        if (nxt.kind == "date" and nxt.key[3] is not None and m.kind == "number" and re.fullmatch(r"\d{1,2}", m.text)
                and 1 <= int(m.text) <= 31 and _EN_DAY_JOIN.fullmatch(text[m.end:nxt.start])):
            out[k] = Mention("date", ("date", nxt.key[1], nxt.key[2], int(m.text)), m.start, m.end, m.text)
    return out


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


# ----------------------------------------------------------------------------- comparison

def keys_match(a: tuple, b: tuple) -> bool:
    """Do two mention keys denote the same thing? Dates match when the parts both give agree;
    a percentage matches the same plain number (translations move "per cent" around)."""
    if a[0] == "date" and b[0] == "date":
        pairs = [(x, y) for x, y in zip(a[1:], b[1:], strict=True) if x is not None and y is not None]
        return bool(pairs) and all(x == y for x, y in pairs) and _date_shape_compatible(a, b)
    if {a[0], b[0]} <= {"number", "percent"}:
        return abs(a[1] - b[1]) <= 1e-9 * max(1.0, abs(a[1]))
    if a[0] == "date" and b[0] == "number":
        return a[1] is not None and a[2] is None and float(a[1]) == b[1]
    if b[0] == "date" and a[0] == "number":
        return keys_match(b, a)
    return a == b


def _date_shape_compatible(a: tuple, b: tuple) -> bool:
    # Month+day must not be matched by a bare year, and vice versa.
    return (a[2] is None) == (b[2] is None) or (a[1] is not None and b[1] is not None)


def unmatched(src: list[Mention], tgt: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """Greedy one-to-one matching of keys; returns (source mentions with no counterpart, target ditto).
    Exact keys are matched first so that a looser match never steals a better partner, and figures written as
    such before soft forms (一名 = "a"), each preferring a partner of its own kind: the soft 一名 never takes the
    "1" that the Chinese 建议 1 stands for."""
    free = list(range(len(tgt)))

    def take(i: int, same: Callable[[tuple, tuple], bool]) -> bool:
        """Match src[i] to a free target whose key is ``same``, one of its own kind (hard/soft) if any."""
        hits = [j for j in free if same(src[i].key, tgt[j].key)]
        if not hits:
            return False
        free.remove(next((j for j in hits if tgt[j].soft == src[i].soft), hits[0]))
        return True

    pending, left = [], []
    for i in sorted(range(len(src)), key=lambda i: src[i].soft):  # figures first, soft forms after
        if not take(i, operator.eq):
            pending.append(i)
    for i in pending:
        if not take(i, keys_match):
            left.append(i)
    return [src[i] for i in sorted(left)], [tgt[j] for j in free]


def date_parts_in(m: Mention, english: str) -> bool:
    """Does English text name every part of a Chinese date somewhere (year, month name, day)? Ranges such
    as “2021 年 2 月至 9 月” ↔ “between February and September 2021” split a date across the sentence."""
    if m.key[0] != "date":
        return False
    _, y, mo, d = m.key
    months = [name for name, k in MONTHS.items() if k == mo]
    return ((y is None or re.search(rf"\b{y}\b", english) is not None)
            and (mo is None or any(re.search(rf"\b{name}\b", english, re.IGNORECASE) for name in months))
            and (d is None or re.search(rf"\b{d}\b", english) is not None))


def describe(m: Mention) -> str:
    """Short human form of a mention's value for messages."""
    kind = m.key[0]
    if kind in ("number", "percent"):
        value = m.key[1]
        text = f"{value:,.0f}" if value == int(value) else f"{value:,.4g}"
        return text + ("%" if kind == "percent" else "")
    if kind == "date":
        return "-".join("?" if p is None else str(p) for p in m.key[1:])
    if kind == "fraction":
        return f"{m.key[1]:.4g}"
    return " ".join(str(p) for p in m.key[1:])
