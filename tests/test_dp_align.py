"""The pure aligner on synthetic embeddings: no models, known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.dp_align import (
    AlignParams,
    align_embeddings,
    align_lengths,
    find_anchors,
    score_alignments,
    window_vectors,
)


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def synthetic_pair(n, seed=0, p_merge=0.1, p_split=0.1, p_del=0.03, p_ins=0.03, noise=0.5, dim=64):
    """Source and target "sentences" as vectors of shared meanings, with merges, splits, deletions, insertions."""
    rng = np.random.default_rng(seed)
    meaning = _unit(rng.normal(size=(n, dim)))
    src, tgt, gold, slen, tlen = [], [], [], [], []

    def noisy(v):
        return _unit(v + noise * _unit(rng.normal(size=dim)))

    i = 0
    while i < n:
        r = rng.random()
        if r < p_del:
            src.append(meaning[i]); slen.append(int(rng.integers(20, 80)))  # noqa: E702
            gold.append(((len(src) - 1,), ()))
        elif r < p_del + p_ins:
            tgt.append(_unit(rng.normal(size=dim))); tlen.append(int(rng.integers(60, 240)))  # noqa: E702
            gold.append(((), (len(tgt) - 1,)))
            continue
        elif r < p_del + p_ins + p_merge and i + 1 < n:
            lens = [int(rng.integers(20, 80)) for _ in range(2)]
            src += [meaning[i], meaning[i + 1]]
            slen += lens
            tgt.append(noisy(meaning[i] + meaning[i + 1])); tlen.append(3 * sum(lens))  # noqa: E702
            gold.append(((len(src) - 2, len(src) - 1), (len(tgt) - 1,)))
            i += 1
        elif r < p_del + p_ins + p_merge + p_split and i + 1 < n:
            length = int(rng.integers(40, 120))
            src.append(_unit(meaning[i] + meaning[i + 1])); slen.append(length)  # noqa: E702
            tgt += [noisy(meaning[i]), noisy(meaning[i + 1])]
            tlen += [int(1.5 * length)] * 2
            gold.append(((len(src) - 1,), (len(tgt) - 2, len(tgt) - 1)))
            i += 1
        else:
            length = int(rng.integers(20, 80))
            src.append(meaning[i]); slen.append(length)  # noqa: E702
            tgt.append(noisy(meaning[i])); tlen.append(3 * length)  # noqa: E702
            gold.append(((len(src) - 1,), (len(tgt) - 1,)))
        i += 1
    src_arr, tgt_arr = np.array(src), np.array(tgt)
    return ({1: src_arr, 2: window_vectors(src_arr)}, {1: tgt_arr, 2: window_vectors(tgt_arr)}, slen, tlen, gold)


def _pairs(links):
    return [(s, t) for s, t, _ in links]


def test_links_cover_every_item_once_in_order():
    src, tgt, slen, tlen, _ = synthetic_pair(120, seed=1)
    links = align_embeddings(src, tgt, slen, tlen)
    assert [i for s, _, _ in links for i in s] == list(range(len(slen)))
    assert [j for _, t, _ in links for j in t] == list(range(len(tlen)))


@pytest.mark.parametrize("n, floor", [(60, 0.93), (400, 0.95)])
def test_recovers_merges_splits_and_gaps(n, floor):
    """Pooled over 8 random documents with 10% merges, 10% splits, 6% deletions and 6% insertions."""
    golds, tests, kinds = [], [], set()
    for seed in range(8):
        src, tgt, slen, tlen, gold = synthetic_pair(n, seed=seed, p_del=0.06, p_ins=0.06)
        golds.append(gold)
        tests.append(_pairs(align_embeddings(src, tgt, slen, tlen)))
        kinds |= {(len(s), len(t)) for s, t in gold}
    assert score_alignments(golds, tests)["f1_strict"] >= floor
    assert {(2, 1), (1, 2), (1, 0), (0, 1)} <= kinds  # the data really contains what we claim to recover


def test_embedding_aligner_beats_length_baseline():
    src, tgt, slen, tlen, gold = synthetic_pair(300, seed=7)
    ours = score_alignments([gold], [_pairs(align_embeddings(src, tgt, slen, tlen))])["f1_strict"]
    baseline = score_alignments([gold], [_pairs(align_lengths(slen, tlen))])["f1_strict"]
    assert ours > baseline


def test_anchor_pass_follows_a_long_deletion_outside_the_band():
    src, tgt, slen, tlen, gold = synthetic_pair(300, seed=3, p_del=0, p_ins=0, p_merge=0, p_split=0)
    # delete 40 consecutive target items: the true path leaves the plain diagonal band
    keep = [j for j in range(len(tlen)) if not 100 <= j < 140]
    tgt_cut = {1: tgt[1][keep], 2: window_vectors(tgt[1][keep])}
    tlen_cut = [tlen[j] for j in keep]
    remap = {j: k for k, j in enumerate(keep)}
    gold_cut = [(s, tuple(remap[j] for j in t if j in remap)) for s, t in gold]
    links = align_embeddings(src, tgt_cut, slen, tlen_cut, AlignParams(band=8))
    assert score_alignments([gold_cut], [_pairs(links)])["f1_strict"] >= 0.95


def test_empty_side_gives_only_skips():
    links = align_embeddings({1: np.zeros((0, 4)), 2: np.zeros((0, 4))},
                             {1: np.eye(4)[:2], 2: window_vectors(np.eye(4)[:2])}, [], [5, 5])
    assert _pairs(links) == [((), (0,)), ((), (1,))]


def test_anchors_are_monotone():
    src, tgt, *_ = synthetic_pair(200, seed=5)
    anchors = find_anchors(src[1], tgt[1], band=40, min_similarity=0.5)
    assert anchors and all(a[0] < b[0] and a[1] < b[1] for a, b in itertools.pairwise(anchors))


def test_scores_follow_vecalign_definitions():
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), ())]
    test = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]
    s = score_alignments([gold], [test])
    # precision: 2 of 4 test links exact; lax: (1,)->(1,) overlaps gold, (2,)->() does not
    assert s["precision_strict"] == pytest.approx(0.5)
    assert s["precision_lax"] == pytest.approx(0.75)
    # recall: 2 of 3 gold links exact; lax: ((1,2),(1,)) overlaps a test link
    assert s["recall_strict"] == pytest.approx(2 / 3)
    assert s["recall_lax"] == pytest.approx(1.0)
