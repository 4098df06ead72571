"""Sentence splitting and word tokens for Chinese and English UN text.

Pure functions over strings; offsets are character offsets into the text given.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings

from pipeline.textutil import CLOSERS, EN_TERMINALS, FOOTNOTE_MARK_CHARS, ZH_TERMINALS

_PAIRS_ZH = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "〈": "〉", "【": "】", "[": "]"}
_PAIRS_EN = {"“": "”", "(": ")", "[": "]"}
_ITEM_AHEAD = re.compile(r"\s*(?:和|及|以及|或|与|and\s+|or\s+)?\s*[(（](?:[a-z]|[ivx]{1,4}|\d{1,2})[)）]")
_MAX_OPEN = 400  # an opener left unclosed this long is a typo, not a quotation: stop honouring it

EN_ABBREVIATIONS = frozenset(
    [
        "e.g", "i.e", "etc.al", "al", "cf", "viz", "vs", "No", "Nos", "no", "nos", "para", "paras", "Para",
        "Paras", "p", "pp", "Mr", "Mrs", "Ms", "Messrs", "Dr", "Prof", "St", "Sr", "Jr", "Gen", "Col", "Lt", "Sgt",
        "Amb", "Hon", "Rev", "Add", "Corr", "Suppl", "Vol", "vol", "Art", "art", "arts", "Arts", "Ch", "ch",
        "chap", "Chap", "sect", "Sect", "fig", "Fig", "approx", "Inc", "Ltd", "Co", "Corp", "Jan", "Feb", "Mar",
        "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "op", "cit", "ibid", "Ibid", "H.E",
        "annex", "Annex", "U.S", "U.K", "U.N", "E.U",
    ]
)


def split_sentences(text: str, language: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) covering ``text`` without leading/trailing whitespace.

    Chinese: after 。！？ (with any closing quotes or brackets that follow), after ； when a list
    item such as "(b)" follows, and at line breaks (sub-items on their own lines). Quotes and
    brackets are kept whole. English: after . ! ? followed by a capital, quote or bracket, except
    after abbreviations (e.g., No., U.S.) and initials.
    """
    cuts = _cuts_zh(text) if language == "zh" else _cuts_en(text)
    spans = []
    start = 0
    for cut in [*cuts, len(text)]:
        seg = text[start:cut]
        left = len(seg) - len(seg.lstrip())
        right = len(seg.rstrip())
        if right > left:
            spans.append((start + left, start + right))
        start = cut
    return spans


def _after_closers(text: str, i: int) -> int:
    while i < len(text) and (text[i] in CLOSERS or text[i] in FOOTNOTE_MARK_CHARS):
        i += 1
    return i


def _cuts_zh(text: str) -> list[int]:
    cuts: list[int] = []
    stack: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            stack.clear()
            cuts.append(i + 1)
        elif stack and i - stack[-1][1] > _MAX_OPEN:
            stack.clear()
            continue
        elif ch in _PAIRS_ZH and not (ch == "(" and _is_item_marker(text, i)):
            stack.append((_PAIRS_ZH[ch], i))
        elif stack and ch == stack[-1][0]:
            stack.pop()
            if not stack and i > 0 and text[i - 1] in ZH_TERMINALS:
                end = _after_closers(text, i + 1)
                cuts.append(end)
                i = end
                continue
        elif not stack and ch in ZH_TERMINALS:
            end = _after_closers(text, i + 1)
            cuts.append(end)
            i = end
            continue
        elif not stack and ch in "；;" and _ITEM_AHEAD.match(text, i + 1):
            cuts.append(i + 1)
        i += 1
    return sorted(set(c for c in cuts if 0 < c < n))


def _is_item_marker(text: str, i: int) -> bool:
    return bool(re.match(r"[(（](?:[a-z]|[ivx]{1,4}|\d{1,2})[)）]", text[i:i + 6]))


_EN_NEXT = re.compile(r"\s+[\"“‘'(\[]?[A-Z0-9]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _cuts_en(text: str) -> list[int]:
    cuts: list[int] = []
    depth_open: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            depth_open.clear()
            cuts.append(i + 1)
        elif depth_open and i - depth_open[-1] > _MAX_OPEN:
            depth_open.clear()
        if ch in "(“[" and not (ch == "(" and _is_item_marker(text, i)):
            depth_open.append(i)
        elif ch in ")”]" and depth_open:
            depth_open.pop()
            if not depth_open and text[i - 1] in EN_TERMINALS:
                end = _after_closers(text, i + 1)
                if _EN_NEXT.match(text, end) and not _is_abbreviation(text, i - 1):
                    cuts.append(end)
                    i = end
                    continue
        elif ch in EN_TERMINALS and not depth_open:
            end = _after_closers(text, i + 1)
            if _EN_NEXT.match(text, end) and not _is_abbreviation(text, i):
                cuts.append(end)
                i = end
                continue
        elif ch in ";" and not depth_open and _ITEM_AHEAD.match(text, i + 1):
            cuts.append(i + 1)
        i += 1
    return sorted(set(c for c in cuts if 0 < c < n))


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    match = _WORD_BEFORE.search(text, 0, dot)
    if not match:
        return False
    word = match.group(1).rstrip(".")
    if word in EN_ABBREVIATIONS or word.lower() in {"e.g", "i.e", "cf", "viz", "vs", "etc.al"}:
        return True
    if len(word) == 1 and word.isupper():
        return True  # an initial: "John F. Kennedy"
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word))  # U.S, e.g written without the final dot


# Word tokens -----------------------------------------------------------------------------------------

_PROTECTED = re.compile(
    r"""
    (?:[A-Z]{1,8}(?:/[A-Za-z0-9.\-]*[A-Za-z0-9])+)          # document symbols: E/2007/100, A/RES/61/16
    | (?:\d{1,4}\s?\(\d{4}\))                                # resolution references: 1325 (2000)
    | (?:[(（](?:[a-z]|[ivx]{2,4})[)）])                      # list item markers: (a), (iii)
    | (?:\d{4}[/\-–]\d{2,4}(?:\s?年度?)?)                      # periods: 2006/07, 2008-2009 年
    | (?:\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)       # numbers: 1 000, 1,000, 12.5
      (?:\s?(?:%|％|年代|年度|年|个月|月|日|号|名|个|项|次|万|亿|千|百|美元|欧元|人|届|岁|天|周|小时|倍|公里|吨))?
    | (?:(?:[A-Za-z]{1,3}\.){2,})                            # dotted abbreviations: e.g., U.S.
    | (?:[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*)          # Latin words and acronyms
    """,
    re.VERBOSE,
)
_EN_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*|\S")

_jieba_lock = threading.Lock()
_jieba = None


def _get_jieba():
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # jieba imports the deprecated pkg_resources
                import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def tokenize(text: str, language: str) -> list[str]:
    """Word tokens, whitespace dropped. Chinese uses jieba; symbols, numbers with units, acronyms and
    Latin words stay single tokens in both languages."""
    tokens: list[str] = []
    pos = 0
    for match in _PROTECTED.finditer(text):
        if match.start() > pos:
            tokens.extend(_plain_tokens(text[pos:match.start()], language))
        tokens.append(match.group(0))
        pos = match.end()
    if pos < len(text):
        tokens.extend(_plain_tokens(text[pos:], language))
    return [t for t in tokens if t.strip()]


def _plain_tokens(chunk: str, language: str) -> list[str]:
    if language == "zh":
        return [t.strip() for t in _get_jieba().lcut(chunk, HMM=True) if t.strip()]
    return _EN_TOKEN.findall(chunk)
