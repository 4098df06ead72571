"""The summarize stage without models: the default extractive method (TF-IDF centrality), the English side
through the alignment, the outputs, and the abstractive and translation paths driven by a scripted
generator, so the grounding check's drops and regenerations can be observed."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest

from benchmarks.summarize import fixture_pair, fixture_reports, load_fixtures
from pipeline.cli import main
from pipeline.config import ConfigError, SummarizeConfig, load_config
from pipeline.document import Alignment, DocumentPair, Summary
from pipeline.summarize import Summarize, map_paragraphs, summaries_json, summaries_markdown, verify, write_summaries
from pipeline.summary_methods import (
    Abstractive,
    Budget,
    DocText,
    Draft,
    Extractive,
    estimate_tokens,
    parse_generated,
    parse_numbered,
    scopes,
    translate_draft,
)
from pipeline.summary_rank import text_length
from tests.conftest import EXAMPLE, SEGMENT_DATA

CITATION_ZH = re.compile(r"（(?:附件)?第 [\d–、]+ 段）")
CITATION_EN = re.compile(r"\((?:annex, )?paras?\. [\d–, ]+\)")


def config(**summarize):
    base = load_config()
    return dataclasses.replace(base, stages=dataclasses.replace(base.stages, summarize=SummarizeConfig(**summarize)))


@pytest.fixture(scope="module")
def example_pair():
    from pipeline.runner import process_pair

    pair = process_pair(EXAMPLE, load_config(), stages=["ingest", "segment"])
    return Summarize(config())(pair)


# -- the default stage on the example ------------------------------------------------------------------


def test_every_heading_with_paragraphs_gets_a_summary_and_the_executive_comes_first(example_pair):
    zh = [s for s in example_pair.zh.summaries if s.language == "zh"]
    with_paragraphs = {s.id for s in example_pair.zh.sections if s.paragraphs}
    assert zh[0].section is None and zh[0].kind == "executive"
    assert {s.section for s in zh[1:]} == with_paragraphs
    assert all(s.method == "extractive" for s in zh)
    assert not any(s.language == "en" for s in example_pair.zh.summaries)  # no original, translation off


def test_every_sentence_is_verbatim_from_a_cited_paragraph_of_its_section(example_pair):
    doc = example_pair.zh
    sections = {sc.section: set(sc.paragraphs) for sc in scopes(doc)}
    for summary in doc.summaries:
        assert len(summary.sentences) == len(summary.citations) == len(summary.checked)
        assert summary.text.count("（第") == len(summary.sentences)
        for sentence, cited in zip(summary.sentences, summary.citations, strict=True):
            assert cited and set(cited) <= sections[summary.section]
            assert any(sentence.replace(" ", "") in doc.paragraphs[i].text.replace(" ", "").replace("\n", "")
                       for i in cited)
        assert all(verify(summary, doc))


def test_executive_summary_length_is_within_the_configured_range(example_pair):
    executive = example_pair.zh.summaries[0]
    length = sum(text_length(s, "zh") for s in executive.sentences)
    settings = SummarizeConfig()
    assert settings.executive_min_chars_zh <= length <= settings.executive_max_chars_zh
    assert CITATION_ZH.findall(executive.text)


def test_the_documents_own_summary_is_never_an_input(example_pair):
    """Replacing the 摘要 block (here with sentences copied from the body, which would be picked if it
    were read) leaves every summary unchanged."""
    from pipeline.runner import process_pair

    pair = process_pair(EXAMPLE, load_config(), stages=["ingest", "segment"])
    first_body_sentence = pair.zh.paragraphs[40].sentences[0].text
    for para in pair.zh.summary:
        para.text = first_body_sentence * 3
    Summarize(config())(pair)
    assert [s.text for s in pair.zh.summaries] == [s.text for s in example_pair.zh.summaries]


def test_summarize_is_deterministic(example_pair):
    again = copy.deepcopy(example_pair)
    Summarize(config())(again)
    assert [s.text for s in again.zh.summaries] == [s.text for s in example_pair.zh.summaries]


# -- the English original --------------------------------------------------------------------------------


def test_map_paragraphs_through_alignment_offsets():
    links = [Alignment((0,), (0,), 1.0, "paragraph"),  # summary block
             Alignment((2,), (2, 3), 0.9, "paragraph"),  # zh body 0 ↔ en body 0-1 (offset 2 each side)
             Alignment((3,), (4,), 0.9, "paragraph"),
             Alignment((2,), (9,), 0.9, "sentence")]  # sentence links are ignored
    assert map_paragraphs(links, [0], 2, 2) == [0, 1]
    assert map_paragraphs(links, [0, 1], 2, 2) == [0, 1, 2]
    assert map_paragraphs(links, [5], 2, 2) == []


def test_english_scopes_without_alignment_fall_back_to_heading_ids_then_numbers():
    from pipeline.summarize import english_scopes

    fx = load_fixtures()[1]
    pair = fixture_pair(fx)
    pair.alignments = []
    zh_scopes = scopes(pair.zh)
    by_id = {sc.section: sc for sc in english_scopes(pair, zh_scopes)}
    assert by_id[pair.zh.sections[0].id].paragraphs == list(range(len(pair.en.paragraphs)))
    pair.en.sections[0].id = "X"  # headings no longer correspond: paragraph numbers decide
    for p in pair.en.paragraphs[:2]:
        p.number = 900 + p.number
    by_id = {sc.section: sc for sc in english_scopes(pair, zh_scopes)}
    assert by_id[pair.zh.sections[0].id].paragraphs == list(range(2, len(pair.en.paragraphs)))


def test_scopes_parts_and_grouped_lead_ranks(example_pair):
    doc = example_pair.zh
    executive, *sections = scopes(doc, grouped=True)
    assert executive.section is None and executive.kind == "executive"
    first_of_chapter_three = next(i for i, p in enumerate(doc.paragraphs) if p.number == 42)
    assert executive.part(first_of_chapter_three) == "III" and executive.rank(first_of_chapter_three) == 0
    assert scopes(doc, grouped=False)[0].rank(first_of_chapter_three) == first_of_chapter_three
    chapter_two = next(sc for sc in sections if sc.section == "II")
    p11 = next(i for i, p in enumerate(doc.paragraphs) if p.number == 11)
    assert chapter_two.part(p11) == "II.A" and chapter_two.rank(p11) == 0
    assert chapter_two.children == ["II.A", "II.B", "II.C", "II.D", "II.E", "II.F"]


def test_english_summaries_come_from_the_english_paragraphs_of_each_section():
    fx = load_fixtures()[0]
    pair = Summarize(config())(fixture_pair(fx))
    en = [s for s in pair.zh.summaries if s.language == "en"]
    assert {s.section for s in en} == {None, pair.zh.sections[0].id}
    for summary in en:
        assert not summary.machine_translated
        assert len(CITATION_EN.findall(summary.text)) == len(summary.sentences)
        for sentence, cited in zip(summary.sentences, summary.citations, strict=True):
            assert any(sentence in pair.en.paragraphs[i].text for i in cited)
        assert all(verify(summary, pair.en))


def test_segment_fixture_pair_with_real_alignment_ids(fixture_docs):
    zh, _ = fixture_docs["zh_report"]
    en, _ = fixture_docs["en_report"]
    pair = DocumentPair(copy.deepcopy(zh), copy.deepcopy(en))
    offset = len(zh.summary)
    pair.alignments = [Alignment((offset + i,), (len(en.summary) + i,), 1.0, "paragraph")
                       for i in range(len(zh.paragraphs))]
    Summarize(config())(pair)
    by_key = {(s.section, s.language): s for s in pair.zh.summaries}
    for sec in zh.sections:
        assert (sec.id, "zh") in by_key and (sec.id, "en") in by_key
        en_numbers = set(by_key[(sec.id, "en")].paragraphs)
        assert en_numbers <= set(sec.paragraphs)


# -- outputs -------------------------------------------------------------------------------------------


def test_write_summaries_json_and_markdown(tmp_path, example_pair):
    paths = write_summaries(example_pair, tmp_path)
    assert [p.name for p in paths] == ["summaries.json", "summaries.md"]
    data = json.loads((tmp_path / "summaries.json").read_text(encoding="utf-8"))
    assert data["reference_summary_used_as_input"] is False
    assert data["grounding"]["share"] == 1.0
    assert data["executive"]["zh"]["sentences"][0]["citation"].startswith("（第")
    assert [e["id"] for e in data["sections"]] == [s.id for s in example_pair.zh.sections if s.paragraphs]
    md = (tmp_path / "summaries.md").read_text(encoding="utf-8")
    assert "## 执行摘要 Executive summary" in md and "#### II.A" in md
    assert not list(tmp_path.glob(".*.tmp"))


def test_verify_catches_a_tampered_summary(example_pair):
    summary = copy.deepcopy(next(s for s in example_pair.zh.summaries if any(re.search(r"\d{4}", x)
                                                                             for x in s.sentences)))
    k = next(i for i, x in enumerate(summary.sentences) if re.search(r"\d{4}", x))
    summary.sentences[k] = re.sub(r"\d{4}", "1899", summary.sentences[k], count=1)
    checks = verify(summary, example_pair.zh)
    assert checks[k] is False and sum(checks) == len(checks) - 1
    data = summaries_json(DocumentPair(example_pair.zh, None))
    assert "grounding" in data and summaries_markdown(data).startswith("# 摘要")


def test_cli_summarize_writes_summaries(tmp_path):
    rc = main(["-q", "summarize", str(SEGMENT_DATA / "zh_noisy.txt"), "-o", str(tmp_path)])
    assert rc == 0
    out = next(tmp_path.iterdir())
    data = json.loads((out / "summaries.json").read_text(encoding="utf-8"))
    assert data["executive"]["zh"]["text"]
    annex = [e for e in data["sections"] if e["id"] == "Annex"]
    assert annex and "附件第" in annex[0]["zh"]["text"]
    assert not any("附件" in s["citation"] for s in data["executive"]["zh"]["sentences"])  # body only


# -- config --------------------------------------------------------------------------------------------


def test_config_validation():
    with pytest.raises(ConfigError, match="method"):
        SummarizeConfig(method="magic")
    with pytest.raises(ConfigError, match="executive"):
        SummarizeConfig(executive_min_chars_zh=300)
    with pytest.raises(ConfigError, match="section_sentences"):
        SummarizeConfig(section_sentences=0)
    with pytest.raises(ConfigError, match="similarity"):
        SummarizeConfig(similarity="bm25")
    assert load_config(overrides={"stages.summarize.method": "abstractive"}).stages.summarize.method == "abstractive"


# -- the Generator paths, with a scripted generator ----------------------------------------------------


class ScriptedGenerator:
    """Answers prompts from a list, in order; records what it was asked."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []
        self.limits: list[int] = []

    def generate(self, messages, max_new_tokens=256):
        self.prompts.append(messages[-1]["content"])
        self.limits.append(max_new_tokens)
        return self.answers.pop(0) if self.answers else ""


def water_scope():
    fx = next(f for f in load_fixtures() if f["id"] == "water")
    pair = fixture_pair(fx, english=False)
    dt = DocText(pair.zh)
    dt.embed(None, [])
    scope = next(sc for sc in scopes(pair.zh) if sc.section is not None)
    return dt, scope


def test_abstractive_keeps_grounded_sentences_and_drops_an_invented_number():
    dt, scope = water_scope()
    generator = ScriptedGenerator([
        "1. 开发署支持 11 个国家制定了国家水安全计划。\n2. 太平洋区域有 350 万人无法获得改良水源。",
        "太平洋区域估计有 120 万人无法获得改良水源。",
    ])
    method = Abstractive(generator, SummarizeConfig(method="abstractive"), Extractive(SummarizeConfig()), 200, 4096)
    draft = method.summarize(dt, scope, Budget(3, 320, 320))
    # the sentence with an invented figure is dropped; the regenerated, grounded one takes its place
    assert draft.sentences == ["开发署支持 11 个国家制定了国家水安全计划。",
                               "太平洋区域估计有 120 万人无法获得改良水源。"]
    assert draft.citations == [[1], [0]]  # paragraphs 15 and 14 (positions in the section)
    assert (draft.generated, draft.failed, draft.dropped, draft.regenerated) == (3, 1, 0, 1)
    assert "350" in generator.prompts[1] and "[14]" in generator.prompts[0]


def test_abstractive_falls_back_to_extractive_when_nothing_passes():
    dt, scope = water_scope()
    generator = ScriptedGenerator(["世界银行提供了 99 亿美元。", "This is not Chinese at all."])
    method = Abstractive(generator, SummarizeConfig(method="abstractive"), Extractive(SummarizeConfig()), 200, 4096)
    draft = method.summarize(dt, scope, Budget(2, 320, 320))
    assert draft.method == "extractive-fallback"
    assert draft.sentences and draft.failed == 1 and draft.regenerated == 1


def test_abstractive_long_input_is_summarised_in_chunks_within_the_budget():
    dt, scope = water_scope()
    generator = ScriptedGenerator(["开发署支持 11 个国家制定了国家水安全计划。"] * 10)
    method = Abstractive(generator, SummarizeConfig(method="abstractive", chunk_tokens=120),
                         Extractive(SummarizeConfig()), 200, 4096)
    method.summarize(dt, scope, Budget(3, 320, 320))
    assert len(generator.prompts) > 2  # chunks, then their summaries
    for prompt in generator.prompts:
        text = prompt.split("原文：\n", 1)[1]
        assert estimate_tokens(text) <= 120


def test_translation_keeps_faithful_sentences_and_drops_unverifiable_ones():
    dt, _ = water_scope()
    zh = Draft(["开发署支持 11 个国家制定了国家水安全计划。", "太平洋区域估计有 120 万人无法获得改良水源。"],
               [[1], [0]])
    generator = ScriptedGenerator([
        "1. UNDP supported water safety plans in 11 countries.\n2. About 1.5 million people lacked water.",
        "1. An estimated 2 million people in the Pacific lacked an improved water source.",
    ])
    out = translate_draft(generator, zh, dt, 256, retries=1)
    assert out.sentences == ["UNDP supported water safety plans in 11 countries."]
    assert out.citations == [[1]]
    assert (out.failed, out.dropped, out.regenerated) == (2, 1, 1)


def test_translation_similarity_check_rejects_a_translation_of_something_else():
    dt, _ = water_scope()
    zh = Draft(["开发署支持 11 个国家制定了国家水安全计划。"], [[1]])
    generator = ScriptedGenerator(["1. UNDP supported plans in 11 countries.", "1. UNDP helped 11 countries."])
    out = translate_draft(generator, zh, dt, 256, 1, similarity=lambda a, b: 0.1, min_similarity=0.45)
    assert out.sentences == [] and out.dropped == 1
    out = translate_draft(ScriptedGenerator(["1. UNDP supported plans in 11 countries."]), zh, dt, 256, 1,
                          similarity=lambda a, b: 0.8, min_similarity=0.45)
    assert out.sentences == ["UNDP supported plans in 11 countries."]


class EchoTranslator:
    """Translates every numbered line to a sentence that names nothing (so it passes the check)."""

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, messages, max_new_tokens=256):
        self.calls += 1
        lines = [ln for ln in messages[-1]["content"].splitlines() if re.match(r"\d+\. ", ln)]
        return "\n".join(f"{k}. The text of this sentence is rendered in English." for k in range(1, len(lines) + 1))


def test_machine_translated_summaries_are_marked(monkeypatch):
    fx = next(f for f in load_fixtures() if f["id"] == "water")
    pair = fixture_pair(fx, english=False)
    stage = Summarize(config(translate_missing_english=True, min_translation_similarity=0.0))
    generator = EchoTranslator()
    monkeypatch.setattr(stage, "_generator", lambda: generator)
    stage(pair)
    zh_exec = next(s for s in pair.zh.summaries if s.section is None and s.language == "zh")
    mt = [s for s in pair.zh.summaries if s.machine_translated]
    assert [s.section for s in mt] == [None] and generator.calls == 1
    assert mt[0].language == "en" and mt[0].method == "extractive+translated"
    assert mt[0].citations == zh_exec.citations
    assert len(CITATION_EN.findall(mt[0].text)) == len(zh_exec.sentences)
    assert summaries_json(pair)["executive"]["en"]["machine_translated"] is True


def test_parse_generated_strips_markers_citations_and_wrong_language():
    text = "1. 开发署支持了 11 个国家。（第 15 段）\n- [16] 环境署绘制了地下水图。\nThis line is English.\n\n2. 短。"
    assert parse_generated(text, "zh", 5) == ["开发署支持了 11 个国家。", "环境署绘制了地下水图。"]


def test_parse_numbered_needs_every_line():
    assert parse_numbered("1. A.\n2. B.", 2) == ["A.", "B."]
    assert parse_numbered("1. A.", 2) is None


def test_fixture_reports_have_summary_blocks_and_numbered_chapters():
    _name, pair = fixture_reports()[0]
    assert len(pair.zh.summary) == 4 and len(pair.zh.sections) == 4
    assert [p.number for p in pair.zh.paragraphs] == list(range(1, len(pair.zh.paragraphs) + 1))
    Summarize(config())(pair)
    assert any(s.section is None and s.language == "en" for s in pair.zh.summaries)


def test_summary_dataclass_round_trips():
    s = Summary("II", "zh", "文本。（第 1 段）", "extractive", [1], False, "section", ["文本。"], [[0]], [["1"]])
    from pipeline.document import from_dict, to_dict

    assert from_dict(Summary, to_dict(s)) == s
