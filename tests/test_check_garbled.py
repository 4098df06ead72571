"""Model-free tests of the learned garbled-span scorer and the stray-negation rule.

The language model is replaced by a small fake whose scores follow a rule the test states: every character
costs 1 nat, except characters from a "junk" set, which cost 12 nats while the model's own guess costs 0.5.
"""

from __future__ import annotations

import json

import pytest

from models.base import ModelInfo, ScoredText, TokenScore
from pipeline.check import Check
from pipeline.config import load_config
from pipeline.detect_garbled import (
    FINAL_FEATURES,
    MAX_SUBSTITUTIONS,
    MAX_SWAPS,
    MODEL_PATH,
    SCREEN_FEATURES,
    BoostedTrees,
    Edit,
    Logistic,
    Span,
    TokenView,
    edit_features,
    english_has_negation,
    load_scorer,
    local_edits,
    scorer_from_dict,
    span_features,
    stray_negations,
)
from pipeline.document import Alignment
from tests.test_check_detectors import _pair

JUNK = set("蚌雳鳌舀")


class FakeLM:
    """Per-character tokens; junk characters are very surprising and far below the guess “的”."""

    info = ModelInfo("lm", "fake", "fake")

    def score(self, text: str, context: str = "", top_k: int = 0) -> ScoredText:
        tokens = []
        for i, ch in enumerate(text):
            lp = -12.0 if ch in JUNK else -1.0
            tokens.append(TokenScore(ch, i, i + 1, lp, (("的", -0.5),) if top_k else ()))
        return ScoredText(text, tuple(tokens), "fake")

    def totals(self, texts: list[str]) -> list[float]:
        return [sum(-12.0 if ch in JUNK else -1.0 for ch in t) for t in texts]


@pytest.fixture()
def fake_lm(monkeypatch):
    import models.catalog as catalog

    lm = FakeLM()
    monkeypatch.setattr(catalog, "get_language_model", lambda _config: lm)
    monkeypatch.setattr(catalog, "get_judge", lambda _config: lm)  # the judge agrees with the scoring model
    return lm


def _views(text: str, odd: set[int]) -> list[TokenView]:
    return [TokenView(i, i + 1, 12.0 if i in odd else 1.0, 11.0 if i in odd else 0.0, "的") for i in range(len(text))]


@pytest.mark.parametrize("text, doubled", [
    ("各国应开展普查普查回合的工作。", "普查"), ("秘书处收到 46 份份来文。", "份"), ("2021 年年，情况有所改善。", "年"),
    ("专家小组访问了了 11 个会员国。", "了"), ("委员会的的报告。", "的"),
])
def test_duplicates_found(text, doubled):
    from pipeline.check import protected_spans
    from pipeline.detect_garbled import duplicates

    spans = duplicates(text, protected_spans(text))
    assert [text[s.start:s.end] for s in spans] == [doubled]


@pytest.mark.parametrize("text", ["会员国国家合作。", "他常常参加。", "在 2024 年年度会议上。", "学生生活费用。",
                                  "各个国家。"])
def test_duplicates_not_found(text):
    from pipeline.check import protected_spans
    from pipeline.detect_garbled import duplicates

    assert duplicates(text, protected_spans(text)) == []


def test_span_features_tell_broken_words_from_fluent_ones():
    text = "会员国应当加强国际合作以促进可持续发展。"
    swapped = text.replace("合作", "作合")
    at = swapped.index("作合")
    feats_bad = span_features(swapped, Span(at, at + 2, 0, "lm", suggestion="合作", first=at, last=at + 1),
                              _views(swapped, {at, at + 1}), [], {}, 0.0)
    at = text.index("合作")
    feats_ok = span_features(text, Span(at, at + 2, 0, "lm", suggestion="合作", first=at, last=at + 1),
                             _views(text, {at, at + 1}), [(at, at + 2)], {"国际": 3, "合作": 3}, 0.0)
    assert set(feats_bad) == set(SCREEN_FEATURES)
    assert feats_bad["unseen_bigrams"] > feats_ok["unseen_bigrams"]
    assert feats_bad["fix_words"] > 0  # putting the guess back makes dictionary words again
    assert feats_ok["word_cover"] == 1.0 and feats_bad["word_cover"] == 0.0
    assert feats_bad["gap_sum"] == 22.0 and feats_bad["tokens"] == 2.0
    assert feats_bad["swap_fix"] > 0 and feats_ok["swap_fix"] == 0.0  # 作合 is no word, 合作 is
    assert feats_bad["unique_bigrams"] == 1.0 and feats_ok["unique_bigrams"] < 1.0  # the document as context


def test_local_edits_delete_guess_trim_and_swap():
    text = "各国展发合作伙伴关系"
    span = Span(2, 4, 1.0, "lm", suggestion="发展")
    edits = {(e.start, e.end, e.text, e.kind) for e in local_edits(text, span)}
    assert (2, 4, "", "delete") in edits and (2, 4, "发展", "guess") in edits
    assert {(3, 4, "", "trim"), (2, 3, "", "trim")} <= edits  # a two-character span: trim one either side
    assert (2, 4, "发展", "swap") in edits  # 展发 is no word, 发展 is
    assert len([e for e in edits if e[3] == "swap"]) <= MAX_SWAPS
    # no guess when the model's guess is what is written; nothing outside the text
    same = local_edits("展发", Span(0, 2, 1.0, "lm", suggestion="展发"))
    assert [e.kind for e in same if e.kind not in ("swap", "substitute")] == ["delete", "trim", "trim"]


def test_substitutions_mend_a_broken_dictionary_word():
    """A wrong first character (为合国 for 联合国) is what a left-to-right model cannot guess: the
    dictionary proposes it; fluent words are never rewritten."""
    edits = local_edits("为合国安全管理系统", Span(0, 2, 1.0, "lm", suggestion="联"))
    subs = [(e.start, e.text) for e in edits if e.kind == "substitute"]
    assert (0, "联") in subs and len(subs) <= MAX_SUBSTITUTIONS
    assert ("组织" in [("国际组和提供"[:e.start] + e.text + "国际组和提供"[e.end:])[2:4]
                      for e in local_edits("国际组和提供", Span(3, 4, 1.0, "lm")) if e.kind == "substitute"])
    assert not [e for e in local_edits("发展", Span(0, 2, 1.0, "lm")) if e.kind == "substitute"]


def test_edit_features_charge_per_removed_character_and_pick_the_best_edit():
    delete, guess = Edit(0, 2, "", "delete"), Edit(0, 2, "的", "guess")
    trim, swap = Edit(1, 2, "", "trim"), Edit(0, 2, "发展", "swap")
    feats, best = edit_features(-50.0, [(delete, -30.0), (guess, -45.0), (trim, -34.0), (swap, -48.0)])
    assert feats["delete_gain"] == 20.0 and feats["replace_gain"] == 5.0 and feats["swap_gain"] == 2.0
    assert feats["trim_adjusted"] == pytest.approx(16.0 - 7.0)  # one character removed
    assert feats["best_adjusted"] == pytest.approx(9.0) and best == trim  # beats 20 - 2 * 7 for the whole span
    feats, best = edit_features(-50.0, [(delete, -48.0), (swap, -30.0)])
    assert best == swap and feats["best_adjusted"] == 20.0 and feats["trim_adjusted"] == pytest.approx(-12.0)
    assert edit_features(-50.0, [])[1] is None
    sub = Edit(0, 1, "联", "substitute")
    feats, best = edit_features(-50.0, [(delete, -45.0), (sub, -35.0)])
    assert best == sub and feats["substitute_gain"] == 15.0 and feats["swap_gain"] == 0.0


def test_logistic_is_monotone_and_round_trips():
    model = Logistic(("a", "b"), (0.0, 0.0), (1.0, 2.0), (1.5, -1.0), -0.5, 0.6)
    assert model.probability({"a": 3, "b": 0}) > model.probability({"a": 0, "b": 0}) > \
        model.probability({"a": 0, "b": 3})
    assert Logistic.from_dict(json.loads(json.dumps(model.to_dict()))) == model


def test_shipped_scorer_was_fitted_on_the_tuning_corpus_only():
    screen, final, trained = load_scorer()
    assert screen.features == SCREEN_FEATURES and final.features == FINAL_FEATURES
    assert 0 < final.threshold < 1 and 0 <= screen.threshold < 1
    assert "dev_parallel" in trained["corpus"] and "un_parallel" not in json.dumps(trained)
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["trained"]["positives"] > 50


def test_english_negation_forms():
    for text in ("The plan was not adopted.", "It failed to report.", "There is a lack of funds.",
                 "non-compliance", "an unsustainable debt", "without delay", "food insecurity"):
        assert english_has_negation(text), text
    for text in ("The Committee will strengthen cooperation.", "United Nations University", "the discussion"):
        assert not english_has_negation(text), text


def test_stray_negations_need_an_affirmative_english_sentence():
    zh = "委员会将不加强与各国的合作。"
    assert stray_negations(zh, 0, len(zh), "The Committee will strengthen cooperation with States.") == [(4, 5)]
    assert stray_negations(zh, 0, len(zh), "The Committee will not strengthen cooperation.") == []
    names = "支援最不发达国家。"
    at = names.index("最不发达国家")
    assert stray_negations(names, 0, len(names), "Support to the countries.", [(at, at + 6)]) == []
    assert stray_negations("工作不断加强。", 0, 7, "Work is steadily strengthened.") == []  # 不断 is one word


def test_stray_negations_in_words_for_the_judge():
    """A stray 不 that the segmenter joined to the next character (可不能 -> 不能) is proposed only on request
    (for the judge); 不同 is proposed too, and left to the judge to keep."""
    zh = "请会员国派尽可不能高级别的代表。"
    en = "Member States are invited to send representatives at the highest possible level."
    assert stray_negations(zh, 0, len(zh), en) == []
    assert stray_negations(zh, 0, len(zh), en, in_words=True) == [(7, 8)]
    differs = "The situation differs between countries."
    assert stray_negations("各国情况不同。", 0, 7, differs, in_words=True) == [(4, 5)]
    assert stray_negations(zh, 0, len(zh), "They cannot send representatives.", in_words=True) == []


def test_stage_flags_inserted_junk_and_leaves_fluent_text(fake_lm):
    config = load_config(None, {"stages.check.detectors": ["garbled"]})
    fluent = "会员国应当加强国际合作以促进可持续发展并报告进展情况。"
    broken = fluent[:7] + "蚌雳鳌" + fluent[7:]
    pair = _pair([[fluent], [broken]], None)
    Check(config)(pair)
    flags = pair.zh.flags
    assert flags and all(f.paragraph == 2 for f in flags)
    assert any(f.span[0] < 10 and f.span[1] > 7 and f.type == "garbled" for f in flags)
    assert all(f.evidence["rule"] == "lm" and 0 <= f.evidence["probability"] <= 1 for f in flags)


class StubbornJudge:
    """A judge for whom no correction changes anything: every window scores the same."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def totals(self, texts: list[str]) -> list[float]:
        self.texts += texts
        return [-10.0] * len(texts)


def _junk_pair():
    fluent = "会员国应当加强国际合作以促进可持续发展并报告进展情况。"
    return _pair([[fluent[:7] + "蚌雳鳌" + fluent[7:]]], None)


def test_judge_vetoes_flags_whose_correction_it_finds_no_better(fake_lm, monkeypatch):
    import models.catalog as catalog

    judge = StubbornJudge()
    monkeypatch.setattr(catalog, "get_judge", lambda _config: judge)
    pair = _junk_pair()
    Check(load_config(None, {"stages.check.detectors": ["garbled"]}))(pair)
    assert judge.texts and not [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]
    # the judge saw each candidate's window as written, then after each correction (the deletion first)
    assert "蚌" in judge.texts[0] and len(judge.texts) > 2
    assert len(judge.texts[1]) < len(judge.texts[0])


def test_judge_agreement_is_recorded_and_the_judge_can_be_switched_off(fake_lm, monkeypatch):
    import models.catalog as catalog

    pair = _junk_pair()
    Check(load_config(None, {"stages.check.detectors": ["garbled"]}))(pair)
    lm_flags = [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]
    assert lm_flags and all(f.evidence["judge_gain"] >= 10.0 for f in lm_flags)
    assert "larger model: +" in lm_flags[0].message
    # judge off: the stubborn judge is never asked, the scorer's threshold alone decides
    judge = StubbornJudge()
    monkeypatch.setattr(catalog, "get_judge", lambda _config: judge)
    pair = _junk_pair()
    Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.judge": False}))(pair)
    lm_flags = [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]
    assert not judge.texts and lm_flags and all("judge_gain" not in f.evidence for f in lm_flags)


class PickyJudge:
    """A judge for whom 蚌 and 雳 are junk but 鳌 is a sound character, and any character new to the text
    is worse than junk: only the correction that deletes 蚌雳 and keeps 鳌 restores the window."""

    def __init__(self, text: str) -> None:
        self.known = set(text)

    def totals(self, texts: list[str]) -> list[float]:
        return [sum(-12.0 if ch in "蚌雳" else -1.0 if ch in self.known else -40.0 for ch in t)
                - (0.0 if "鳌" in t else 30.0) for t in texts]


def test_the_judge_chooses_the_correction_and_so_the_flag_span(fake_lm, monkeypatch):
    import models.catalog as catalog

    pair = _junk_pair()
    monkeypatch.setattr(catalog, "get_judge", lambda _config: PickyJudge(pair.zh.paragraphs[0].text))
    Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.judge_edits": 0}))(pair)
    lm_flags = [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]
    assert [f.text for f in lm_flags] == ["蚌雳"] and lm_flags[0].suggestion == ""
    assert lm_flags[0].evidence["judge_gain"] == 24.0  # two junk characters of 12 nats each deleted
    # the scoring model alone prefers another correction
    pair = _junk_pair()
    Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.judge": False}))(pair)
    assert [f.text for f in pair.zh.flags if f.evidence["rule"] == "lm"] != ["蚌雳"]


def test_the_judge_rescores_only_the_corrections_the_scorer_ranks_best(fake_lm, monkeypatch):
    """``judge_edits``: the scoring model's corrections are ranked best first (gain less the charge per character
    removed), and the judge re-scores the window as written and only the first ``judge_edits`` of them (0: all)."""
    import models.catalog as catalog
    from pipeline.detect_garbled import LmParams

    seen: dict[int, list[str]] = {}
    for keep in (0, 1, 2):
        judge = StubbornJudge()
        monkeypatch.setattr(catalog, "get_judge", lambda _config, judge=judge: judge)
        Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.judge_edits": keep,
                                 "stages.check.judge_runs": 0}))(_junk_pair())
        seen[keep] = judge.texts
    windows = [t for t in seen[0] if "蚌雳鳌" in t]  # each candidate's window as written
    assert windows and len(seen[1]) == 2 * len(windows) and len(seen[2]) == 3 * len(windows)
    assert len(seen[0]) > len(seen[2])
    # the scorer's best correction of the junk deletes all three junk characters (3 x 11 nats, less the charge)
    cost = LmParams().char_cost
    first = seen[1][1]
    assert not set(first) & set("蚌雳鳌")

    def adjusted(text: str, window: str) -> float:
        return FakeLM().totals([text])[0] - FakeLM().totals([window])[0] - cost * (len(window) - len(text))
    ranked = [adjusted(t, seen[2][0]) for t in seen[2][1:3]]
    assert ranked == sorted(ranked, reverse=True)


def test_run_deletions_cover_loose_characters_around_the_span():
    from pipeline.check import run_deletions
    from pipeline.detect_garbled import word_spans

    text = "旱灾的影响是逐渐显现的，继文少因此在国家数据库中报告不足"
    n, at = len(text), text.index("文少")
    words = word_spans(text)

    def runs(start, end, window=(0, n), guard=(), most=4):
        return [text[e.start:e.end] for e in run_deletions(text, start, end, window, list(guard), words, most)]
    # 继文少 is in no dictionary word (因此 is): runs of 2-3 of them overlapping the span, those holding it first
    assert runs(at, at + 1) == ["继文", "文少", "继文少"]
    assert runs(at + 1, at + 2) == ["文少", "继文少"]
    assert runs(at, at + 4) == ["文少", "继文少", "继文"]  # the span 文少因此 runs over the word 因此
    assert runs(at, at + 1, most=1) == ["继文"] and runs(at, at + 1, most=0) == []
    # never outside the window or over a guarded character; nothing inside dictionary words
    assert runs(at, at + 1, window=(at, n)) == ["文少"]
    assert runs(at, at + 1, guard=[(at - 1, at)]) == ["文少"]
    assert runs(text.index("数据"), text.index("数据") + 1) == []
    edits = run_deletions(text, at, at + 1, (0, n), [], words, 4)
    assert all(e.text == "" and e.kind == "run" for e in edits)


def test_judge_runs_adds_run_deletions_to_what_the_judge_scores(fake_lm, monkeypatch):
    """``judge_runs``: besides the scorer's corrections, the judge scores deleting runs of loose characters around
    the candidate span; 0 (the default) adds nothing."""
    import models.catalog as catalog

    seen: dict[int, list[str]] = {}
    for runs in (0, 4):
        judge = StubbornJudge()
        monkeypatch.setattr(catalog, "get_judge", lambda _config, judge=judge: judge)
        Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.judge_edits": 1,
                                 "stages.check.judge_runs": runs}))(_junk_pair())
        seen[runs] = judge.texts
    windows = [t for t in seen[0] if "蚌雳鳌" in t]
    assert windows and len(seen[0]) == 2 * len(windows)
    assert len(seen[4]) > len(seen[0]) and set(seen[0]) < set(seen[4])
    # every added text is a window with a run of two or three characters removed
    extra = set(seen[4]) - set(seen[0])
    assert extra and all(any(len(w) - len(t) in (2, 3) and _one_cut(w, t) for w in windows) for t in extra)


def _one_cut(window: str, text: str) -> bool:
    """Whether ``text`` is ``window`` with one contiguous run deleted."""
    n = len(window) - len(text)
    return any(window[:i] + window[i + n:] == text for i in range(len(window) - n + 1))


def test_judge_runs_must_not_be_negative():
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError):
        load_config(None, {"stages.check.judge_runs": -1})


def test_judge_gain_threshold_is_configurable(fake_lm):
    pair = _junk_pair()
    # the fake judge's gain for deleting three junk characters is 3 x (12 - 1) = 33 nats
    Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.judge_min_gain": 40.0}))(pair)
    assert not [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]


def _flags_with_odd_neighbour(monkeypatch) -> list:
    """LM flags (every candidate kept) for junk 蚌雳 whose next character the first pass also finds odd."""
    config = load_config(None, {"stages.check.detectors": ["garbled"]})
    text = "会员国应当加强国际合作蚌雳以促进可持续发展并报告进展情况。"
    first_pass = FakeLM.score

    def score(self, t, context="", top_k=0):
        scored = first_pass(self, t, context, top_k)
        odd = t.find("蚌雳") + 2
        # the model's guess (a junk character here) does not mend the sentence
        tokens = tuple(TokenScore(x.text, x.start, x.end, -6.0 if x.start == odd else x.logprob, (("舀", -0.5),))
                       for x in scored.tokens)
        return ScoredText(t, tokens, "fake")

    monkeypatch.setattr(FakeLM, "score", score)
    pair = _pair([[text]], None)
    check = Check(config)
    check.keep_all = True  # whatever the shipped scorer thinks of these made-up scores: the span is tested
    check(pair)
    return [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]


def test_stage_flag_covers_what_the_best_correction_deletes(fake_lm, monkeypatch):
    """The first pass also finds the character after the junk odd (the span grows over it), but re-scoring
    shows that deleting the junk alone restores the sentence: the flag covers the junk only."""
    # the fake model finds any ordinary character fluent, so replacing a junk character would "mend" it as
    # well as deleting it does: this test is about trims, substitutions are left out
    monkeypatch.setattr("pipeline.detect_garbled.MAX_SUBSTITUTIONS", 0)
    flags = _flags_with_odd_neighbour(monkeypatch)
    assert len(flags) == 1 and flags[0].text == "蚌雳" and flags[0].suggestion == ""
    assert flags[0].evidence["edit"] == "trim" and flags[0].evidence["candidate"] == [11, 14]
    assert flags[0].message.startswith("garbled text: deleting it")


def test_stage_flag_message_names_a_substituted_character(fake_lm, monkeypatch):
    """With substitutions on, the fake model prefers replacing one junk character by an ordinary one: the
    message and the suggestion name that character, not a deletion."""
    flags = _flags_with_odd_neighbour(monkeypatch)
    assert len(flags) == 1 and flags[0].evidence["edit"] == "substitute" and len(flags[0].text) == 1
    assert flags[0].suggestion and flags[0].message.startswith(f"garbled text: “{flags[0].suggestion}” instead")


def test_stage_flags_a_negation_the_english_does_not_have(fake_lm):
    config = load_config(None, {"stages.check.detectors": ["garbled"]})
    pair = _pair([["委员会将不加强与各国的合作。"]], [["The Committee will strengthen cooperation with States."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.8)])
    # the fake model finds 不 as surprising as junk
    JUNK.add("不")
    try:
        Check(config)(pair)
    finally:
        JUNK.discard("不")
    negations = [f for f in pair.zh.flags if f.evidence.get("rule") == "stray_negation"]
    assert len(negations) == 1 and negations[0].text == "不"


class NegationJudge:
    """A judge that finds ``bad`` odd (``cost`` nats) and every other character ordinary."""

    def __init__(self, bad: str, cost: float) -> None:
        self.bad, self.cost, self.texts = bad, cost, []

    def totals(self, texts: list[str]) -> list[float]:
        self.texts += texts
        return [-1.0 * len(t) - (self.cost if self.bad in t else 0.0) for t in texts]


@pytest.mark.parametrize("cost, flagged, threshold", [(20.0, True, None), (3.0, False, None), (3.0, True, 2.0),
                                                      (20.0, False, 30.0)])
def test_the_judge_decides_stray_negations(fake_lm, monkeypatch, cost, flagged, threshold):
    """With the judge on, a 不 the segmenter joined to the next character (尽可不能 for 尽可能) is reported when
    deleting it gains at least ``negation_min_gain`` nats under the judge, whatever the scoring model thought."""
    import models.catalog as catalog

    judge = NegationJudge("可不能", cost)
    monkeypatch.setattr(catalog, "get_judge", lambda _config: judge)
    pair = _pair([["请会员国派尽可不能高级别的代表出席会议。"]],
                 [["Member States are invited to send representatives at the highest possible level."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.8)])
    overrides = {"stages.check.detectors": ["garbled"]}
    if threshold is not None:
        overrides["stages.check.negation_min_gain"] = threshold
    Check(load_config(None, overrides))(pair)
    negations = [f for f in pair.zh.flags if f.evidence.get("rule") == "stray_negation"]
    assert "请会员国派尽可能高级别的代表出席会议。" in judge.texts  # the window with the 不 deleted
    assert [f.text for f in negations] == (["不"] if flagged else [])
    if flagged:
        assert negations[0].evidence["judge_gain"] == cost + 1.0  # one ordinary character fewer, too


def test_training_fit_recovers_a_known_logistic_model():
    import numpy as np

    from benchmarks.train_garbled import fit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 3))
    true_w, true_b = np.array([2.0, -1.0, 0.0]), -0.5
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ true_w + true_b)))).astype(float)
    w, b = fit(x, y, l2=0.1)
    assert np.allclose(w, true_w, atol=0.25) and abs(b - true_b) < 0.2


def test_training_label_metrics_count_rule_hits_and_clean_false_flags():
    from benchmarks.train_garbled import label_metrics

    docs = [{"doc": "a", "seed": 1, "labels": [(0, 5), (1, 3)], "by_rule": [(1, 3)], "chars": 100},
            {"doc": "a", "seed": 0, "labels": [], "by_rule": [], "chars": 2000}]
    cands = [{"doc": "a", "seed": 1, "label": (0, 5)}, {"doc": "a", "seed": 1, "label": None},
             {"doc": "a", "seed": 0, "label": None}]
    m = label_metrics(cands, [0.9, 0.7, 0.8], docs, 0.75)
    assert m["recall"] == 1.0 and m["precision"] == 1.0 and m["clean_false_per_1000"] == 0.5
    m = label_metrics(cands, [0.9, 0.7, 0.8], docs, 0.5)
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-3)


def test_benchmark_counts_a_flag_on_another_types_defect_for_the_reviewer_view_only():
    from benchmarks.check import hits_any, match

    labels = [{"type": "garbled", "kind": "insert", "index": 0, "start": 4, "end": 6},
              {"type": "omission", "kind": "sentence", "index": 2, "start": 0, "end": 0}]
    term_on_garbled = {"type": "terminology", "index": 0, "start": 3, "end": 8}
    term_elsewhere = {"type": "terminology", "index": 0, "start": 10, "end": 14}
    number_in_omitted = {"type": "number", "index": 2, "start": 30, "end": 33}
    assert hits_any(term_on_garbled, labels) and not hits_any(term_elsewhere, labels)
    assert hits_any(number_in_omitted, labels)
    tp, total, _, _ = match([term_on_garbled, number_in_omitted], labels)
    assert tp["terminology"] == 0 and tp["number"] == 0 and total["terminology"] == 1


def test_boosted_trees_learn_an_interaction_a_linear_model_cannot():
    """y = 1 exactly when both features are high: no single linear cut separates it, trees do."""
    import numpy as np

    from benchmarks.train_garbled import fit_trees

    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, size=(1200, 2))
    y = ((x[:, 0] > 0.6) & (x[:, 1] > 0.6)).astype(float)
    base, trees = fit_trees(x, y, rounds=60, rate=0.3, depth=2, min_leaf=10)
    model = BoostedTrees(("a", "b"), base, tuple(trees), 0.5)
    assert model.probability({"a": 0.9, "b": 0.9}) > 0.9
    assert model.probability({"a": 0.9, "b": 0.1}) < 0.1 and model.probability({"a": 0.1, "b": 0.9}) < 0.1
    assert BoostedTrees.from_dict(json.loads(json.dumps(model.to_dict()))) == model
    assert scorer_from_dict(model.to_dict()) == model


@pytest.mark.parametrize("text", ["UNFPA and UNCDF provided support.", "Operation Unity continued.",
                                  "Nevertheless, the number grew.", "by the end of 2021", "internal displacement"])
def test_english_without_negation_despite_look_alikes(text):
    assert not english_has_negation(text)


def test_judge_grid_keeps_rule_flags_and_counts_each_label_once():
    from benchmarks.judge_grid import FROMS, GAINS, grid, kept, point

    lm = {"rule": "lm", "probability": 0.6, "judge_gain": 9.0, "labels": [0]}
    dup = {"rule": "duplicate", "probability": None, "judge_gain": None, "labels": [1]}
    also_0 = {"rule": "lm", "probability": 0.95, "judge_gain": 20.0, "labels": [0]}
    docs = [{"doc": "d", "seed": 1, "chars": 500, "labels": ["insert", "duplicate", "replace"],
             "flags": [lm, dup, also_0, {"rule": "lm", "probability": 0.9, "judge_gain": 12.0, "labels": []}]},
            {"doc": "d", "seed": 0, "chars": 2000, "labels": [],
             "flags": [{"rule": "lm", "probability": 0.7, "judge_gain": 11.0, "labels": []}]}]
    assert kept(dup, 0.99, 100) and not kept(lm, 0.7, 0) and not kept(lm, 0.5, 10)
    loose = point(docs, 0.5, 8)
    assert (loose["flags"], loose["recall"], loose["precision"]) == (4, round(2 / 3, 3), 0.75)
    assert loose["clean_false_per_1000"] == 0.5
    strict = point(docs, 0.8, 15)
    assert (strict["flags"], strict["precision"], strict["clean_false_per_1000"]) == (2, 1.0, 0.0)
    assert len(grid(docs)) == len(FROMS) * len(GAINS) == 48


def test_judge_select_pools_groups_and_refuses_a_point_that_hurts_one_group():
    """Pooled F1 adds the groups' counts; a better pooled point is refused when one group loses more than allowed,
    and a point over the clean false-flag limit in any group is never eligible."""
    from benchmarks.judge_select import score, select

    def doc(seed: int, flags: list[tuple[float, float, list[int]]], labels: int = 2, chars: int = 1000) -> dict:
        return {"doc": "d", "seed": seed, "chars": chars, "labels": ["insert"] * labels,
                "flags": [{"rule": "lm", "probability": p, "judge_gain": g, "edit": "delete", "labels": lab}
                          for p, g, lab in flags]}

    a = [doc(1, [(0.9, 20.0, [0]), (0.3, 15.0, [1])]), doc(0, [])]
    b = [doc(1, [(0.9, 20.0, [0]), (0.3, 15.0, []), (0.3, 15.0, [])]), doc(0, [])]
    both = score({"a": a, "b": b}, 0.2, 14.0, 6.0)
    assert (both["groups"]["a"]["f1"], both["groups"]["b"]["f1"]) == (1.0, 0.4)
    assert both["pooled_f1"] == round(2 * (3 / 5) * (3 / 4) / (3 / 5 + 3 / 4), 4)
    base = {"a": a, "b": b}
    # judged at 0.2, group b's two false flags come in: the pooled best is the strict point, no gain
    assert not select(base, base, (0.9, 12.0, 8.0))["adopt"]
    # a candidate run that helps a but makes b worse at every point is refused
    worse_b = [doc(1, [(0.9, 20.0, []), (0.3, 15.0, [])]), doc(0, [])]
    assert not select(base, {"a": a, "b": worse_b}, (0.9, 12.0, 8.0))["adopt"]
    # a clean text with a false flag at every threshold makes no point eligible
    noisy = [doc(1, [(0.9, 20.0, [0]), (0.9, 20.0, [1])]), doc(0, [(0.95, 30.0, [])], chars=100)]
    assert select(base, {"a": noisy, "b": b}, (0.9, 12.0, 8.0))["best"] == []
    better = [doc(1, [(0.9, 20.0, [0]), (0.9, 20.0, [1])]), doc(0, [])]
    assert select(base, {"a": better, "b": better}, (0.9, 12.0, 8.0))["adopt"]


def test_judge_select_reads_negation_dumps_at_a_threshold_and_can_fix_judge_from():
    """Dumps that kept every stray-negation candidate are read at a threshold (weaker ones dropped, other flags
    untouched); ``froms`` restricts the grid to the given ``judge_from`` values."""
    from benchmarks.judge_select import select, with_negation_threshold

    neg = {"rule": "stray_negation", "probability": None, "edit": None}
    docs = [{"doc": "d", "seed": 1, "chars": 1000, "labels": ["negation", "insert"],
             "flags": [{**neg, "judge_gain": 9.0, "labels": [0]}, {**neg, "judge_gain": 1.0, "labels": []},
                       {**neg, "judge_gain": None, "labels": []},
                       {"rule": "lm", "probability": 0.5, "judge_gain": 3.0, "edit": "delete", "labels": [1]}]},
            {"doc": "d", "seed": 0, "chars": 1000, "labels": [], "flags": []}]
    kept = with_negation_threshold(docs, 8.0)
    assert [f["judge_gain"] for f in kept[0]["flags"]] == [9.0, 3.0] and len(docs[0]["flags"]) == 4
    assert len(with_negation_threshold(docs, -1e9)[0]["flags"]) == 3
    only = select({"g": kept}, {"g": kept}, (0.2, 14.0, 6.0), froms=(0.3,))
    assert {p["judge_from"] for p in only["best"]} == {0.3}
    assert {p["judge_from"] for p in select({"g": kept}, {"g": kept}, (0.2, 14.0, 6.0))["best"]} != {0.3}


def test_train_garbled_fits_on_chosen_documents_with_the_benchmarks_labels(fake_lm):
    """``--docs`` keeps only some documents, but each is corrupted as the benchmark corrupts it: the injector
    draws from the whole corpus, so a filtered corpus would give other labels."""
    from benchmarks.inject import DEV_CORPUS, inject, load_corpus
    from benchmarks.train_garbled import collect

    corpus = load_corpus(DEV_CORPUS)
    rows = collect([1], [], None, 0, None, 0, {"dev2"})
    assert {r["doc"] for r in rows} == {"dev2"}
    per_doc = {r["seed"]: r for r in rows if "chars" in r}
    assert sorted(per_doc) == [0, 1] and per_doc[0]["labels"] == []
    expected = [(lab.index, lab.start) for lab in inject(corpus[1], 1, corpus).labels if lab.type == "garbled"]
    assert corpus[1]["id"] == "dev2" and expected and [tuple(x) for x in per_doc[1]["labels"]] == expected


def test_register_words_are_guarded_like_official_names(fake_lm, tmp_path):
    """Language-model evidence never falls inside a UN register word (built-in or a user's), and the guard
    can be switched off; without it the same span is flagged."""
    check = Check(load_config(None, {}))
    text = "大会不妨核可按职等列出的员额。"
    guard = check._lm_guard(text, [])
    for word in ("不妨", "核可", "职等", "员额"):
        at = text.index(word)
        assert (at, at + len(word)) in guard
    assert Check(load_config(None, {"stages.check.register_guard": False}))._lm_guard(text, []) == [(0, 2)]  # 大会

    user = tmp_path / "house.tsv"
    user.write_text("zh\ten\tcategory\tsource\n蚌雳鳌\t(a house term)\tformula\tour style guide\n", encoding="utf-8")
    flagged = {}
    for guarded in (False, True):
        pair = _junk_pair()
        Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.register": str(user),
                                 "stages.check.register_guard": guarded}))(pair)
        flagged[guarded] = [f for f in pair.zh.flags if f.evidence["rule"] == "lm"]
    assert flagged[False] and not flagged[True]


def test_register_list_errors_are_config_errors(tmp_path):
    from pipeline.errors import ConfigError
    from pipeline.register import load_register

    bad = tmp_path / "bad.tsv"
    bad.write_text("zh\ten\n不妨\tmay wish to\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="header"):
        load_register(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_register(tmp_path / "missing.tsv")


def test_coverage_says_what_the_language_model_read(fake_lm):
    """flags.json and the report tell the reviewer how much of the document the model read and how many
    candidates it re-scored: with a small budget, only the most suspicious paragraph is read."""
    from pipeline.check import flags_json
    from pipeline.report import coverage_line

    fluent = "会员国应当加强国际合作以促进可持续发展并报告进展情况。"
    broken = fluent[:7] + "蚌雳鳌" + fluent[7:]
    pair = _pair([[fluent], [broken], [fluent]], None)
    Check(load_config(None, {"stages.check.detectors": ["garbled"],
                             "stages.check.lm_budget_chars": len(broken) + 5}))(pair)
    lm = flags_json(pair)["coverage"]["garbled_lm"]
    assert lm["enabled"] and lm["paragraphs"] == 3 and lm["paragraphs_scored"] == 1
    assert lm["chars_scored"] == len(broken) and lm["chars"] == 2 * len(fluent) + len(broken)
    assert 0 < lm["candidates_rescored"] <= lm["candidates_screened_in"] <= lm["candidates"]
    line = coverage_line(pair.zh.check_coverage)
    assert f"read {len(broken)} of {lm['chars']} characters" in line and "lm_budget_chars" in line

    pair = _pair([[fluent]], None)
    Check(load_config(None, {"stages.check.detectors": ["garbled"], "stages.check.use_lm": False}))(pair)
    assert "language model off" in coverage_line(pair.zh.check_coverage)
    assert coverage_line({}) == ""


def test_swap_corrections_can_have_their_own_judge_threshold():
    swap, delete = Edit(0, 2, "发展", "swap"), Edit(0, 2, "", "delete")
    assert Check(load_config())._min_gain(swap) == 6.0  # the default
    same = Check(load_config(None, {"stages.check.judge_min_gain": 12.0, "stages.check.judge_min_gain_swap": 12.0}))
    assert same._min_gain(swap) == same._min_gain(delete) == same._min_gain(None) == 12.0
    own = Check(load_config(None, {"stages.check.judge_min_gain": 12.0, "stages.check.judge_min_gain_swap": 6.0}))
    assert own._min_gain(swap) == 6.0 and own._min_gain(delete) == 12.0

