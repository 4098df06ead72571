"""Garbled Chinese: spans no fluent translator would write.

Three pure parts, tested without models:

- :func:`duplicates`: doubled characters or words (的的, 进行进行) that are not words of their own (常常).
- :func:`rare_runs`: the word-frequency baseline. jieba (no HMM) cuts garbled text into runs of
  single characters that are rare as words on their own; a run's rarity ranks paragraphs for the
  language model and is, alone, the baseline the benchmark compares against.
- :func:`lm_spans`: from a language model's per-token scores, spans whose tokens are both surprising
  and far below the model's own best guess at that position, merged across neighbours; protected
  spans (numbers, symbols, Latin text, official names) never count. The caller verifies each span by
  re-scoring local corrections (:func:`local_edits`: delete it, put the model's guess in its place, delete
  part of it, swap characters back, mend a broken word) and reads the gains (:func:`edit_features`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_DUP = re.compile(r"([\u4e00-\u9fff]{1,3})\1")
# Reduplications that are normal in formal Chinese although the doubled form may be missing from jieba's dictionary.
NORMAL_DOUBLES = set("常人天年月日个各家处事项种时层步声点条件份位名批节段次代")
COMMON_DOUBLE = 20
"""A doubled form this frequent in jieba's dictionary is a word of its own (常常 5,147; 了了 3 is not)."""


@dataclass
class Span:
    start: int
    end: int
    score: float
    rule: str
    evidence: dict = field(default_factory=dict)
    suggestion: str | None = None
    first: int = 0
    """For language-model spans: index of the span's first and last scored token."""
    last: int = 0


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
    """Doubled characters or words that are not words themselves (的的, 普查普查 yes; 常常, 会员国国家 no).

    A doubling is left alone when the doubled form is a common dictionary word (常常, 种种), when a
    single doubled character is a usual reduplication (个个, 年年), unless it follows a number (46 份份,
    2021 年年), and when a dictionary word runs across either end of it (会员国|国家, 学生|生活, 2024 年|年度:
    a word ends with the first copy or begins with the second)."""
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
        a, b = m.start(), m.end()
        if _inside(a + len(unit), b, guard):
            continue
        after_number = len(unit) == 1 and re.search(r"\d\s?$", text[:a]) is not None
        if not after_number and (freq.get(doubled, 0) >= COMMON_DOUBLE or (len(unit) == 1 and unit in NORMAL_DOUBLES)):
            continue
        if any(s < b and a < e and (s < a or e > b) for s, e in bounds):
            continue  # 2024 年|年度: a word begins with the second copy
        out.append(Span(a + len(unit), b, 5.0, "duplicate", {"unit": unit}, suggestion=""))
    return out



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
                         "gap": round(t.gap, 2), "tokens": hi - lo + 1}, suggestion=t.best, first=lo, last=hi))
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


# ------------------------------------------------------------------------------------------- learned scorer
#
# The hand-set thresholds above only propose candidates (loosely). Whether a candidate is reported is decided
# by learned models over the features below, fitted by ``benchmarks/train_garbled.py`` on the tuning corpus
# (never on the held-out one) and shipped as ``pipeline/resources/garbled_model.json``. Two models: ``screen``
# (logistic) uses only what one scoring pass gives and ranks the candidates worth re-scoring; ``final``
# (boosted trees) adds the re-scoring gains.

SCREEN_FEATURES = ("gap_max", "surprisal_max", "gap_sum", "tokens", "chars", "word_cover", "fix_words",
                   "after", "before", "repeats", "rarity", "unseen_bigrams", "unique_bigrams", "swap_fix")
FINAL_FEATURES = (*SCREEN_FEATURES, "delete_gain", "replace_gain", "best_adjusted", "trim_adjusted", "swap_gain",
                  "substitute_gain")

CANDIDATE_PARAMS = LmParams(surprisal=6.0, gap=4.0, extend=5.0, max_tokens=3)
"""Loose thresholds: candidates for the learned scorer, not flags."""


@lru_cache(maxsize=1)
def _word_bigrams() -> frozenset[str]:
    """Every pair of adjacent characters that occurs inside a word of jieba's dictionary."""
    freq, _ = _jieba_freq()
    pairs = set()
    for word, count in freq.items():
        if count and len(word) >= 2:
            pairs.update(word[i:i + 2] for i in range(len(word) - 1))
    return frozenset(pairs)


def _cover(text: str) -> float:
    """Share of the Han characters of ``text`` inside dictionary words of two or more characters."""
    han = [i for i, c in enumerate(text) if HAN.match(c)]
    if not han:
        return 1.0
    words = word_spans(text)
    return sum(1 for i in han if any(s <= i < e for s, e in words)) / len(han)


def _han_pairs(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """(offset, pair) for each two different adjacent Han characters in or next to [start, end): where a
    transposition may have happened."""
    out = []
    for i in range(max(0, start - 1), min(len(text), end + 1) - 1):
        pair = text[i:i + 2]
        if HAN.match(pair[0]) and HAN.match(pair[1]) and pair[0] != pair[1]:
            out.append((i, pair))
    return out


def _swap_fix(text: str, start: int, end: int) -> float:
    """Transposed characters (展发 for 发展): the highest log10 frequency per million of a dictionary word
    made by swapping two adjacent characters around the span whose written order is no word; 0 if none."""
    return max([word_logfreq(pair[::-1]) + 1.0 for _, pair in _han_pairs(text, start, end)
                if word_logfreq(pair) < 0] + [0.0])


def span_features(text: str, span: Span, tokens: list[TokenView], words: list[tuple[int, int]],
                  counts: Mapping[str, int], rarity: float) -> dict[str, float]:
    """What one scoring pass, the dictionary and the document say about a candidate span (SCREEN_FEATURES).
    ``counts``: occurrences of 2-4 character strings in the whole document."""
    views = tokens[span.first:span.last + 1]
    piece = text[span.start:span.end]
    repeats = counts.get(piece.strip(), 0) - 1
    w0, w1 = max(0, span.start - 3), min(len(text), span.end + 3)
    window = text[w0:w1]
    a, b = span.start - w0, span.end - w0
    before_cover = _cover(window)
    fixes = [_cover(window[:a] + window[b:])]
    best = (span.suggestion or "").strip()
    if best and best != piece:
        fixes.append(_cover(window[:a] + best + window[b:]))
    pairs = _word_bigrams()
    edge = text[max(0, span.start - 1):min(len(text), span.end + 1)]
    bigrams = [edge[i:i + 2] for i in range(len(edge) - 1) if HAN.match(edge[i]) and HAN.match(edge[i + 1])]
    return {
        "gap_max": max(t.gap for t in views),
        "surprisal_max": max(t.surprisal for t in views),
        "gap_sum": sum(t.gap for t in views),
        "tokens": float(len(views)),
        "chars": float(len(piece.strip())),
        "word_cover": word_cover(span.start, span.end, words),
        "fix_words": max(fixes) - before_cover,
        "after": tokens[span.last + 1].surprisal if span.last + 1 < len(tokens) else 0.0,
        "before": tokens[span.first - 1].surprisal if span.first > 0 else 0.0,
        "repeats": math.log1p(max(0, repeats)),
        "rarity": rarity,
        "unseen_bigrams": (sum(1 for g in bigrams if g not in pairs) / len(bigrams)) if bigrams else 0.0,
        "swap_fix": _swap_fix(text, span.start, span.end),
        # the document as context: an odd but deliberate term recurs, an accident is written once
        "unique_bigrams": (sum(1 for g in bigrams if counts.get(g, 0) <= 1) / len(bigrams)) if bigrams else 0.0,
    }


@dataclass(frozen=True)
class Edit:
    """One local correction tried on a candidate: the paragraph's characters [start, end) become ``text``.
    ``kind``: "delete" (the whole span), "guess" (the model's best guess in its place), "trim" (only part of
    the span deleted: the span may have grown over sound neighbours of the real defect), "swap" (two
    adjacent characters put back in dictionary order), "substitute" (one character replaced so that a
    broken dictionary word is whole again) or "run" (a run of loose characters overlapping the span deleted: tried by
    the judge only, see ``[stages.check] judge_runs``)."""

    start: int
    end: int
    text: str
    kind: str

    @property
    def removed(self) -> int:
        """Characters removed net (charged by ``LmParams.char_cost``: deleting anything helps a little)."""
        return max(0, self.end - self.start - len(self.text))


MAX_SWAPS = 2
"""At most this many transpositions are tried per candidate (the dictionary's most frequent ones)."""
TRIMS = (1, 2)
"""Partial deletions tried per candidate: the span without its first or last ``n`` characters deleted."""
MAX_SUBSTITUTIONS = 2
"""At most this many one-character substitutions that mend a dictionary word are tried per candidate."""


@lru_cache(maxsize=1)
def _blanked_words() -> dict[str, tuple[tuple[str, float], ...]]:
    """Dictionary words of 2-4 Han characters seen at least once per million words, by each pattern with one
    character blanked (“?合国” → 联合国): the two most frequent words per pattern with their log10 frequency."""
    freq, total = _jieba_freq()
    best: dict[str, list[tuple[float, str]]] = {}
    floor = total / 1e6
    for word, count in freq.items():
        if 2 <= len(word) <= 4 and count >= floor and all(HAN.match(c) for c in word):
            logf = math.log10(count * 1e6 / total)
            for i in range(len(word)):
                best.setdefault(word[:i] + "?" + word[i + 1:], []).append((logf, word))
    return {key: tuple((w, f) for f, w in sorted(words, reverse=True)[:2]) for key, words in best.items()}


def _substitutions(text: str, start: int, end: int) -> list[Edit]:
    """One character in or next to [start, end) replaced so that a run of 2-4 characters around it that is
    no dictionary word becomes one (组和 → 组织, 为合国 → 联合国): a character replaced by a wrong one leaves
    a broken word that the dictionary can mend although the model, reading left to right, cannot guess it."""
    blanked = _blanked_words()
    found: dict[tuple[int, str], float] = {}
    for i in range(max(0, start - 1), min(len(text), end + 1)):
        if not HAN.match(text[i]):
            continue
        for size in (2, 3, 4):
            for a in range(max(0, i - size + 1), min(i, len(text) - size) + 1):
                piece = text[a:a + size]
                if not all(HAN.match(c) for c in piece) or word_logfreq(piece) >= 0:
                    continue
                for word, logf in blanked.get(piece[:i - a] + "?" + piece[i - a + 1:], ()):
                    if word != piece and (i, word[i - a]) not in found:
                        found[(i, word[i - a])] = logf
    # best first: the substitution that leaves most of the neighbourhood inside dictionary words, then the
    # more frequent word; the language model judges the survivors
    w0, w1 = max(0, start - 3), min(len(text), end + 3)
    ranked = sorted(found.items(), key=lambda kv: (-_cover(text[w0:kv[0][0]] + kv[0][1] + text[kv[0][0] + 1:w1]),
                                                   -kv[1]))
    return [Edit(i, i + 1, char, "substitute") for (i, char), _ in ranked[:MAX_SUBSTITUTIONS]]


def local_edits(text: str, span: Span) -> list[Edit]:
    """The corrections re-scored for a candidate span: delete it, put the model's guess in its place,
    delete only its first or last one or two characters, swap adjacent characters in or next to it where
    the swapped pair is a dictionary word, and replace one character where that mends a dictionary word."""
    s, e = span.start, span.end
    edits = [Edit(s, e, "", "delete")]
    guess = (span.suggestion or "").strip()
    if guess and guess != text[s:e]:
        edits.append(Edit(s, e, guess, "guess"))
    for a, b in [pair for n in TRIMS for pair in ((s + n, e), (s, e - n))]:
        if b > a and text[a:b].strip():
            edits.append(Edit(a, b, "", "trim"))
    swaps = [(word_logfreq(pair[::-1]), Edit(i, i + 2, pair[::-1], "swap")) for i, pair in _han_pairs(text, s, e)
             if word_logfreq(pair[::-1]) >= 0]
    swaps.sort(key=lambda fs: -fs[0])
    return edits + [edit for _, edit in swaps[:MAX_SWAPS]] + _substitutions(text, s, e)


def adjusted_gain(edit: Edit, gain: float, params: LmParams) -> float:
    """A correction's gain less ``LmParams.char_cost`` per character it removes net: how corrections are ranked."""
    return gain - params.char_cost * edit.removed


def edit_features(original: float, scored: list[tuple[Edit, float]],
                  params: LmParams = LmParams()) -> tuple[dict[str, float], Edit | None]:
    """Re-scoring gains of :func:`local_edits` (log-probability of the window after the edit minus as
    written) and the best edit after ``LmParams.char_cost`` per character removed net."""
    if not scored:
        zero = {"delete_gain": 0.0, "replace_gain": 0.0, "best_adjusted": 0.0, "trim_adjusted": 0.0,
                "swap_gain": 0.0, "substitute_gain": 0.0}
        return zero, None
    gain = [(edit, lp - original) for edit, lp in scored]
    adjusted = [(edit, adjusted_gain(edit, g, params)) for edit, g in gain]
    delete = next((g for edit, g in gain if edit.kind == "delete"), 0.0)
    guesses = [g for edit, g in gain if edit.kind == "guess"]
    whole = next((a for edit, a in adjusted if edit.kind == "delete"), 0.0)
    trims = [a for edit, a in adjusted if edit.kind == "trim"]
    swaps = [g for edit, g in gain if edit.kind == "swap"]
    subs = [g for edit, g in gain if edit.kind == "substitute"]
    best, best_gain = max(adjusted, key=lambda ea: ea[1])
    return {"delete_gain": delete, "replace_gain": max(guesses) if guesses else delete,
            "best_adjusted": best_gain, "trim_adjusted": max(trims) if trims else whole,
            "swap_gain": max(swaps) if swaps else 0.0, "substitute_gain": max(subs) if subs else 0.0}, best


Z_CLIP = 3.0
"""Standardised features are clipped to ±3: a value far outside the training range (a run of very rare
characters) must not swing the decision by extrapolation."""


def standard(value: float, mean: float, scale: float) -> float:
    return max(-Z_CLIP, min(Z_CLIP, (value - mean) / scale))


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(w * standard(values[f], m, s)
                            for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @classmethod
    def from_dict(cls, data: dict) -> Logistic:
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                   float(data["bias"]), float(data["threshold"]))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold}


@dataclass(frozen=True)
class Tree:
    """One regression tree in flat arrays: node k splits on ``feature[k]`` at ``cut[k]`` (value <= cut goes
    to ``left[k]``, else ``right[k]``); a leaf has feature -1 and adds ``value[k]`` to the log-odds."""

    feature: tuple[int, ...]
    cut: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def __call__(self, x: list[float]) -> float:
        k = 0
        while self.feature[k] >= 0:
            k = self.left[k] if x[self.feature[k]] <= self.cut[k] else self.right[k]
        return self.value[k]


@dataclass(frozen=True)
class BoostedTrees:
    """Gradient-boosted regression trees on the log-odds (logistic loss): the final scorer, where features
    act together (a swap gain means something only when a swap was possible; a trim only on long spans).
    Fitted by ``benchmarks/train_garbled.py``; read from plain JSON."""

    features: tuple[str, ...]
    base: float
    trees: tuple[Tree, ...]
    threshold: float

    def probability(self, values: dict[str, float]) -> float:
        x = [values[f] for f in self.features]
        z = self.base + sum(tree(x) for tree in self.trees)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_dict(self) -> dict:
        return {"kind": "boosted_trees", "features": list(self.features), "base": self.base,
                "threshold": self.threshold,
                "trees": [{"feature": list(t.feature), "cut": list(t.cut), "left": list(t.left),
                           "right": list(t.right), "value": list(t.value)} for t in self.trees]}

    @classmethod
    def from_dict(cls, data: dict) -> BoostedTrees:
        trees = tuple(Tree(tuple(int(v) for v in t["feature"]), tuple(float(v) for v in t["cut"]),
                           tuple(int(v) for v in t["left"]), tuple(int(v) for v in t["right"]),
                           tuple(float(v) for v in t["value"])) for t in data["trees"])
        return cls(tuple(data["features"]), float(data["base"]), trees, float(data["threshold"]))


Scorer = Logistic | BoostedTrees


def scorer_from_dict(data: dict) -> Scorer:
    return BoostedTrees.from_dict(data) if data.get("kind") == "boosted_trees" else Logistic.from_dict(data)


MODEL_PATH = Path(__file__).resolve().parent / "resources" / "garbled_model.json"


@lru_cache(maxsize=4)
def load_scorer(path: str = "") -> tuple[Scorer, Scorer, dict]:
    """The (screen, final) models and their training record; plain JSON, never a pickle."""
    import json

    data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    return scorer_from_dict(data["screen"]), scorer_from_dict(data["final"]), data.get("trained", {})


# ---------------------------------------------------------------------------------------------- stray negations

ZH_NEGATIONS = frozenset("不未没无非勿")
"""Negations that stand as words of their own (jieba leaves them single): 不/未 before a verb, not 不断 or 未来."""
_EN_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nor|neither|nothing|nobody|without|cannot|\w+n't|fail\w*|lack\w*|absen\w*"
    r"|insufficient\w*|inadequa\w*|incomplete\w*|inabilit\w*|impossib\w*|insecur\w*|refus\w*|prevent\w*"
    r"|avoid\w*|den(?:y|ies|ied|ial)|except\w*|unless|rather|instead|prohibit\w*|bann?(?:ed|ing|s)?|free|against"
    r"|neglect\w*|exclu\w*|ignor\w*|miss(?:ed|ing)|declin\w*|reject\w*|delay\w*|shortfall\w*|far from|poor\w*"
    r"|range[sd]?|ranging|vary\w*|varie\w*|ended|cease[sd]?|ceasing|stop(?:s|ped|ping)?"
    r"|disagree\w*|disapprov\w*|disregard\w*|discontinu\w*|disrupt\w*|dissatisf\w*|disadvantag\w*)\b"
    # un-/non- words, lower case (not UNFPA, not Unity): unable, unpaid, non-compliance
    r"|\b(?-i:[Uu]n(?!der|til|ited|its?\b|ity|ivers|ique|ion|animous|iform)[a-z]{3,}|[Nn]on-?[a-z]{3,})",
    re.IGNORECASE)


def english_has_negation(text: str) -> bool:
    """Whether English text says no/not in any of the usual ways (words, un-/non-/dis- prefixes, "fail to",
    "lack", "far from"...): generous on purpose, a Chinese negation is only suspect when this finds none."""
    return bool(_EN_NEGATION.search(text))


def stray_negations(text: str, start: int, end: int, english: str,
                    protected: Iterable[tuple[int, int]] = (), in_words: bool = False) -> list[tuple[int, int]]:
    """Stand-alone negations (不, 未, ...) in ``text[start:end]`` (one Chinese sentence or link) whose
    aligned ``english`` has no negation at all: candidates for a negation the translator added (or a
    corrupted character). Negations inside protected spans (names such as 最不发达国家) are skipped.
    ``in_words``: also the leading 不/未 of a two-character word (可不能, 已不满: a stray 不 that the
    segmenter joined to the next character); only for a judge that can tell 不能 from 不同."""
    import jieba

    if english_has_negation(english):
        return []
    guard = list(protected)
    out, pos = [], start
    for word in jieba.lcut(text[start:end], HMM=False):
        lone = word in ZH_NEGATIONS
        joined = in_words and len(word) == 2 and word[0] in "不未" and HAN.match(word[1]) is not None
        if (lone or joined) and not _inside(pos, pos + 1, guard):
            out.append((pos, pos + 1))
        pos += len(word)
    return out
