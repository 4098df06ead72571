"""Extractive summarisation as pure functions over arrays: centrality, cues, redundancy-aware selection.

Nothing here loads a model; callers pass sentence vectors (or the TF-IDF vectors built here) and get
indices back. Anchors: LexRank (Erkan and Radev, 2004) for centrality, maximal marginal relevance
(Carbonell and Goldstein, 1998) for redundancy removal, the lead and heading cues of Edmundson (1969).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_ZH_PIECES = re.compile(rf"[{_HAN}]+|[A-Za-z]+|\d+(?:[.,]\d+)*")
_EN_WORDS = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
_EN_STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "being", "by", "for", "from", "had", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "that", "the", "their", "this", "these", "those", "to", "was",
    "were", "which", "with", "will", "would", "also", "not", "such", "than", "other", "more", "most", "all", "any",
    "each"))
_ZH_CONNECTIVES = ("因此", "此外", "另外", "但是", "但", "而且", "然而", "同时", "所以", "这", "该", "其", "他们",
                   "它们", "上述", "如上")
_EN_CONNECTIVES = ("however", "moreover", "furthermore", "therefore", "thus", "in addition", "this", "these",
                   "it ", "they ", "such ", "also")


def text_length(text: str, language: str) -> int:
    """Characters of a Chinese text (spaces excluded) or words of an English one: what budgets count."""
    if language == "zh":
        return sum(1 for ch in text if not ch.isspace())
    return len(text.split())


def lexical_units(text: str, language: str) -> list[str]:
    """Units for TF-IDF and overlap: Chinese character bigrams (Latin words and numbers whole), or
    lower-cased English words without stop words."""
    if language == "zh":
        out: list[str] = []
        for piece in _ZH_PIECES.findall(text):
            if re.match(rf"[{_HAN}]", piece):
                out.extend(piece[i:i + 2] for i in range(max(1, len(piece) - 1)))
            else:
                out.append(piece.lower())
        return out
    return [w for w in _EN_WORDS.findall(text.lower()) if w not in _EN_STOP]


def tfidf_weights(unit_lists: Sequence[Sequence[str]]) -> list[dict[str, float]]:
    """Sparse L2-normalised TF-IDF weights (smoothed idf over the given texts), one dict per text. Sparse
    because a long document has tens of thousands of distinct bigrams."""
    df = Counter(u for units in unit_lists for u in set(units))
    n = len(unit_lists)
    out: list[dict[str, float]] = []
    for units in unit_lists:
        weights = {u: c * (math.log((1 + n) / (1 + df[u])) + 1.0) for u, c in Counter(units).items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        out.append({u: v / norm for u, v in weights.items()} if norm else {})
    return out


def densify(rows: Sequence[dict[str, float]]) -> np.ndarray:
    """Sparse rows as a dense matrix over the terms they use (for a scope's similarity matrix)."""
    vocab: dict[str, int] = {}
    for row in rows:
        for u in row:
            vocab.setdefault(u, len(vocab))
    matrix = np.zeros((len(rows), max(1, len(vocab))), dtype=np.float64)
    for i, row in enumerate(rows):
        for u, v in row.items():
            matrix[i, vocab[u]] = v
    return matrix


def tfidf_vectors(unit_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """L2-normalised TF-IDF rows (smoothed idf over the given texts), dense."""
    return densify(tfidf_weights(unit_lists))


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return v @ v.T


def lexrank(similarity: np.ndarray, damping: float = 0.85, threshold: float | None = None,
            tol: float = 1e-8, max_iter: int = 200) -> np.ndarray:
    """Stationary distribution of the random walk over the sentence graph (sums to 1).

    ``threshold``: classic LexRank (edges where similarity exceeds it, unweighted); None: continuous
    LexRank (edges weighted by similarity, negatives clipped). Self-loops are removed; a sentence with
    no edges jumps uniformly."""
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    graph = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(graph, 0.0)
    graph = (graph > threshold).astype(np.float64) if threshold is not None else np.clip(graph, 0.0, None)
    rows = graph.sum(axis=1, keepdims=True)
    transition = np.where(rows > 0, graph / np.where(rows > 0, rows, 1.0), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = (1 - damping) / n + damping * (rank @ transition)
        if np.abs(new - rank).sum() < tol:
            rank = new
            break
        rank = new
    return rank / rank.sum()


def minmax(values: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1]; all equal gives all zeros (the feature then cannot tell sentences apart)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi - lo > 1e-12 else np.zeros_like(values)


def position_cue(paragraph_rank: Sequence[int], sentence_rank: Sequence[int]) -> np.ndarray:
    """Lead cue in [0, 1]: half from how early the paragraph is in the scope (1/sqrt(rank+1)), half
    from being the paragraph's first sentence (UN paragraphs usually open with their point)."""
    p = np.asarray(paragraph_rank, dtype=np.float64)
    s = np.asarray(sentence_rank, dtype=np.float64)
    return 0.5 / np.sqrt(p + 1.0) + 0.5 * (s == 0)


def form_penalty(text: str, language: str, min_length: int) -> float:
    """How unfit a sentence is to stand alone in a summary, in [0, 1]: too short, a list lead-in ending in
    a colon, or opening with a word that points back to an earlier sentence."""
    penalty = 0.0
    stripped = text.strip()
    if text_length(stripped, language) < min_length:
        penalty += 0.5
    if stripped.rstrip("”’\"'）)").endswith(("：", ":", "；", ";", "，", ",")):
        penalty += 0.5
    head = stripped.lower()
    if head.startswith(_ZH_CONNECTIVES if language == "zh" else _EN_CONNECTIVES):
        penalty += 0.25
    return min(1.0, penalty)


def length_penalty(lengths: Sequence[int], slack: float = 1.5) -> np.ndarray:
    """In [0, 1]: how far a sentence runs beyond ``slack`` times the median length of its scope (reaching 1
    at twice that). A very long sentence eats a summary's budget that two ordinary ones would share."""
    values = np.asarray(lengths, dtype=np.float64)
    if values.size == 0:
        return values
    limit = slack * max(float(np.median(values)), 1.0)
    return np.clip((values - limit) / limit, 0.0, 1.0)


@dataclass(frozen=True)
class Weights:
    """How much each cue adds to a sentence's score (centrality counts 1)."""

    position: float = 0.35
    heading: float = 0.35
    form: float = 0.6
    redundancy: float = 0.3
    """MMR: weight of the similarity to the sentences already chosen (0 = plain ranking)."""
    coverage: float = 0.3
    """MMR: penalty for a sentence from a part (chapter, subsection) that already has one in the summary."""
    length: float = 0.5
    """Weight of the penalty for sentences far longer than the scope's median."""


def combine_scores(centrality: np.ndarray, position: np.ndarray, heading: np.ndarray, penalty: np.ndarray,
                   weights: Weights, too_long: np.ndarray | None = None) -> np.ndarray:
    """One relevance score per sentence: centrality and heading similarity rescaled to [0, 1] within the
    scope, plus the lead cue, minus the form and length penalties."""
    score = (minmax(centrality) + weights.position * np.asarray(position) + weights.heading * minmax(heading)
             - weights.form * np.asarray(penalty))
    if too_long is not None:
        score = score - weights.length * np.asarray(too_long)
    return score


def mmr_select(scores: np.ndarray, similarity: np.ndarray, lengths: Sequence[int], max_total: int,
               target_total: int | None = None, max_count: int | None = None, redundancy: float = 0.3,
               parts: Sequence[object] | None = None, coverage: float = 0.0) -> list[int]:
    """Greedy maximal marginal relevance under a length budget; returns chosen indices in text order.

    Each step takes the sentence with the best ``score - redundancy * (max similarity to the chosen)
    - coverage * (its part already has a chosen sentence)`` among those that still fit in ``max_total``;
    it stops at ``max_count`` sentences, once ``target_total`` is reached, or when nothing fits. If no
    sentence fits at all, the shortest of the three best-scored is taken, so a summary is never empty
    when there is text."""
    n = len(scores)
    if n == 0:
        return []
    scores = np.asarray(scores, dtype=np.float64)
    lengths_arr = np.asarray(lengths)
    target = max_total if target_total is None else min(target_total, max_total)
    if parts is not None:
        keys = {p: k for k, p in enumerate(dict.fromkeys(parts))}
        part_ids = np.asarray([keys[p] for p in parts])
    else:
        part_ids = np.zeros(n, dtype=int)
    chosen: list[int] = []
    total = 0
    closeness = np.zeros(n)
    covered = np.zeros(n, dtype=bool)
    available = np.ones(n, dtype=bool)
    while available.any():
        if (max_count is not None and len(chosen) >= max_count) or total >= target:
            break
        fits = available & (lengths_arr + total <= max_total)
        if not fits.any():
            break
        value = np.where(fits, scores - redundancy * closeness - coverage * covered, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        total += int(lengths_arr[best])
        available[best] = False
        closeness = np.maximum(closeness, similarity[best])
        covered |= part_ids == part_ids[best]
    if not chosen:
        top = np.argsort(-scores)[:3]
        chosen = [int(min(top, key=lambda i: lengths_arr[i]))]
    return sorted(chosen)


def budget_sentences(count: int, cap: int) -> int:
    """How many sentences a section summary gets: about a third of the section's, at least 1, at most ``cap``."""
    return max(1, min(cap, math.ceil(count / 3)))


def chunk_ranges(lengths: Sequence[int], max_total: int) -> list[tuple[int, int]]:
    """Consecutive ranges [start, end) whose lengths add up to at most ``max_total`` (a longer single item
    stands alone): how a long section is cut before it is summarised piece by piece."""
    ranges: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, length in enumerate(lengths):
        if i > start and total + length > max_total:
            ranges.append((start, i))
            start, total = i, 0
        total += length
    if start < len(lengths):
        ranges.append((start, len(lengths)))
    return ranges


def lead_select(lengths: Sequence[int], max_total: int, target_total: int | None = None,
                max_count: int | None = None) -> list[int]:
    """The lead baseline: sentences in text order until the budget is reached."""
    chosen: list[int] = []
    total = 0
    target = max_total if target_total is None else target_total
    for i, length in enumerate(lengths):
        if (max_count is not None and len(chosen) >= max_count) or total >= target:
            break
        if total + length > max_total:
            if not chosen:
                chosen.append(i)
            break
        chosen.append(i)
        total += length
    return chosen


def compress_ranges(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated numbers as (first, last) runs: [27, 28, 29, 31] → [(27, 29), (31, 31)]."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _runs_text(numbers: Sequence[int], sep: str) -> str:
    return sep.join(f"{a}" if a == b else f"{a}–{b}" for a, b in compress_ranges(numbers))


def format_citation(numbers: Sequence[int], language: str, annex: Sequence[int] = (), unnumbered: int = 0) -> str:
    """A paragraph citation: "（第 27–29 段）" / "(paras. 27–29)". ``annex``: numbers of annex paragraphs
    ("附件第 1 段" / "annex, para. 1"); ``unnumbered``: how many cited paragraphs have no number."""
    parts = []
    if language == "zh":
        if numbers:
            parts.append(f"第 {_runs_text(numbers, '、')} 段")
        if annex:
            parts.append(f"附件第 {_runs_text(annex, '、')} 段")
        if unnumbered:
            parts.append("未编号段落")
        return f"（{'；'.join(parts)}）" if parts else ""
    for group, prefix in ((numbers, ""), (annex, "annex, ")):
        if group:
            word = "para." if len(set(group)) == 1 else "paras."
            parts.append(f"{prefix}{word} {_runs_text(group, ', ')}")
    if unnumbered:
        parts.append(f"unnumbered paragraph{'s' if unnumbered > 1 else ''}")
    return f"({'; '.join(parts)})" if parts else ""
