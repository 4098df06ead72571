"""Pure summarisation algorithms on synthetic inputs: centrality, selection, cues, chunking, citations, ROUGE."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.rouge import lcs_length, rouge, rouge_n, strip_citations, units
from pipeline.summary_rank import (
    budget_sentences,
    chunk_ranges,
    compress_ranges,
    cosine_matrix,
    form_penalty,
    format_citation,
    lead_select,
    length_penalty,
    lexical_units,
    lexrank,
    mmr_select,
    position_cue,
    text_length,
    tfidf_vectors,
)

# -- centrality ---------------------------------------------------------------------------------------


def test_lexrank_star_graph_centre_ranks_first():
    n = 6
    sim = np.eye(n)
    sim[0, 1:] = sim[1:, 0] = 0.8  # sentence 0 resembles all others; the others resemble only it
    rank = lexrank(sim)
    assert rank.argmax() == 0
    assert rank.sum() == pytest.approx(1.0)
    assert np.allclose(rank[1:], rank[1])


def test_lexrank_threshold_ignores_weak_edges_and_isolated_nodes_stay_low():
    sim = np.array([[1.0, 0.5, 0.5, 0.05], [0.5, 1.0, 0.5, 0.05], [0.5, 0.5, 1.0, 0.05], [0.05, 0.05, 0.05, 1.0]])
    rank = lexrank(sim, threshold=0.1)
    assert rank[3] < rank[0]
    assert np.allclose(rank[:3], rank[0])


def test_lexrank_degenerate_sizes():
    assert lexrank(np.zeros((0, 0))).size == 0
    assert lexrank(np.ones((1, 1))).tolist() == [1.0]


def test_tfidf_identical_texts_are_most_similar():
    texts = ["联合国开发计划署支持了水安全计划。", "联合国开发计划署支持水安全计划。", "道路交通事故造成大量死亡。"]
    sim = cosine_matrix(tfidf_vectors([lexical_units(t, "zh") for t in texts]))
    assert sim[0, 1] > 0.5 > sim[0, 2]
    assert np.allclose(np.diag(sim), 1.0)


def test_lexical_units_zh_bigrams_keep_numbers_whole_and_en_drops_stop_words():
    assert lexical_units("预算为 71.024 亿美元", "zh") == ["预算", "算为", "71.024", "亿美", "美元"]
    assert lexical_units("The plans of the Committee", "en") == ["plans", "committee"]


# -- cues ---------------------------------------------------------------------------------------------


def test_position_cue_prefers_early_paragraphs_and_first_sentences():
    cue = position_cue([0, 0, 3, 3], [0, 1, 0, 1])
    assert cue[0] > cue[2] > cue[3]
    assert cue[0] > cue[1] > cue[3]


def test_form_penalty_for_fragments_lead_ins_and_back_references():
    assert form_penalty("秘书处已就预算执行情况提交了一份完整的报告。", "zh", 15) == 0
    assert form_penalty("会员国指出了以下几点：", "zh", 5) >= 0.5
    assert form_penalty("因此秘书处已就预算执行情况提交了完整报告。", "zh", 15) > 0
    assert form_penalty("Too short.", "en", 8) >= 0.5


def test_length_penalty_only_for_sentences_far_over_the_median():
    pen = length_penalty([40, 50, 60, 50, 200])
    assert pen[:4].tolist() == [0, 0, 0, 0]
    assert 0 < pen[4] <= 1


def test_text_length_counts_chars_in_chinese_and_words_in_english():
    assert text_length("大会 通过", "zh") == 4
    assert text_length("The General Assembly adopted it.", "en") == 5


def test_budget_sentences_about_a_third_capped():
    assert [budget_sentences(n, 3) for n in (1, 3, 4, 7, 30)] == [1, 1, 2, 3, 3]


# -- selection ----------------------------------------------------------------------------------------


def test_mmr_skips_a_near_duplicate_of_a_chosen_sentence():
    scores = np.array([1.0, 0.99, 0.6])
    sim = np.array([[1.0, 0.98, 0.1], [0.98, 1.0, 0.1], [0.1, 0.1, 1.0]])
    assert mmr_select(scores, sim, [10, 10, 10], 100, max_count=2, redundancy=0.6) == [0, 2]
    assert mmr_select(scores, sim, [10, 10, 10], 100, max_count=2, redundancy=0.0) == [0, 1]


def test_mmr_respects_the_length_budget_and_stops_at_target():
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    sim = np.eye(4)
    chosen = mmr_select(scores, sim, [60, 200, 60, 60], max_total=150, target_total=100)
    assert chosen == [0, 2]  # 1 does not fit; the target is reached after two sentences of 60


def test_mmr_coverage_prefers_a_new_part():
    scores = np.array([1.0, 0.9, 0.8])
    sim = np.eye(3)
    parts = ["I", "I", "II"]
    assert mmr_select(scores, sim, [1, 1, 1], 10, max_count=2, parts=parts, coverage=0.5) == [0, 2]
    assert mmr_select(scores, sim, [1, 1, 1], 10, max_count=2, parts=parts, coverage=0.0) == [0, 1]


def test_mmr_never_returns_nothing_when_every_sentence_is_too_long():
    assert len(mmr_select(np.array([0.5, 0.9]), np.eye(2), [500, 400], max_total=100)) == 1
    assert mmr_select(np.array([]), np.zeros((0, 0)), [], 100) == []


def test_lead_select_in_order_until_budget():
    assert lead_select([50, 50, 50, 50], max_total=160, target_total=120) == [0, 1, 2]
    assert lead_select([300, 10], max_total=100) == [0]
    assert lead_select([10, 10, 10], max_total=100, max_count=2) == [0, 1]


def test_chunk_ranges_cover_everything_within_the_limit():
    lengths = [30, 40, 50, 200, 10, 10]
    ranges = chunk_ranges(lengths, 100)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(lengths)
    assert all(a < b for a, b in ranges)
    assert all(ranges[k][1] == ranges[k + 1][0] for k in range(len(ranges) - 1))
    for a, b in ranges:
        assert sum(lengths[a:b]) <= 100 or b - a == 1


# -- citations ----------------------------------------------------------------------------------------


def test_compress_ranges():
    assert compress_ranges([29, 27, 28, 31, 31]) == [(27, 29), (31, 31)]


@pytest.mark.parametrize(("numbers", "language", "kwargs", "expected"), [
    ([27, 28, 29], "zh", {}, "（第 27–29 段）"),
    ([27, 29], "zh", {}, "（第 27、29 段）"),
    ([27], "en", {}, "(para. 27)"),
    ([27, 28, 29, 31], "en", {}, "(paras. 27–29, 31)"),
    ([3], "en", {"annex": [1, 2]}, "(para. 3; annex, paras. 1–2)"),
    ([], "zh", {"annex": [1]}, "（附件第 1 段）"),
    ([], "zh", {"unnumbered": 2}, "（未编号段落）"),
    ([], "en", {}, ""),
])
def test_format_citation(numbers, language, kwargs, expected):
    assert format_citation(numbers, language, **kwargs) == expected


# -- ROUGE --------------------------------------------------------------------------------------------


def test_lcs_known_value():
    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert lcs_length([], list("abc")) == 0


def test_rouge_identical_disjoint_and_partial():
    assert rouge("联合国大会通过决议。", "联合国大会通过决议", "zh")["rougeL"].f1 == pytest.approx(1.0)
    assert rouge("甲乙丙", "丁戊己", "zh")["rouge1"].f1 == 0.0
    partial = rouge("the cat sat", "the cat sat on the mat", "en")
    assert partial["rouge1"].precision == pytest.approx(1.0)
    assert partial["rouge1"].recall == pytest.approx(0.5)
    assert partial["rouge2"].recall == pytest.approx(2 / 5)


def test_rouge_ignores_citations_punctuation_and_counts_numbers_once():
    assert strip_citations("预算已执行。（第 27–29 段）") == "预算已执行。"
    assert strip_citations("Budgets were executed. (paras. 27–29)") == "Budgets were executed. "
    assert units("预算 71.024 亿，UNDP。", "zh") == ["预", "算", "71.024", "亿", "UNDP"]
    a = rouge("预算已执行。（第 27 段）", "预算已执行", "zh")
    assert a["rougeL"].f1 == pytest.approx(1.0)


def test_rouge_n_clips_repeated_ngrams():
    assert rouge_n(list("aaaa"), list("a"), 1).precision == pytest.approx(0.25)
