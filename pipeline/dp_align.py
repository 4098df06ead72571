"""Pure sentence/paragraph alignment by dynamic programming (no models, no documents).

The aligner sees two sequences only through a *link cost*: ``cost(i, a, j, b)`` for linking source items
``i..i+a-1`` with target items ``j..j+b-1`` (a, b in 0..2; 0 means an omission or addition). Two cost
models are provided: ``EmbeddingCost`` (cosine distance of window embeddings plus a length prior, as
vecalign and Bertalign do) and ``LengthCost`` (Gale–Church, lengths only, the baseline).

The search is banded: cells farther than ``band`` from a centre path are never visited, so time and
memory grow linearly with sequence length. The centre path is the diagonal, or a path through anchors
(confident one-to-one matches) found in a first, wider pass.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

LINK_TYPES: tuple[tuple[int, int], ...] = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2))
Link = tuple[tuple[int, ...], tuple[int, ...], float]


@dataclass(frozen=True)
class AlignParams:
    """Costs are in units of cosine distance per sentence covered.

    Defaults chosen by grid search on HSK pseudo-documents (benchmarks/aligndata.py, seed 1, 8 x 100
    pairs with deletions, insertions and merges), never on the UN-style test corpus or the example.
    """

    skip_cost: float = 0.6
    """Cost of leaving one sentence unaligned (an omission or an addition)."""
    merge_penalty: float = 0.3
    """Extra cost per sentence beyond one on either side of a link (discourages needless merges)."""
    length_weight: float = 0.12
    """Weight of |log length ratio| relative to the expected ratio of the pair."""
    band: int = 12
    """Half-width of the search band around the centre path, in target items."""
    anchor_band: int = 60
    """Half-width of the first pass that looks for anchors (only used for long sequences)."""
    anchor_min_similarity: float = 0.5


def window_vectors(vectors: np.ndarray) -> np.ndarray:
    """Vectors of two-item windows by averaging (used when the caller cannot embed the joined text)."""
    if len(vectors) < 2:
        return np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 1), dtype=vectors.dtype)
    merged = vectors[:-1] + vectors[1:]
    norms = np.linalg.norm(merged, axis=1, keepdims=True)
    return merged / np.maximum(norms, 1e-9)


class EmbeddingCost:
    """Link cost from L2-normalised embeddings of single items and of two-item windows.

    ``src[k]`` / ``tgt[k]`` are arrays of shape (n - k + 1, dim) for window size k in (1, 2):
    row i embeds items i..i+k-1 joined. ``src_len`` / ``tgt_len`` are character lengths.
    """

    def __init__(self, src: dict[int, np.ndarray], tgt: dict[int, np.ndarray], src_len: Sequence[int],
                 tgt_len: Sequence[int], params: AlignParams) -> None:
        self.src, self.tgt = src, tgt
        self.src_len = np.asarray(src_len, dtype=np.float64)
        self.tgt_len = np.asarray(tgt_len, dtype=np.float64)
        self.src_cum = np.concatenate([[0.0], np.cumsum(self.src_len)])
        self.tgt_cum = np.concatenate([[0.0], np.cumsum(self.tgt_len)])
        total_t = max(self.tgt_cum[-1], 1.0)
        self.ratio = max(self.src_cum[-1], 1.0) / total_t
        self.params = params

    def row(self, i: int, a: int, j_lo: int, j_hi: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Costs and similarities of links (i, a, j, b) for every j in [j_lo, j_hi)."""
        p = self.params
        count = j_hi - j_lo
        if a == 0 or b == 0:
            return np.full(count, p.skip_cost * (a + b)), np.zeros(count)
        sims = self.tgt[b][j_lo:j_hi] @ self.src[a][i]
        ls = self.src_cum[i + a] - self.src_cum[i]
        lt = self.tgt_cum[j_lo + b:j_hi + b] - self.tgt_cum[j_lo:j_hi]
        length = np.abs(np.log((ls + 8.0) / (self.ratio * lt + 8.0)))
        cost = (1.0 - sims) * (a + b) / 2.0 + p.merge_penalty * (a + b - 2) + p.length_weight * length
        return cost, sims


class LengthCost:
    """Gale–Church (1993): -log P(link type) - log P(length difference), lengths in characters."""

    PRIORS: ClassVar[dict[tuple[int, int], float]] = {
        (1, 1): 0.89, (1, 0): 0.0099 / 2, (0, 1): 0.0099 / 2, (1, 2): 0.089 / 2, (2, 1): 0.089 / 2, (2, 2): 0.011,
    }

    def __init__(self, src_len: Sequence[int], tgt_len: Sequence[int], variance: float = 6.8) -> None:
        self.src_cum = np.concatenate([[0.0], np.cumsum(np.asarray(src_len, dtype=np.float64))])
        self.tgt_cum = np.concatenate([[0.0], np.cumsum(np.asarray(tgt_len, dtype=np.float64))])
        self.ratio = max(self.tgt_cum[-1], 1.0) / max(self.src_cum[-1], 1.0)  # target chars per source char
        self.variance = variance

    def row(self, i: int, a: int, j_lo: int, j_hi: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        ls = self.src_cum[i + a] - self.src_cum[i]
        lt = self.tgt_cum[j_lo + b:j_hi + b] - self.tgt_cum[j_lo:j_hi]
        mean = (ls + lt / self.ratio) / 2.0
        delta = (lt - ls * self.ratio) / np.sqrt(np.maximum(mean, 1.0) * self.variance * self.ratio)
        # two-sided tail probability of a standard normal
        tail = np.array([math.erfc(abs(d) / math.sqrt(2.0)) for d in delta])
        cost = -np.log(self.PRIORS[(a, b)]) - np.log(np.maximum(tail, 1e-12))
        return cost / 10.0, np.zeros(len(cost))


def diagonal_centre(n: int, m: int) -> np.ndarray:
    """For each source row 0..n, the expected target position on the straight diagonal."""
    return np.round(np.arange(n + 1) * (m / max(n, 1))).astype(np.int64)


def centre_from_anchors(n: int, m: int, anchors: Sequence[tuple[int, int]]) -> np.ndarray:
    """Piecewise-linear centre path through monotone anchors (i, j), from (0, 0) to (n, m)."""
    points = [(0, 0), *sorted(anchors), (n, m)]
    xs = np.array([p[0] for p in points], dtype=np.float64)
    ys = np.array([p[1] for p in points], dtype=np.float64)
    return np.round(np.interp(np.arange(n + 1), xs, ys)).astype(np.int64)


def align(n: int, m: int, cost: EmbeddingCost | LengthCost, band: int,
          centre: np.ndarray | None = None, link_types: Sequence[tuple[int, int]] = LINK_TYPES) -> list[Link]:
    """Minimum-cost monotone alignment of n source and m target items within a band around ``centre``.

    Returns links (source indices, target indices, similarity) covering every item exactly once.
    Time and memory: O((n + m) * band * len(link_types)).
    """
    if n == 0 or m == 0:
        return [((i,), (), 0.0) for i in range(n)] + [((), (j,), 0.0) for j in range(m)]
    if centre is None:
        centre = diagonal_centre(n, m)
    width = band + abs(m - n) // 8 + 2
    lo = np.clip(centre - width, 0, m)
    hi = np.clip(centre + width, 0, m) + 1
    # keep band edges monotone so that every predecessor row overlaps
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[0], hi[-1] = 0, m + 1
    rows_cost: list[np.ndarray] = []
    rows_back: list[np.ndarray] = []
    rows_sim: list[np.ndarray] = []
    inf = np.inf
    for i in range(n + 1):
        j0, j1 = int(lo[i]), int(hi[i])
        best = np.full(j1 - j0, inf)
        back = np.full(j1 - j0, -1, dtype=np.int8)
        sim_best = np.zeros(j1 - j0)
        if i == 0:
            best[0] = 0.0
        for t, (a, b) in enumerate(link_types):
            if a == 0 or i - a < 0:
                continue
            prev_i = i - a
            pj0, pj1 = int(lo[prev_i]), int(hi[prev_i])
            # target positions j in this row whose predecessor column j - b lies in the previous row's band
            s = max(j0, pj0 + b)
            e = min(j1, pj1 + b, m + 1)
            if s >= e:
                continue
            c, sims = cost.row(prev_i, a, s - b, e - b, b)
            total = rows_cost[prev_i][s - b - pj0:e - b - pj0] + c
            seg = slice(s - j0, e - j0)
            better = total < best[seg]
            best[seg] = np.where(better, total, best[seg])
            back[seg] = np.where(better, t, back[seg])
            sim_best[seg] = np.where(better, sims, sim_best[seg])
        # links that consume target items only (0, b) extend along the row: a running minimum
        for t, (a, b) in enumerate(link_types):
            if a != 0:
                continue
            for k in range(b, j1 - j0):
                if k - b < 0:
                    continue
                c, _ = cost.row(i, 0, j0 + k - b, j0 + k - b + 1, b)
                cand = best[k - b] + c[0]
                if cand < best[k]:
                    best[k], back[k], sim_best[k] = cand, t, 0.0
        rows_cost.append(best)
        rows_back.append(back)
        rows_sim.append(sim_best)
    links: list[Link] = []
    i, j = n, m
    while i > 0 or j > 0:
        k = j - int(lo[i])
        t = int(rows_back[i][k])
        if t < 0:
            raise RuntimeError("alignment band too narrow: no path reached the end")  # pragma: no cover
        a, b = link_types[t]
        links.append((tuple(range(i - a, i)), tuple(range(j - b, j)), float(rows_sim[i][k])))
        i, j = i - a, j - b
    links.reverse()
    return links


def find_anchors(src: np.ndarray, tgt: np.ndarray, band: int, min_similarity: float) -> list[tuple[int, int]]:
    """Mutual best one-to-one matches within a wide diagonal band, kept monotone (longest chain)."""
    n, m = len(src), len(tgt)
    centre = diagonal_centre(n, m)
    width = band + abs(m - n)
    best_t = np.full(n, -1)
    best_t_sim = np.full(n, -np.inf)
    best_s_sim = np.full(m, -np.inf)
    best_s = np.full(m, -1)
    for i in range(n):
        j0, j1 = max(0, int(centre[i]) - width), min(m, int(centre[i]) + width + 1)
        sims = tgt[j0:j1] @ src[i]
        k = int(np.argmax(sims))
        best_t[i], best_t_sim[i] = j0 + k, sims[k]
        upd = sims > best_s_sim[j0:j1]
        best_s_sim[j0:j1] = np.where(upd, sims, best_s_sim[j0:j1])
        best_s[j0:j1] = np.where(upd, i, best_s[j0:j1])
    pairs = [(i, int(best_t[i])) for i in range(n)
             if best_t[i] >= 0 and best_s[best_t[i]] == i and best_t_sim[i] >= min_similarity]
    return _longest_monotone_chain(pairs)


def _longest_monotone_chain(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence strictly increasing in both coordinates (patience sorting on j)."""
    import bisect

    tails: list[int] = []
    tails_idx: list[int] = []
    parent = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tails_idx.append(k)
        else:
            tails[pos] = j
            tails_idx[pos] = k
        parent[k] = tails_idx[pos - 1] if pos > 0 else -1
    chain = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        chain.append(pairs[k])
        k = parent[k]
    return chain[::-1]


def align_embeddings(src: dict[int, np.ndarray], tgt: dict[int, np.ndarray], src_len: Sequence[int],
                     tgt_len: Sequence[int], params: AlignParams | None = None) -> list[Link]:
    """Embedding-based alignment; long inputs get an anchor pass first so the band follows the text."""
    params = params or AlignParams()
    n, m = len(src_len), len(tgt_len)
    cost = EmbeddingCost(src, tgt, src_len, tgt_len, params)
    centre = None
    if max(n, m) > 4 * params.band:
        anchors = find_anchors(src[1], tgt[1], params.anchor_band, params.anchor_min_similarity)
        if anchors:
            centre = centre_from_anchors(n, m, anchors)
    return align(n, m, cost, params.band, centre)


def align_lengths(src_len: Sequence[int], tgt_len: Sequence[int], band: int = 12) -> list[Link]:
    """The Gale–Church baseline on the same DP."""
    return align(len(src_len), len(tgt_len), LengthCost(src_len, tgt_len), band)


# -- scoring as vecalign's score.py defines it ---------------------------------------------------------

def _counts(gold: Sequence[Link] | Sequence[tuple], test: Sequence[Link] | Sequence[tuple]) -> np.ndarray:
    """[true strict, false strict, true lax, false lax] for the links of ``test`` against ``gold``."""
    gold_set = {(tuple(x[0]), tuple(x[1])) for x in gold if len(x[0]) or len(x[1])}
    test_set = {(tuple(x[0]), tuple(x[1])) for x in test if len(x[0]) or len(x[1])}
    gold_targets: dict[int, set[int]] = defaultdict(set)
    for g_src, g_tgt in gold_set:
        for s in g_src:
            gold_targets[s].update(g_tgt)
    out = np.zeros(4, dtype=np.int64)
    for t_src, t_tgt in test_set:
        if (t_src, t_tgt) in gold_set:
            out += (1, 0, 1, 0)
            continue
        reachable: set[int] = set()
        for s in t_src:
            reachable |= gold_targets[s]
        out += (0, 1, 1, 0) if reachable & set(t_tgt) else (0, 1, 0, 1)
    return out


def score_alignments(gold_docs: Sequence[Sequence], test_docs: Sequence[Sequence]) -> dict[str, float]:
    """Strict and lax precision, recall and F1 summed over documents (vecalign's definitions)."""
    p = sum((_counts(g, t) for g, t in zip(gold_docs, test_docs, strict=True)), np.zeros(4, dtype=np.int64))
    r = sum((_counts(t, g) for g, t in zip(gold_docs, test_docs, strict=True)), np.zeros(4, dtype=np.int64))

    def ratio(x: float, y: float) -> float:
        return float(x / (x + y)) if x + y else 0.0

    def f1(a: float, b: float) -> float:
        return 2 * a * b / (a + b) if a + b else 0.0

    ps, pl, rs, rl = ratio(p[0], p[1]), ratio(p[2], p[3]), ratio(r[0], r[1]), ratio(r[2], r[3])
    return {"precision_strict": ps, "recall_strict": rs, "f1_strict": f1(ps, rs),
            "precision_lax": pl, "recall_lax": rl, "f1_lax": f1(pl, rl)}
