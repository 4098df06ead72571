"""Model-free tests of the check stage's detectors (numbers, form, duplicates, LM span logic, terms, omissions)."""

from __future__ import annotations

import pytest

from pipeline import numbers as num
from pipeline.check import (
    Check,
    build_links,
    finalise,
    flags_json,
    glossary_mentions,
    near_miss,
    number_flags,
    omission_flags,
    set_risk,
    term_flags,
)
from pipeline.config import load_config
from pipeline.detect_form import half_width_punctuation, orphan_footnote_markers, unbalanced, untranslated_english
from pipeline.detect_garbled import TokenView, duplicates, lm_spans, rare_runs
from pipeline.document import Alignment, Document, DocumentPair, Paragraph, Section, Sentence, SubItem
from pipeline.glossary import load_glossary


# ------------------------------------------------------------------ numbers
@pytest.mark.parametrize("text, value", [
    ("一百二十三", 123), ("两千零五", 2005), ("十五", 15), ("三万四千", 34000), ("二〇〇九", 2009), ("十", 10),
])
def test_chinese_numerals(text, value):
    assert num.parse_zh_numeral(text) == value


def test_malformed_chinese_numeral_is_rejected():
    assert num.parse_zh_numeral("三四") is None
    assert num.parse_zh_numeral("万") is None


@pytest.mark.parametrize("zh, en", [
    ("经费为 2 500 万美元", "$25 million"),
    ("12.5 亿美元", "$1.25 billion"),
    ("百分之三十", "30 per cent"),
    ("35%", "35 per cent"),
    ("三分之二的会员国", "two thirds of Member States"),
    ("2009 年 6 月 30 日", "30 June 2009"),
    ("第六十三届会议", "sixty-third session"),
    ("2006/07 年度", "2006/07"),
    ("第 63/287 号决议", "resolution 63/287"),
    ("20 多亿人", "2 billion people"),
    ("于 2022 年 5 月 2 日至 4 日举行", "held from 2 to 4 May 2022"),
    ("定于 2023 年 5 月 22 日至 26 日", "scheduled for 22-26 May 2023"),
    ("2021 年 3 月 1 日、2 日和 5 日", "on 1, 2 and 5 March 2021"),
])
def test_chinese_and_english_forms_match(zh, en):
    left, right = num.unmatched(num.zh_mentions(zh), num.en_mentions(en))
    assert not [m for m in left if not m.soft], (zh, en)
    assert not [m for m in right if not m.soft]


@pytest.mark.parametrize("zh, en", [
    ("经费为 2 500 万美元", "$2.5 million"),
    ("2009 年 6 月 30 日", "30 July 2009"),
    ("百分之三十", "13 per cent"),
    ("第 63/278 号决议", "resolution 63/287"),
    ("于 2022 年 5 月 2 日至 5 日举行", "held from 2 to 4 May 2022"),
    ("于 2022 年 5 月 3 日至 4 日举行", "held from 2 to 4 May 2022"),
])
def test_changed_numbers_do_not_match(zh, en):
    left, _ = num.unmatched(num.zh_mentions(zh), num.en_mentions(en))
    assert left


def test_chinese_numerals_need_a_numeric_setting():
    # 一些 / 统一 / 一致 are words, not numbers
    assert num.zh_mentions("一些国家统一行动，意见一致") == []
    assert [m.key for m in num.zh_mentions("三项原则")] == [("number", 3.0)]


# ------------------------------------------------------------------ form
def test_untranslated_english_but_not_acronyms_or_symbols():
    assert untranslated_english("委员会 the implementation of the plan 进展")
    assert not untranslated_english("见 A/64/298 和 UNDP 的报告，以及 Umoja 系统")


def test_half_width_punctuation_between_chinese_only():
    found = half_width_punctuation("会员国,秘书长(秘书处)认为 1,234 和 3.5 以及 S/RES/1325 (2000) 和(c) 项")
    chars = [f.suggestion for f in found]
    assert chars == ["，", "（", "）"]


def test_unbalanced_brackets_and_quotes():
    assert [f.start for f in unbalanced("委员会（行预咨委会的报告")] == [3]
    assert [f.start for f in unbalanced("报告”载有")] == [2]
    assert unbalanced("《公约》和“原则”（见附件）") == []


def test_orphan_footnote_marker():
    assert [f.start for f in orphan_footnote_markers("见报告²。另见¹", {"¹"})] == [3]


# ------------------------------------------------------------------ garbled (pure parts)
def test_duplicates_flag_doubled_function_words_not_reduplicated_words():
    spans = duplicates("委员会的的报告常常提到各项工作")
    assert [(s.start, s.end) for s in spans] == [(4, 5)]


def test_duplicates_skip_protected_spans():
    assert duplicates("见 AA/BB 的报告", [(2, 7)]) == []


def test_rare_runs_score_nonsense_above_fluent_text():
    fluent = sum(s.score for s in rare_runs("秘书长在报告中介绍了维持和平行动的财务情况"))
    garbled = sum(s.score for s in rare_runs("秘书长在报告中蚌雳鳌介绍了维持和平行动的财务情况"))
    assert garbled > fluent + 3


def _view(start, surprisal, gap, repeats=0, han=True):
    return TokenView(start, start + 1, surprisal, gap, "x", repeats, han)


def test_lm_spans_seed_extend_and_protect():
    tokens = [_view(0, 1, 0), _view(1, 12, 9), _view(2, 6, 2), _view(3, 1, 0), _view(4, 15, 10)]
    spans = lm_spans(tokens, protected=[(4, 5)])
    assert [(s.start, s.end) for s in spans] == [(1, 3)]


def test_lm_spans_ignore_tokens_repeated_in_the_document():
    assert lm_spans([_view(0, 14, 10, repeats=3)]) == []
    assert lm_spans([_view(0, 14, 10, han=False)]) == []


# ------------------------------------------------------------------ stage-level, no models
def _pair(zh_sents: list[list[str]], en_sents: list[list[str]] | None, links=None) -> DocumentPair:
    def doc(lang, paras):
        joiner = "" if lang == "zh" else " "
        out = []
        for k, sents in enumerate(paras):
            text, spans = "", []
            for s in sents:
                if text:
                    text += joiner
                spans.append((len(text), len(text) + len(s)))
                text += s
            out.append(Paragraph(k + 1, "I", text, sentences=[Sentence(s, a, b) for s, (a, b)
                                                              in zip(sents, spans, strict=True)]))
        d = Document(id=f"t-{lang}", language=lang, text="\n".join(p.text for p in out), paragraphs=out)
        d.sections = [Section("I", 1, "chapter", "I.", "", None, [p.number for p in out])]
        return d

    pair = DocumentPair(doc("zh", zh_sents), doc("en", en_sents) if en_sents else None)
    if links:
        pair.alignments = links
    return pair


def test_number_flags_against_aligned_english():
    pair = _pair([["经费为 2 600 万美元。", "会议于 2009 年 6 月 30 日结束。"]],
                 [["The cost was $25 million.", "The meeting ended on 30 June 2009."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9), Alignment((1,), (1,), 0.9)])
    flags = number_flags(pair.zh, build_links(pair))
    assert [f.start for f in flags] == [4]
    assert "25 million" in flags[0].message


def test_count_in_words_against_listed_items():
    para = Paragraph(1, "I", "委员会提出三项建议：(a) 加强协调；(b) 改进报告。")
    para.items = [SubItem("(a)", "加强协调；", 10, 19), SubItem("(b)", "改进报告。", 19, 28)]
    doc = Document(id="d", language="zh", text=para.text, paragraphs=[para])
    flags = number_flags(doc, None)
    assert len(flags) == 1 and flags[0].suggestion == "二"


def test_glossary_variant_and_missing_official_rendering():
    glossary = load_glossary()
    undp = next(e for e in glossary.entries if e.en_short == "UNDP")
    assert undp.variants
    variant = undp.variants[0]
    pair = _pair([[f"{variant}提供了支助。", "行政和预算问题咨询委员会审查了报告。"],
                  ["该方案取得进展。"]],
                 [["UNDP provided support.", "The Advisory Committee on Administrative and Budgetary Questions "
                   "reviewed the report."], ["The Joint Inspection Unit made progress."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((1,), (1,), 0.9, "paragraph"),
                  Alignment((0,), (0,), 0.9), Alignment((1,), (1,), 0.9), Alignment((2,), (2,), 0.9)])
    flags = term_flags(pair.zh, build_links(pair), glossary)
    rules = sorted((f.evidence["rule"], f.index) for f in flags)
    assert ("glossary_variant", 0) in rules
    assert ("missing_official", 1) in rules  # Joint Inspection Unit not rendered
    assert all(f.evidence["en_term"] != "Advisory Committee on Administrative and Budgetary Questions" for f in flags)


def test_glossary_forms_with_digits_match_with_or_without_typographic_spaces():
    """UN Chinese prints a space between digits and Han (2030 年可持续发展议程); the glossary writes the name
    without it. Both spellings are the official form, and a variant is found in either spelling."""
    glossary = load_glossary()
    agenda = next(e for e in glossary.entries if e.en == "2030 Agenda for Sustainable Development")
    assert agenda.zh == "2030年可持续发展议程" and "2030年永续发展议程" in agenda.variants
    for text in ("各国承诺落实《2030 年可持续发展议程》。", "各国承诺落实《2030年可持续发展议程》。"):
        found = [(e.en, text[a:b]) for e, a, b in glossary_mentions(glossary, text)]
        assert (agenda.en, text[text.index("2030"):text.index("》")]) in found
        pair = _pair([[text]], [["Countries undertook to implement the 2030 Agenda for Sustainable Development."]],
                     [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)])
        assert not [f for f in term_flags(pair.zh, build_links(pair), glossary) if f.evidence["en_term"] == agenda.en]
    text = "各国承诺落实《2030 年永续发展议程》。"
    flags = term_flags(_pair([[text]], None).zh, None, glossary)
    assert [(text[f.start:f.end], f.suggestion) for f in flags if f.evidence["en_term"] == agenda.en] == [
        ("2030 年永续发展议程", agenda.zh)]
    assert "2030 年" not in [text[a:b] for _, a, b in glossary_mentions(glossary, "2030 年 5 月")]
    # the spaced form also counts as rendering the English name, so another instrument is not blamed for it
    pair = _pair([["各国承诺落实《2030 年可持续发展议程》和《联合国千年宣言》。"]],
                 [["Countries undertook to implement the 2030 Agenda for Sustainable Development."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)])
    assert not [f for f in term_flags(pair.zh, build_links(pair), glossary) if f.evidence["rule"] == "wrong_entity"]


def test_an_acronym_inside_a_document_symbol_is_not_a_mention():
    """UNEP in UNEP/EA.7/INF/4 names a document, not the body: no official rendering is owed for it. The same
    acronym standing alone, or in a joint name (UNEP/UN-Habitat), is a mention."""
    glossary = load_glossary()
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]

    def missing(zh: str, en: str) -> list[str]:
        pair = _pair([[zh]], [[en]], links)
        return [f.evidence["en_term"] for f in term_flags(pair.zh, build_links(pair), glossary)
                if f.evidence["rule"] == "missing_official"]

    assert missing("本报告应与方案执行情况报告（UNEP/EA.7/INF/4）一并阅读。",
                   "The report should be read with the programme performance report (UNEP/EA.7/INF/4).") == []
    unep = ["United Nations Environment Programme"]
    assert missing("该报告由执行局审议。", "The report was considered by UNEP.") == unep
    assert unep[0] in missing("该项目由两个机构共同执行。", "The project is run by UNEP/UN-Habitat.")


def test_renderings_correct_in_some_un_context_are_accepted_but_never_suggested():
    """执行干事 is WFP's Executive Director and 摊款 a usual rendering of assessed contributions: neither is a
    missing official rendering; a sentence with neither is, and the suggestion is the standard form."""
    glossary = load_glossary()
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]

    def missing(zh: str, en: str) -> list[tuple[str, str]]:
        pair = _pair([[zh]], [[en]], links)
        return [(f.evidence["en_term"], f.suggestion) for f in term_flags(pair.zh, build_links(pair), glossary)
                if f.evidence["rule"] == "missing_official"]

    assert missing("执行干事提交了报告。", "The Executive Director submitted the report.") == []
    assert missing("会员国缴纳了摊款。", "Member States paid their assessed contributions.") == []
    assert missing("署长提交了报告。", "The Executive Director submitted the report.") == [
        ("Executive Director", "执行主任")]
    entry = next(e for e in glossary.entries if e.en == "assessed contributions")
    assert entry.zh == "分摊会费" and entry.also == ("摊款",) and "摊款" in entry.accepted
    # such a rendering is too weak to be blamed as the wrong term where the English names another one
    pair = _pair([["委员会审查了摊款。"]], [["The Committee reviewed the programme budget."]], links)
    assert not [f for f in term_flags(pair.zh, build_links(pair), glossary) if f.evidence["rule"] == "wrong_entity"]
    pair = _pair([["委员会审查了分摊会费。"]], [["The Committee reviewed the programme budget."]], links)
    assert [f.evidence["en_term"] for f in term_flags(pair.zh, build_links(pair), glossary)
            if f.evidence["rule"] == "wrong_entity"] == ["programme budget"]


def test_wrong_entity_named_in_place_of_the_english_one():
    glossary = load_glossary()
    pair = _pair([["联合国开发计划署和联合国儿童基金会提供了支助。", "大会审议了该报告。"]],
                 [["UNDP and the World Food Programme provided support.", "The General Assembly considered the "
                   "report."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9), Alignment((1,), (1,), 0.9)])
    flags = term_flags(pair.zh, build_links(pair), glossary)
    wrong = [f for f in flags if f.evidence["rule"] == "wrong_entity"]
    assert len(wrong) == 1 and wrong[0].type == "name"
    para = pair.zh.paragraphs[0].text
    assert para[wrong[0].start:wrong[0].end] == "联合国儿童基金会"
    assert wrong[0].suggestion == "世界粮食计划署" and wrong[0].evidence["en_term"] == "World Food Programme"
    # the rival is explained by the wrong entity: no second "missing official rendering" flag for it
    assert not any(f.evidence["rule"] == "missing_official" and f.evidence["en_term"] == "World Food Programme"
                   for f in flags)
    # a name the English also gives (elsewhere in the paragraph) is not a wrong entity
    pair.en.paragraphs[0].text += " UNICEF was consulted."
    pair.en.paragraphs[0].sentences.append(Sentence("UNICEF was consulted.", 0, 0))
    links = build_links(pair)
    links.en_paragraphs[0] = [pair.en.paragraphs[0].text]
    assert not [f for f in term_flags(pair.zh, links, glossary) if f.evidence["rule"] == "wrong_entity"]


def test_near_miss_finds_a_name_damaged_by_one_small_edit():
    assert near_miss("这是本国工线期作人员的问题", "本国工作人员") == (2, 10, "2 characters inserted")
    assert near_miss("与有关员会国协商", "会员国")[2] == "two characters swapped"
    assert near_miss("联合国儿童基会", "联合国儿童基金会")[2] == "a character dropped"
    assert near_miss("由经常预供供资", "经常预算") is None  # a four-character form: only an inner character
    assert near_miss("经常顶算", "经常预算")[2] == "“顶” for “预”"
    assert near_miss("会员国提出", "会员国") is None  # written as it is
    assert near_miss("大理会", "大会") is None  # two characters: too short to judge
    assert near_miss("理事国", "理事会") is None


def test_corrupted_name_is_reported_as_garbled_not_as_missing():
    glossary = load_glossary()
    pair = _pair([["受害者中多数是本国工线期作人员。", "安全理事会审议了报告。"]],
                 [["Most victims were national staff.", "The Security Council considered the report."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9), Alignment((1,), (1,), 0.9)])
    flags = term_flags(pair.zh, build_links(pair), glossary)
    broken = [f for f in flags if f.evidence["rule"] == "corrupted_rendering"]
    assert len(broken) == 1 and broken[0].type == "garbled" and broken[0].suggestion == "本国工作人员"
    text = pair.zh.paragraphs[0].text
    assert text[broken[0].start:broken[0].end] == "本国工线期作人员"
    assert not any(f.evidence["rule"] == "missing_official" and f.evidence["en_term"] == "national staff"
                   for f in flags)
    assert not any(f.evidence["en_term"] == "Security Council" for f in flags)  # written in full, correctly


def test_omission_and_addition_from_links():
    pair = _pair([["第一句话在这里说明情况。", "这一句是译者多加的内容，没有原文。"]],
                 [["The first sentence explains the situation here.", "A second English sentence that was "
                   "never translated into Chinese at all."]],
                 [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.8), Alignment((1,), (), 0.0),
                  Alignment((), (1,), 0.0)])
    flags = omission_flags(pair.zh, build_links(pair))
    assert sorted(f.type for f in flags) == ["addition", "omission"]


def test_a_dropped_clause_is_found_by_the_figures_it_took_with_it():
    """The English gives figures the Chinese paragraph never gives, and the Chinese sentence has no figure of
    its own left unexplained: an omitted clause (a mistyped figure is a number flag, not an omission)."""
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]
    english = ("In 2024 the Fund approved 24 projects worth $36.9 million, of which $14.2 million was transferred "
               "directly to civil society organizations.")

    def omissions(zh: str) -> list[list[str]]:
        pair = _pair([[zh]], [[english]], links)
        return [f.evidence["values"] for f in omission_flags(pair.zh, build_links(pair))
                if f.evidence["rule"] == "english_number_missing"]

    assert omissions("2024 年，该基金核准了 24 个项目，总值 3 690 万美元，其中 1 420 万美元转给民间社会组织。") == []
    assert omissions("2024 年，该基金核准了 24 个项目，总值 3 690 万美元。") == [["$14.2 million"]]
    assert omissions("2024 年，该基金核准了 24 个项目，总值 3 690 万美元，其中 1 520 万美元转给民间社会组织。") == []
    # labels and joint names are no figures: nothing is owed for them
    assert [m.kind for m in num.en_mentions("the WHO/UNICEF Joint Monitoring Programme")] == []
    assert [m.key for m in num.en_mentions("two half-time judges")] == [("number", 2.0)]


def test_an_added_sentence_is_found_by_the_figures_it_brought():
    """Chinese figures that no English figure of the paragraph matches, while the linked English sentence has
    none left over: text was added (a mistyped figure leaves the English original unmatched: a number flag)."""
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]
    english = "In 2024 the Fund approved 24 projects in 12 countries."

    def additions(zh: str) -> list[list[str]]:
        pair = _pair([[zh]], [[english]], links)
        return [f.evidence["values"] for f in omission_flags(pair.zh, build_links(pair))
                if f.evidence["rule"] == "chinese_number_unexplained"]

    assert additions("2024 年，该基金在 12 个国家核准了 24 个项目。") == []
    assert additions("2024 年，该基金在 12 个国家核准了 24 个项目，其中 7 个项目已于 2025 年 3 月完成。") == [
        ["7", "2025 年 3 月"]]
    assert additions("2024 年，该基金在 12 个国家核准了 25 个项目。") == []  # 24 is left over: a number flag


def test_stage_without_lm_sets_flags_risk_and_json():
    config = load_config(None, {"stages.check.use_lm": False})
    pair = _pair([["委员会的的报告,说明了情况。"], ["一切正常。"]], None)
    Check(config)(pair)
    types = sorted(f.type for f in pair.zh.flags)
    assert types == ["form", "garbled"]
    assert pair.zh.paragraphs[0].risk > 0 and pair.zh.paragraphs[1].risk == 0
    data = flags_json(pair)
    flag = data["flags"][0]
    para = pair.zh.paragraphs[flag["index"]]
    assert para.text[flag["start"]:flag["end"]] == flag["text"]
    assert {"id", "type", "severity", "paragraph", "start", "end", "text", "message", "evidence"} <= set(flag)


def test_finalise_drops_duplicates_and_respects_min_severity():
    from pipeline.check import Raw

    doc = Document(id="d", language="zh", text="abcdef", paragraphs=[Paragraph(1, None, "abcdef")])
    raw = [Raw("form", "low", 0, 1, 2, "x"), Raw("form", "low", 0, 1, 2, "x"), Raw("number", "high", 0, 3, 4, "y")]
    assert len(finalise(doc, raw, "low")) == 2
    assert [f.type for f in finalise(doc, raw, "medium")] == ["number"]
    doc.flags = finalise(doc, raw, "low")
    set_risk(doc)
    assert 0 < doc.risk <= 1


def test_month_ranges_match_english_month_names():
    zh = num.zh_mentions("2021 年 2 月至 9 月")
    assert [m.key for m in zh] == [("date", 2021, 2, None), ("date", None, 9, None)]
    left, _ = num.unmatched(zh, num.en_mentions("between February and September 2021"))
    assert all(num.date_parts_in(m, "between February and September 2021") for m in left)


def test_word_boundary_doubles_are_not_duplicates():
    # 会员国 + 国家: the two 国 belong to different words
    assert duplicates("各会员国国家报告") == []


def test_numbered_names_are_not_numbers():
    assert num.zh_mentions("2019 冠状病毒病大流行") == []


def test_grade_levels_and_names_with_digits_are_labels_not_numbers():
    """P-5 and Health4Life carry digits but count nothing: they compare as labels, a label the Chinese repeats
    is no error, a different grade is; "two decades" is 20 and "nine out of ten" is 十分之九."""
    assert [m.key for m in num.en_mentions("at the P-3 to D-1 levels")] == [("code", "P-3"), ("code", "D-1")]
    assert [m.key for m in num.zh_mentions("Health4Life 基金收到 1 182 万美元")] == [
        ("code", "Health4Life"), ("number", 11_820_000.0)]
    assert [m.key for m in num.en_mentions("over nearly two decades")] == [("number", 20.0)]
    assert [m.key for m in num.en_mentions("nine out of ten of them")] == [("fraction", 0.9)]
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]
    english = "The share falls to 41.3 per cent at the P-5 level, the grade from which most managers are drawn."

    def flagged(zh: str) -> list[str]:
        pair = _pair([[zh]], [[english]], links)
        return [f.evidence["value"] for f in number_flags(pair.zh, build_links(pair))]

    assert flagged("在 P-5 职等降至 41.3%，而大多数管理人员正是从 P-5 职等中产生的。") == []
    assert flagged("在 P-4 职等降至 41.3%，而大多数管理人员正是从该职等中产生的。") == ["P-4"]
    pair = _pair([["近二十年来，其中十分之九发生在低收入国家。"]],
                 [["Over nearly two decades, nine out of ten of them occurred in low-income countries."]], links)
    assert number_flags(pair.zh, build_links(pair)) == []


def test_a_soft_count_never_takes_the_partner_of_a_written_figure():
    """一名 ("a") and 建议 1 both have the key 1; the English has one figure 1 (recommendation 1) and "a": the
    written figure is matched, the soft count is the one left over (and soft, so it is never reported)."""
    zh = num.zh_mentions("建议行政首长指定一名高级官员（见建议 1）。")
    en = num.en_mentions("designate a senior official (see recommendation 1).")
    left, right = num.unmatched(zh, en)
    assert [(m.text, m.soft) for m in left] == [("一", True)] and right == []
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]
    pair = _pair([["因此，检查专员建议行政首长指定一名对组织复原力负责的高级官员（见建议 1）。"]],
                 [["The Inspectors therefore recommend that executive heads designate a senior official accountable "
                   "for organizational resilience (see recommendation 1)."]], links)
    assert number_flags(pair.zh, build_links(pair)) == []


def test_country_groups_named_by_their_size_are_that_number():
    """G20, G7 and G-77 are 二十国集团, 七国集团 and 77国集团; G-1 to G-7 with a hyphen stay grade levels."""
    assert [m.key for m in num.en_mentions("the G20 and the G7 met; G-77 and China")] == [
        ("number", 20.0), ("number", 7.0), ("number", 77.0)]
    assert [m.key for m in num.zh_mentions("G20 峰会")] == [("number", 20.0)]
    assert [m.key for m in num.en_mentions("posts at the G-5 level")] == [("code", "G-5")]
    links = [Alignment((0,), (0,), 0.9, "paragraph"), Alignment((0,), (0,), 0.9)]

    def flagged(zh: str, en: str) -> list[str]:
        pair = _pair([[zh]], [[en]], links)
        return [f.evidence["value"] for f in number_flags(pair.zh, build_links(pair))]

    assert flagged("二十国集团领导人承诺提供支助。", "The G20 leaders pledged support.") == []
    assert flagged("77国集团和中国发了言。", "Statements were made by the G-77 and China.") == []
    assert flagged("二十国集团领导人承诺提供支助。", "The G7 leaders pledged support.") != []


def test_english_ratios_and_ordinals_are_not_confused_with_fractions():
    assert [m.key for m in num.en_mentions("one in five users")] == [("fraction", 0.2)]
    assert [m.key for m in num.en_mentions("a fourth revision")] == [("number", 4.0)]
