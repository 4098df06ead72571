"""Garbled Chinese: spans no fluent translator would write.

Three pure parts, tested without models:

- :func:`duplicates`: doubled characters or words (的的, 进行进行) that are not words of their own (常常).
- :func:`rare_runs`: the word-frequency baseline. jieba (no HMM) cuts garbled text into runs of
  single characters that are rare as words on their own; a run's rarity ranks paragraphs for the
  language model and is, alone, the baseline the benchmark compares against.
- :func:`lm_spans`: from a language model's per-token scores, spans whose tokens are both surprising
  and far below the model's own best guess at that position, merged across neighbours; protected
  spans (numbers, symbols, Latin text) never count. The caller verifies each span by deleting it or
  replacing it with the model's guess and re-scoring (:func:`verdict`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_DUP = re.compile(r"([\u4e00-\u9fff]{1,3})\1")
# Reduplications that are normal in formal Chinese although the doubled form may be missing from jieba's dictionary.
NORMAL_DOUBLES = set("常人天年月日个各家处事项种时层步声点条件份位名批节段次代")


@dataclass
class Span:
    start: int
    end: int
    score: float
    rule: str
    evidence: dict = field(default_factory=dict)
    suggestion: str | None = None


@lru_cache(maxsize=1)
def _jieba_freq() -> tuple[dict[str, int], float]:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba.dt.FREQ, float(jieba.dt.total)


def word_logfreq(word: str) -> float:
    """log10 frequency of ``word`` as a dictionary word (per million), or -1 for unknown words."""
    freq, total = _jieba_freq()
    count = freq.get(word, 0)
    return math.log10(count * 1e6 / total) if count else -1.0


def duplicates(text: str, protected: Iterable[tuple[int, int]] = ()) -> list[Span]:
    """Doubled characters or words that are not themselves words (的的 yes, 常常 no)."""
    import jieba

    freq, _ = _jieba_freq()
    guard = list(protected)
    out = []
    bounds: list[tuple[int, int]] = []
    pos = 0
    for w in jieba.lcut(text, HMM=False):
        if len(w) > 1:
            bounds.append((pos, pos + len(w)))
        pos += len(w)
    for m in _DUP.finditer(text):
        unit, doubled = m.group(1), m.group()
        if _inside(m.start(), m.end(), guard):
            continue
        if freq.get(doubled, 0) > 0 or (len(unit) == 1 and unit in NORMAL_DOUBLES):
            continue
        # 会员国国家: the first copy ends one word and the second starts the next, not a doubling.
        if _in_long_word(m.start(), bounds) and _in_long_word(m.start() + len(unit), bounds):
            continue
        out.append(Span(m.start() + len(unit), m.end(), 5.0, "duplicate",
                        {"unit": unit}, suggestion=""))
    return out


def _in_long_word(offset: int, bounds: list[tuple[int, int]]) -> bool:
    return any(s <= offset < e for s, e in bounds)


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def rare_runs(text: str, protected: Iterable[tuple[int, int]] = (), min_rarity: float = 2.0) -> list[Span]:
    """Runs of single-character jieba tokens that are rare as stand-alone words.

    Score of a run: the sum over its characters of ``max(0, threshold - log10 freq per million)``.
    Common function characters (的, 在, 和) cost nothing; characters that only occur inside words cost a lot.
    """
    import jieba

    freq, _ = _jieba_freq()
    guard = list(protected)
    out: list[Span] = []
    pos = 0
    run_start, run_score, run_len = -1, 0.0, 0

    def close(end: int) -> None:
        nonlocal run_start, run_score, run_len
        if run_start >= 0 and run_score >= min_rarity and (run_len >= 2 or run_score >= 2 * min_rarity):
            out.append(Span(run_start, end, run_score, "rare_run", {"chars": run_len}))
        run_start, run_score, run_len = -1, 0.0, 0

    for token in jieba.lcut(text, HMM=False):
        start, end = pos, pos + len(token)
        pos = end
        if len(token) == 1 and HAN.match(token) and not _inside(start, end, guard):
            rarity = max(0.0, 2.5 - word_logfreq(token)) if freq.get(token) else 4.0
            if run_start < 0:
                run_start = start
            run_score += rarity
            run_len += 1
        else:
            close(start)
    close(pos)
    return out


@dataclass(frozen=True)
class TokenView:
    """What :func:`lm_spans` needs of a scored token."""

    start: int
    end: int
    surprisal: float
    """-log P(token | left context), nats."""
    gap: float
    """log P(model's best token) - log P(token): how far below the model's own guess."""
    best: str
    repeats: int = 0
    """How often this token's text occurs elsewhere in the document (a cache: repeated names are not odd)."""
    han: bool = True
    """Whether the token contains Chinese characters (only those can seed or join a span)."""


@dataclass(frozen=True)
class LmParams:
    surprisal: float = 9.0
    """A token must be at least this surprising (nats) to seed a span."""
    gap: float = 7.0
    """... and at least this far below the model's best guess."""
    extend: float = 5.0
    """Neighbouring tokens at least this surprising join the span."""
    max_tokens: int = 3
    min_chars: int = 2
    """Single-character spans are too often a correct but unexpected word choice to report."""
    max_word_cover: float = 0.5
    """Spans whose characters are mostly dictionary words of two or more characters are left alone:
    inserted or swapped characters break words apart, unusual but correct wording does not."""
    verify_gain: float = 3.0
    """Deleting or replacing the span must raise the window's log-probability by this much (nats), after
    the length charge below."""
    char_cost: float = 7.0
    """Nats charged per character an edit removes: deleting fluent text also raises the probability
    (a shorter text has fewer tokens to pay for), so a deletion must beat what the removed characters
    would cost if they were ordinary surprising words."""


def lm_spans(tokens: list[TokenView], protected: Iterable[tuple[int, int]] = (),
             params: LmParams = LmParams()) -> list[Span]:
    """Seed spans at tokens that are surprising and far below the best guess; grow them over
    neighbouring surprising tokens; drop tokens in protected spans and tokens that repeat in the document."""
    guard = list(protected)
    ok = [t.han and not _inside(t.start, t.end, guard) for t in tokens]
    out: list[Span] = []
    used = [False] * len(tokens)
    order = sorted(range(len(tokens)), key=lambda i: -tokens[i].gap)
    for i in order:
        t = tokens[i]
        if used[i] or not ok[i] or t.surprisal < params.surprisal or t.gap < params.gap or t.repeats >= 2:
            continue
        lo = hi = i
        while lo - 1 >= 0 and not used[lo - 1] and ok[lo - 1] and tokens[lo - 1].surprisal >= params.extend \
                and hi - lo + 1 < params.max_tokens:
            lo -= 1
        while hi + 1 < len(tokens) and not used[hi + 1] and ok[hi + 1] and tokens[hi + 1].surprisal >= params.extend \
                and hi - lo + 1 < params.max_tokens:
            hi += 1
        for k in range(lo, hi + 1):
            used[k] = True
        score = sum(tokens[k].gap for k in range(lo, hi + 1))
        out.append(Span(tokens[lo].start, tokens[hi].end, score, "lm",
                        {"surprisal": round(max(tokens[k].surprisal for k in range(lo, hi + 1)), 2),
                         "gap": round(t.gap, 2), "tokens": hi - lo + 1}, suggestion=t.best))
    return sorted(out, key=lambda s: s.start)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the jieba dictionary words (no HMM) of two or more characters in ``text``."""
    import jieba

    out, pos = [], 0
    for w in jieba.lcut(text, HMM=False):
        if len(w) > 1:
            out.append((pos, pos + len(w)))
        pos += len(w)
    return out


def word_cover(start: int, end: int, words: list[tuple[int, int]]) -> float:
    """Share of the characters [start, end) that lie inside dictionary words of the segmented paragraph."""
    if end <= start:
        return 1.0
    return sum(1 for i in range(start, end) if any(s <= i < e for s, e in words)) / (end - start)


def verdict(original: float, variants: dict[str, float], removed: int = 0,
            params: LmParams = LmParams()) -> tuple[bool, str, float]:
    """Is a span garbled? ``original`` is the log-probability of the window as written; ``variants``
    maps each edit ("" = delete, else the replacement text) to the log-probability after it; ``removed``
    is the span's length in characters. A span is garbled when some edit makes the window far more
    probable than the characters it removes can explain. Returns (garbled, best edit, adjusted gain)."""
    if not variants:
        return False, "", 0.0
    adjusted = {edit: lp - original - params.char_cost * max(0, removed - len(edit))
                for edit, lp in variants.items()}
    edit, gain = max(adjusted.items(), key=lambda kv: kv[1])
    return gain >= params.verify_gain, edit, gain
