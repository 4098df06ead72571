"""ROUGE-1, ROUGE-2 and ROUGE-L for evaluating summaries: characters for Chinese, words for English.

Pure functions, no dependencies. Chinese is scored on characters (the usual practice for Chinese
summarisation, which avoids depending on a word segmenter); punctuation and spaces are ignored, and
Latin words and numbers inside Chinese text count as one unit each. English is lower-cased words
(no stemming). ROUGE-L is the longest common subsequence over the whole text (not the per-sentence
union variant), which is what character-level Chinese ROUGE usually reports.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_ZH_UNIT = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?|[\u3400-\u4dbf\u4e00-\u9fff]")
_EN_UNIT = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_CITATION = re.compile(r"[（(](?:第|paras?\.|annex|附件|未编号|unnumbered)[^（）()]*[)）]")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        return {"p": round(self.precision, 4), "r": round(self.recall, 4), "f": round(self.f1, 4)}


def strip_citations(text: str) -> str:
    """The text without paragraph citations such as "（第 27–29 段）" or "(paras. 27–29)"."""
    return _CITATION.sub("", text)


def units(text: str, language: str) -> list[str]:
    """The units ROUGE counts: Chinese characters (Latin words and numbers whole), or English words."""
    if language == "zh":
        return _ZH_UNIT.findall(text)
    return _EN_UNIT.findall(text.lower())


def _ngrams(seq: list[str], n: int) -> Counter:
    return Counter(tuple(seq[i:i + n]) for i in range(len(seq) - n + 1))


def _prf(overlap: float, candidate_total: int, reference_total: int) -> Score:
    p = overlap / candidate_total if candidate_total else 0.0
    r = overlap / reference_total if reference_total else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Score(p, r, f)


def rouge_n(candidate: list[str], reference: list[str], n: int) -> Score:
    cand, ref = _ngrams(candidate, n), _ngrams(reference, n)
    overlap = sum((cand & ref).values())
    return _prf(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence (two-row dynamic programme, O(len(a)·len(b)))."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(candidate: list[str], reference: list[str]) -> Score:
    return _prf(lcs_length(candidate, reference), len(candidate), len(reference))


def rouge(candidate: str, reference: str, language: str) -> dict[str, Score]:
    """ROUGE-1, ROUGE-2 and ROUGE-L of one candidate text against one reference text (citations removed)."""
    cand = units(strip_citations(candidate), language)
    ref = units(strip_citations(reference), language)
    return {"rouge1": rouge_n(cand, ref, 1), "rouge2": rouge_n(cand, ref, 2), "rougeL": rouge_l(cand, ref)}
