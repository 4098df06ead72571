"""The grounding check on synthetic sentences: what it extracts, what it accepts, what it rejects."""

from __future__ import annotations

from pipeline.summary_ground import attribute, evidence, extract_entities, grounded, merge, overlap, ungrounded
from pipeline.summary_rank import lexical_units

PARA_ZH = ("2008 年 7 月 1 日至 2009 年 6 月 30 日期间维持和平行动的支出总额为 69.873 亿美元，"
           "核定预算为 71.024 亿美元。方案问题高级别委员会审议了第 63/287 号决议和文件 A/64/633，"
           "涉及 1 978 名工作人员和 3 个特派团。")
PARA_EN = ("Total expenditure for the period from 1 July 2008 to 30 June 2009 amounted to $6,987.3 million. "
           "The Nyabo River Basin Authority reviewed resolution 63/287.")


def kinds(text: str, language: str) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in extract_entities(text, language)]


def test_extracts_dates_symbols_numbers_bodies_and_titles_in_chinese():
    found = kinds("方案问题高级别委员会于 2007 年 4 月 3 日审议了第 63/287 号决议、E/2007/100 和"
                  "《布鲁塞尔行动纲领》，涉及 1 978 名工作人员、71.024 亿美元和 15%。", "zh")
    assert ("body", "方案问题高级别委员会") in found
    assert ("date", "2007 年 4 月 3 日") in found
    assert ("symbol", "63/287") in found and ("symbol", "E/2007/100") in found
    assert ("title", "《布鲁塞尔行动纲领》") in found
    assert ("number", "1 978") in found and ("number", "71.024 亿") in found and ("number", "15%") in found
    assert not any(k == "number" and t in ("2007", "4", "3", "63") for k, t in found)  # inside a date/symbol


def test_extracts_english_bodies_acronyms_and_shaped_names():
    found = kinds("The Chief Executives Board (CEB) and the Nyabo River Basin Authority met on 2 July 2007.", "en")
    assert ("body", "Chief Executives Board") in found and ("body", "CEB") in found
    assert ("body", "Nyabo River Basin Authority") in found
    assert ("date", "2 July 2007") in found


def test_chinese_sentence_supported_by_its_paragraph():
    ev = evidence(PARA_ZH, "zh")
    sentence = "方案问题高级别委员会审议了第 63/287 号决议，涉及 1 978 名工作人员。"
    assert ungrounded(extract_entities(sentence, "zh"), ev) == []


def test_a_changed_number_fails():
    ev = evidence(PARA_ZH, "zh")
    bad = extract_entities("维持和平行动的支出总额为 69.837 亿美元。", "zh")
    assert [e.text for e in ungrounded(bad, ev)] == ["69.837 亿"]


def test_a_swapped_body_fails_even_though_it_is_a_known_body():
    ev = evidence(PARA_ZH, "zh")
    bad = extract_entities("管理问题高级别委员会审议了该决议。", "zh")
    assert [e.text for e in ungrounded(bad, ev)] == ["管理问题高级别委员会"]


def test_an_invented_shaped_body_and_a_wrong_date_fail():
    ev = evidence(PARA_ZH, "zh")
    assert ungrounded(extract_entities("尼亚博河流域管理委员会提交了报告。", "zh"), ev)
    assert ungrounded(extract_entities("该期间始于 2008 年 8 月 1 日。", "zh"), ev)
    assert not ungrounded(extract_entities("该期间始于 2008 年 7 月 1 日。", "zh"), ev)


def test_numbers_match_across_scales_and_languages():
    ev_zh = evidence(PARA_ZH, "zh")
    en = extract_entities("Expenditure was $6,987.3 million for the period to 30 June 2009; 1,978 staff; "
                          "three missions.", "en")
    assert ungrounded(en, ev_zh) == []
    wrong = extract_entities("Expenditure was $6,897.3 million.", "en")
    assert len(ungrounded(wrong, ev_zh)) == 1


def test_listed_bodies_match_across_languages_but_unlisted_names_cannot_be_verified():
    ev_zh = evidence(PARA_ZH, "zh")
    assert not ungrounded(extract_entities("The High-Level Committee on Programmes reviewed it.", "en"), ev_zh)
    assert ungrounded(extract_entities("The High-Level Committee on Management reviewed it.", "en"), ev_zh)
    assert ungrounded(extract_entities("The Council of the Parties to the System reviewed it.", "en"), ev_zh)
    # a listed name inside an unlisted one ("UN") does not make the longer name checkable
    ev_un = evidence("联合国系统的方案问题高级别委员会开会。", "zh")
    assert not ungrounded(extract_entities("The UN system met.", "en"), ev_un)
    assert [e.text for e in ungrounded(extract_entities("The Advanced Level Committee of the UN System met.", "en"),
                                       ev_un)] == ["Advanced Level Committee of the UN System"]
    ev_en = evidence(PARA_EN, "en")
    assert not ungrounded(extract_entities("The Nyabo River Basin Authority reviewed it.", "en"), ev_en)


def test_digits_inside_a_symbol_do_not_support_a_number():
    ev = evidence("在 2006/07 年期间，协调会审议了第 63/287 号决议。", "zh")
    assert not ungrounded(extract_entities("2006/07 年期间审议了第 63/287 号决议。", "zh"), ev)
    assert [e.text for e in ungrounded(extract_entities("在 2006 年期间审议了该决议。", "zh"), ev)] == ["2006"]


def test_date_in_a_range_is_supported_by_its_parts():
    ev = evidence("会议于 2007 年 7 月 2 日至 27 日举行。", "zh")
    date = extract_entities("The session ended on 27 July 2007.", "en")
    assert [e.kind for e in date] == ["date"]
    assert grounded(date[0], ev)


def test_merge_combines_evidence():
    a, b = evidence("2009 年，11 个国家。", "zh"), evidence("联合国开发计划署（开发署）", "zh")
    sentence = extract_entities("开发署支持了 11 个国家。", "zh")
    assert ungrounded(sentence, a) and ungrounded(sentence, b)
    assert not ungrounded(sentence, merge([a, b]))


def test_attribute_cites_the_best_paragraph_and_adds_one_for_an_entity_it_lacks():
    paras = {0: "开发署支持 11 个国家制定水安全计划。", 1: "环境署绘制了 40 个环礁的地下水图。",
             2: "资金仍然是主要障碍。"}
    evs = {k: evidence(v, "zh") for k, v in paras.items()}
    sentence = "开发署支持各国制定水安全计划，并绘制了 40 个环礁的图。"
    units = lexical_units(sentence, "zh")
    overlaps = {k: overlap(units, set(lexical_units(v, "zh"))) for k, v in paras.items()}
    cited, missing = attribute(extract_entities(sentence, "zh"), list(paras), evs, overlaps)
    assert cited == [0, 1] and missing == []
    cited, missing = attribute(extract_entities("开发署支持了 12 个国家。", "zh"), list(paras), evs, overlaps)
    assert [e.text for e in missing] == ["12"]
    assert attribute([], [], {}, {}) == ([], [])
