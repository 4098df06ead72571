"""The grounding check: every number, date, document symbol and UN body a summary names must occur in the
paragraphs it cites. Pure functions over strings.

``extract_entities`` finds what a summary sentence asserts; ``evidence`` indexes a paragraph once;
``grounded`` says whether an entity is supported by (merged) evidence; ``attribute`` picks the paragraphs a
generated sentence should cite. Numbers compare by value, so "1,978" matches "1 978", and "$4.2 million"
matches "420 万美元"; dates compare as ISO dates across languages; UN bodies compare through the bilingual
list in ``pipeline.summary_terms`` (any of a body's names in either language counts). A body name found only
by its shape (a string ending in 委员会, or "... Committee on ...") must occur verbatim in a cited paragraph
of the same language; across languages it cannot be verified, so it fails: a summary never asserts a name
it cannot show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pipeline.summary_terms import UN_BODIES
from pipeline.textutil import cn_numeral_to_int, month_number

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_EN_DATE = re.compile(rf"\b(?:(\d{{1,2}})\s+)?({_MONTHS})\.?\s+(\d{{4}})\b"
                      rf"|\b({_MONTHS})\.?\s+(\d{{1,2}}),\s*(\d{{4}})\b")
_SYMBOL = re.compile(r"\b[A-Z]{1,8}(?:/[A-Za-z0-9.\-]*[A-Za-z0-9])+|(?<![\d/.])\d{1,4}/\d{1,4}(?![\d/])")
_NUMBER = re.compile(
    r"(?<![\d.])(\d{1,3}(?:[ \u00a0\u2009,]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(\s*(?:万|亿|千|million|billion|thousand|per\s*cent|percent|%|％))?", re.IGNORECASE)
_SCALE = {"万": 10 ** 4, "亿": 10 ** 8, "千": 10 ** 3, "million": 10 ** 6, "billion": 10 ** 9, "thousand": 10 ** 3}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+"
                        r"(?=\s*(?:个|项|次|名|届|倍|种|类|份|家|位|天|周|个月|年|国))")
_EN_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"))}
_EN_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                         "ninety": 90, "hundred": 100})
_EN_WORD = re.compile(r"\b(" + "|".join(w for w, v in _EN_NUMBER_WORDS.items() if v >= 2) + r")\b", re.IGNORECASE)
_ZH_TITLE = re.compile(r"《([^》]{1,80})》")

_ZH_BODY_SUFFIXES = ("委员会", "理事会", "协调会", "组织", "规划署", "计划署", "基金会", "基金", "办事处", "办公室",
                     "秘书处", "法院", "银行", "论坛", "工作组", "专题小组", "特派团", "学院", "联盟", "管理网")
_ZH_BOUNDARY = set("的在和与及对向由从于为把被将已并其该各等是了也都还就以之所同给请经当后前中上下内外间时这那有无不")
_ZH_SUFFIX_RE = re.compile("|".join(sorted(_ZH_BODY_SUFFIXES, key=len, reverse=True)))
_EN_BODY_WORDS = frozenset((
    "Committee", "Council", "Board", "Assembly", "Commission", "Programme", "Fund", "Organization", "Organisation",
    "Office", "Agency", "Bank", "Secretariat", "Network", "Group", "Panel", "Forum", "Court", "College", "Conference",
    "Department", "Union", "Mission", "Unit", "Team", "Force", "Facility", "Institute", "University", "Centre",
    "Entity", "Authority", "Tribunal"))
_EN_NAME = re.compile(r"\b[A-Z][\w'’\-]*(?:\s+(?:(?:of|on|for|and|the|in|to|against)\s+)*[A-Z][\w'’\-]*)+")
_EN_ACRONYM = re.compile(r"\b[A-Z]{2,}(?:-[A-Z][a-z]+)?\b")
_ROMAN = re.compile(r"^[IVXLC]+$")


@dataclass(frozen=True)
class Entity:
    """Something a sentence asserts. ``keys``: normalised forms, one of which the cited text must yield;
    ``parts``: for dates, the numbers that together also count (a date inside a range such as 2–27 July)."""

    kind: str
    text: str
    language: str
    keys: tuple[str, ...]
    parts: tuple[str, ...] = ()


@dataclass
class Evidence:
    """What one or more paragraphs can support: numbers, dates, symbols, listed bodies, and the flat text."""

    languages: set[str] = field(default_factory=set)
    flat: dict[str, str] = field(default_factory=dict)
    numbers: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    symbols: set[str] = field(default_factory=set)
    bodies: set[int] = field(default_factory=set)

    def merged(self, other: Evidence) -> Evidence:
        flat = dict(self.flat)
        for lang, text in other.flat.items():
            flat[lang] = flat.get(lang, "") + "\n" + text
        return Evidence(self.languages | other.languages, flat, self.numbers | other.numbers,
                        self.dates | other.dates, self.symbols | other.symbols, self.bodies | other.bodies)


def flatten(text: str) -> str:
    """Lower-cased text without whitespace: how verbatim checks compare (PDF text spaces numbers and names)."""
    return re.sub(r"\s+", "", text).lower()


def canonical_number(raw: str, scale: int = 1) -> str | None:
    digits = re.sub(r"[ \u00a0\u2009,]", "", raw)
    try:
        value = Decimal(digits) * scale
    except InvalidOperation:
        return None
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number_keys(raw: str, unit: str | None) -> tuple[str, ...]:
    unit = (unit or "").strip().lower()
    keys = [canonical_number(raw)]
    if unit in _SCALE:
        keys.append(canonical_number(raw, _SCALE[unit]))
    return tuple(k for k in dict.fromkeys(keys) if k is not None)


# -- bodies -----------------------------------------------------------------------------------------

def _glossary_regex(language: str) -> tuple[re.Pattern, dict[str, int]]:
    forms: dict[str, int] = {}
    for index, (zh, zh_short, en, en_short) in enumerate(UN_BODIES):
        for form in ((zh, *zh_short) if language == "zh" else (en, *en_short)):
            forms.setdefault(form, index)
    ordered = sorted(forms, key=len, reverse=True)
    if language == "zh":
        return re.compile("|".join(re.escape(f) for f in ordered)), forms
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in ordered) + r")(?![\w-])"), forms


_GLOSSARY = {lang: _glossary_regex(lang) for lang in ("zh", "en")}


def glossary_matches(text: str, language: str) -> list[tuple[int, int, int]]:
    """(start, end, entry index) of every listed UN body name in ``text``, longest names first."""
    pattern, forms = _GLOSSARY[language]
    return [(m.start(), m.end(), forms[m.group(0)]) for m in pattern.finditer(text)]


def _zh_shaped_bodies(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans that look like Chinese body names (… 委员会) and are not listed names: the suffix and the Han
    characters before it, back to a function word or punctuation, at least two characters besides the suffix."""
    out = []
    for m in _ZH_SUFFIX_RE.finditer(text):
        start = m.start()
        floor = max([e for s, e in taken if e <= m.start()] + [0])
        while (start > floor and start > m.start() - 18 and re.match(f"[{_HAN}]", text[start - 1])
               and text[start - 1] not in _ZH_BOUNDARY):
            start -= 1
        if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            continue
        if m.start() - start >= 2:
            out.append((start, m.end()))
    return out


def _en_shaped_bodies(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for m in _EN_NAME.finditer(text):
        words = m.group(0).split()
        if not _EN_BODY_WORDS & set(words):
            continue
        start = m.start()
        if words[0] in ("The", "A", "An", "This", "These", "Its", "Their"):
            start += len(words[0]) + 1
            words = words[1:]
        if len([w for w in words if w[:1].isupper()]) < 2:
            continue
        if any(s <= start and m.end() <= e for s, e in taken):
            continue  # a listed name (or a date) covers it all; a listed name inside it does not vouch for it
        out.append((start, m.end()))
    for m in _EN_ACRONYM.finditer(text):
        if _ROMAN.match(m.group(0)) or any(s < m.end() and m.start() < e for s, e in taken + out):
            continue
        out.append((m.start(), m.end()))
    return out


# -- extraction -------------------------------------------------------------------------------------

def _dates(text: str, language: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    out = []
    if language == "zh":
        for m in _ZH_DATE.finditer(text):
            y, mo, d = m.group(1), int(m.group(2)), m.group(3)
            key = f"{y}-{mo:02d}" + (f"-{int(d):02d}" if d else "")
            out.append((m.start(), m.end(), key, tuple(p for p in (y, str(mo), str(int(d)) if d else None) if p)))
    else:
        for m in _EN_DATE.finditer(text):
            if m.group(2):
                day, month, year = m.group(1), m.group(2), m.group(3)
            else:
                month, day, year = m.group(4), m.group(5), m.group(6)
            mo = month_number(month)
            if mo is None:
                continue
            key = f"{year}-{mo:02d}" + (f"-{int(day):02d}" if day else "")
            out.append((m.start(), m.end(), key, tuple(p for p in (year, str(mo), str(int(day)) if day else None)
                                                       if p)))
    return out


def extract_entities(text: str, language: str) -> list[Entity]:
    """Dates, document symbols, numbers (with 万/亿/million scales and number words), UN bodies and, in
    Chinese, titles in 《》 that ``text`` names, in order of appearance."""
    found: list[tuple[int, Entity]] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    for s, e, key, parts in _dates(text, language):
        found.append((s, Entity("date", text[s:e], language, (key,), parts)))
        taken.append((s, e))
    if language == "zh":
        for m in _ZH_TITLE.finditer(text):
            found.append((m.start(), Entity("title", m.group(0), language, (flatten(m.group(1)),))))
            taken.append((m.start(), m.end()))
    for m in _SYMBOL.finditer(text):
        if free(m.start(), m.end()):
            found.append((m.start(), Entity("symbol", m.group(0), language, (flatten(m.group(0)),))))
            taken.append((m.start(), m.end()))
    body_spans: list[tuple[int, int]] = []
    for s, e, index in glossary_matches(text, language):
        if free(s, e):
            found.append((s, Entity("body", text[s:e], language, (f"g{index}",))))
            body_spans.append((s, e))
    shaped = _zh_shaped_bodies(text, taken + body_spans) if language == "zh" else \
        _en_shaped_bodies(text, taken + body_spans)
    for s, e in shaped:
        found.append((s, Entity("body", text[s:e], language, (flatten(text[s:e]),))))
        body_spans.append((s, e))
    taken += body_spans
    for m in _NUMBER.finditer(text):
        if free(m.start(), m.end()):
            found.append((m.start(), Entity("number", m.group(0).strip(), language, _number_keys(m.group(1),
                                                                                                m.group(2)))))
    pattern = _CN_NUMBER if language == "zh" else _EN_WORD
    for m in pattern.finditer(text):
        value = cn_numeral_to_int(m.group(0)) if language == "zh" else _EN_NUMBER_WORDS[m.group(0).lower()]
        if value is not None and value >= 2 and free(m.start(), m.end()):
            found.append((m.start(), Entity("number", m.group(0), language, (str(value),))))
    return [entity for _, entity in sorted(found, key=lambda item: item[0])]


def evidence(text: str, language: str) -> Evidence:
    """Index one paragraph: its numbers (scaled variants added; a date's year, month and day included;
    digits inside symbols not), dates (with year-month prefixes), symbols, listed bodies, and the flat text."""
    ev = Evidence({language}, {language: flatten(text)})
    # digits inside a symbol are not numbers of their own: "2006/07" does not support "2006"
    masked = _SYMBOL.sub(lambda m: " " * len(m.group(0)), text)
    for m in _NUMBER.finditer(masked):
        ev.numbers.update(_number_keys(m.group(1), m.group(2)))
    pattern = _CN_NUMBER if language == "zh" else _EN_WORD
    for m in pattern.finditer(text):
        value = cn_numeral_to_int(m.group(0)) if language == "zh" else _EN_NUMBER_WORDS[m.group(0).lower()]
        if value is not None:
            ev.numbers.add(str(value))
    for _s, _e, key, parts in _dates(text, language):
        ev.dates.add(key)
        ev.dates.add(key[:7])
        ev.numbers.update(parts)
    if language == "en":
        for m in re.finditer(rf"\b({_MONTHS})\b", text):
            number = month_number(m.group(1))
            if number:
                ev.numbers.add(str(number))
    ev.symbols.update(flatten(m.group(0)) for m in _SYMBOL.finditer(text))
    ev.bodies.update(index for _s, _e, index in glossary_matches(text, language))
    return ev


def merge(evidences: Iterable[Evidence]) -> Evidence:
    out = Evidence()
    for ev in evidences:
        out = out.merged(ev)
    return out


def grounded(entity: Entity, ev: Evidence) -> bool:
    """Whether ``ev`` supports ``entity`` (see the module docstring for what counts)."""
    if entity.kind == "number":
        return any(k in ev.numbers for k in entity.keys)
    if entity.kind == "date":
        return entity.keys[0] in ev.dates or (bool(entity.parts) and all(p in ev.numbers for p in entity.parts))
    if entity.kind == "symbol":
        return entity.keys[0] in ev.symbols or any(entity.keys[0] in text for text in ev.flat.values())
    if entity.kind == "body" and entity.keys[0].startswith("g") and entity.keys[0][1:].isdigit():
        return int(entity.keys[0][1:]) in ev.bodies
    # a shaped body name or a title: verbatim, in the same language only
    same = ev.flat.get(entity.language)
    return same is not None and entity.keys[0] in same


def ungrounded(entities: Sequence[Entity], ev: Evidence) -> list[Entity]:
    return [e for e in entities if not grounded(e, ev)]


def overlap(sentence_units: Sequence[str], paragraph_units: set[str]) -> float:
    """Share of a sentence's lexical units found in a paragraph (how much of it the paragraph accounts for)."""
    if not sentence_units:
        return 0.0
    return sum(1 for u in sentence_units if u in paragraph_units) / len(sentence_units)


def attribute(entities: Sequence[Entity], candidates: Sequence[int], evidences: dict[int, Evidence],
              overlaps: dict[int, float], max_citations: int = 3) -> tuple[list[int], list[Entity]]:
    """The paragraphs a generated sentence cites and the entities none of them supports.

    Starts from the paragraph with the most overlap, then adds, for each entity still unsupported, the
    best-overlapping candidate that supports it, up to ``max_citations`` paragraphs."""
    if not candidates:
        return [], list(entities)
    ranked = sorted(candidates, key=lambda c: (-overlaps.get(c, 0.0), c))
    cited = [ranked[0]]
    for entity in entities:
        if grounded(entity, merge(evidences[c] for c in cited)):
            continue
        for c in ranked:
            if c not in cited and grounded(entity, evidences[c]) and len(cited) < max_citations:
                cited.append(c)
                break
    support = merge(evidences[c] for c in cited)
    return sorted(cited), ungrounded(entities, support)
