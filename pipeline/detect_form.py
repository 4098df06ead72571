"""Form checks on Chinese paragraphs: untranslated English, half-width punctuation between Chinese
characters, unbalanced brackets and quotes, footnote markers with no footnote.

Pure functions over text: each returns :class:`Finding` objects with offsets into the text given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")
FOOTNOTE_MARKERS = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")


@dataclass
class Finding:
    type: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


# Latin text that is normal inside UN Chinese: symbols, acronyms, units, product names, e-mail and web addresses.
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ \u00a0]+[A-Za-z][A-Za-z'’\-]*)*")
_ADDRESS = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+")
_SYMBOLISH = re.compile(r"^[A-Z0-9/.\-]+$")
ALLOWED_LATIN = {"et", "al", "ad", "hoc", "per", "se", "vs", "etc", "bis", "ter", "quater", "inter", "alia",
                 "km", "kg", "mg", "ml", "cm", "mm", "kw", "kwh", "mw", "gw", "ppm", "co", "no", "nos", "op", "cit",
                 "ibid", "para", "paras", "sect", "annex", "add", "corr", "rev", "amend", "e", "i", "ii", "iii", "iv",
                 "v", "vi", "vii", "viii", "ix", "x", "a", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n",
                 "o", "p", "q", "r", "s", "t", "u", "w", "y", "z", "pdf", "html", "excel", "word"}


def untranslated_english(text: str) -> list[Finding]:
    """Runs of English words left in Chinese text. Acronyms, symbols, single capitalised names
    (Umoja, Inspira) and units are normal in UN Chinese and are not reported."""
    masked = _ADDRESS.sub(lambda m: " " * len(m.group()), text)
    out = []
    for m in _LATIN_RUN.finditer(masked):
        words = re.split(r"[ \u00a0]+", m.group())
        plain = [w for w in words if w.lower().strip("'’-") not in ALLOWED_LATIN and not _SYMBOLISH.match(w)]
        lower = [w for w in plain if w[:1].islower() and len(w) >= 3 and w[1:].islower()]
        # Two or more real words with at least one lower-case word, or one long lower-case word:
        # an English phrase, not a name or acronym.
        if (len(plain) >= 2 and lower) or (len(lower) == 1 and len(lower[0]) >= 5 and len(plain) == 1):
            before = text[max(0, m.start() - 1):m.start()]
            after = text[m.end():m.end() + 1]
            # "…（英文：xxx）" glosses are a deliberate practice; only report text set into Chinese.
            if before in "（(" and after in "）)" and len(words) <= 6 and _HAN_CHAR.search(text[:m.start()]):
                continue
            out.append(Finding("form", "medium", m.start(), m.end(), f"untranslated English: “{m.group()}”",
                               evidence={"rule": "latin_run", "words": len(words)}))
    return out


_HALF_PUNCT = re.compile(rf"(?<=[{HAN}])[,;:?!()]|[,;:?!()](?=[{HAN}])|(?<=[{HAN}])\.(?![\d.])")
_ITEM_LABEL = re.compile(r"\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,2})\)")
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。", "(": "（", ")": "）"}


def half_width_punctuation(text: str) -> list[Finding]:
    """ASCII , ; : ? ! . ( ) touching Chinese characters (UN Chinese uses full-width forms there).
    Numbers (1,234 3.5), symbols (S/RES/1325 (2000)) and Latin text keep half-width punctuation."""
    out = []
    seen: set[int] = set()
    items = [(m.start(), m.end()) for m in _ITEM_LABEL.finditer(text)]
    for m in _HALF_PUNCT.finditer(text):
        if m.start() in seen or any(s <= m.start() < e for s, e in items):
            continue
        seen.add(m.start())
        char = m.group()
        out.append(Finding("form", "low", m.start(), m.end(), f"half-width “{char}” in Chinese text",
                           suggestion=_FULL[char], evidence={"rule": "half_width_punctuation"}))
    return out


_PAIRS = {"（": "）", "(": ")", "“": "”", "‘": "’", "《": "》", "【": "】", "「": "」", "『": "』", "〔": "〕",
          "[": "]"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def unbalanced(text: str) -> list[Finding]:
    """Brackets and quotes that are opened and never closed, or closed and never opened."""
    stack: list[tuple[str, int]] = []
    out = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            if stack and stack[-1][0] == _CLOSERS[ch]:
                stack.pop()
            elif any(o == _CLOSERS[ch] for o, _ in stack):
                # Close the matching opener; everything opened after it was never closed.
                while stack and stack[-1][0] != _CLOSERS[ch]:
                    opener, at = stack.pop()
                    out.append(_unclosed(opener, at))
                stack.pop()
            else:
                out.append(Finding("form", "medium", i, i + 1, f"“{ch}” closes nothing",
                                   suggestion=None, evidence={"rule": "unbalanced"}))
    out.extend(_unclosed(opener, at) for opener, at in stack)
    return sorted(out, key=lambda f: f.start)


def _unclosed(opener: str, at: int) -> Finding:
    return Finding("form", "medium", at, at + 1, f"“{opener}” is never closed (missing “{_PAIRS[opener]}”)",
                   evidence={"rule": "unbalanced"})


def orphan_footnote_markers(text: str, known_markers: set[str]) -> list[Finding]:
    """Superscript footnote markers in the text with no footnote of that marker in the document."""
    out = []
    for m in FOOTNOTE_MARKERS.finditer(text):
        if m.group() not in known_markers:
            out.append(Finding("form", "medium", m.start(), m.end(),
                               f"footnote marker “{m.group()}” has no footnote", evidence={"rule": "footnote"}))
    return out


def check_form(text: str, known_markers: set[str]) -> list[Finding]:
    """Every form check on one paragraph's text."""
    return [*untranslated_english(text), *half_width_punctuation(text), *unbalanced(text),
            *orphan_footnote_markers(text, known_markers)]
