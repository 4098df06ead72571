"""Reviewer report: model-free tests on synthetic pairs (flags and summaries made here), the real example
through ingest+segment, and one test in headless Chromium (marked ``browser``)."""

from __future__ import annotations

import itertools
import random
import re
import struct
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from pipeline.config import Config, ReportConfig, StagesConfig, load_config
from pipeline.document import (
    Alignment,
    Document,
    DocumentPair,
    Flag,
    Meta,
    Paragraph,
    Section,
    Sentence,
    StructureFinding,
    Summary,
)
from pipeline.report import (
    Report,
    build_view,
    md_escape,
    rank_paragraphs,
    render_html,
    render_markdown,
    segment_text,
    write_report,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "000_6b377cc800ff2fee.txt"
CHROMIUM = Path("/usr/bin/chromium")
EVIL = "<script>alert(1)</script>"


# -- synthetic pairs ---------------------------------------------------------------------------------------


def para(number: int | None, section: str | None, sentences: list[str], joiner: str = "", risk: float = 0.0,
         ) -> Paragraph:
    """A paragraph whose sentence offsets are computed from the sentence texts."""
    text, sents = "", []
    for sent in sentences:
        if text:
            text += joiner
        sents.append(Sentence(sent, len(text), len(text) + len(sent)))
        text += sent
    return Paragraph(number, section, text, sentences=sents, risk=risk)


def flag_at(doc: Document, fid: str, type_: str, severity: str, index: int | None, needle: str | None,
            message: str, number: int | None = None, width: int | None = None, **kw) -> Flag:
    """A flag on the first occurrence of ``needle`` in paragraph ``index`` (zero-width when width == 0)."""
    if index is None:
        return Flag(fid, type_, severity, number, (0, 0), needle or "", message, index=None, **kw)
    text = doc.paragraphs[index].text
    start = text.index(needle) if needle else 0
    end = start + (len(needle) if width is None else width)
    number = doc.paragraphs[index].number if number is None else number
    return Flag(fid, type_, severity, number, (start, end), text[start:end], message, index=index, **kw)


def make_pair() -> DocumentPair:
    zh = Document("zh-test", "zh", "", meta=Meta(title="测试报告：预算与方案", symbols=["A/00/000"], date="2021-05-01",
                                                  language="zh", original_language="en"))
    zh.sections = [Section("I", 1, "chapter", "一.", "导言", paragraphs=[1, 2]),
                   Section("I.A", 2, "section", "A.", "预算", parent="I", paragraphs=[2]),
                   Section("II", 1, "chapter", "二.", "附件说明")]
    zh.summary = [para(None, "summary", ["本报告概述了秘书处的工作进展。"])]
    zh.paragraphs = [
        para(1, "I", ["大会于2021年审议了本项目。", "各成员国同意将预算增加15%。"], risk=0.8),
        para(2, "I.A", ["秘书处应在六个月内提交报告。", "报告应包括执行情况和经费问题。"], risk=0.5),
        para(None, "II", ["附件列出了参加会议的代表团名单。"], risk=0.1),
    ]
    zh.risk = 0.62
    zh.stages = ["ingest", "segment", "align", "check", "summarize", "report"]
    p1 = zh.paragraphs[0].text
    cross = p1.index("本项目")
    zh.flags = [
        flag_at(zh, "num-1", "number", "high", 0, "15%", "15% in Chinese, 50 per cent in English",
                suggestion="50%", evidence={"zh": "15%", "en": "50 per cent"}),
        # crosses the sentence boundary, and overlaps the next one
        Flag("term-1", "terminology", "medium", 1, (cross, p1.index("同意")), p1[cross:p1.index("同意")],
             "term not in the glossary", index=0),
        flag_at(zh, "garb-1", "garbled", "low", 0, "各成员国同意将", "unusual character sequence"),
        flag_at(zh, "omit-1", "omission", "high", 1, "报告。", "English sentence has no counterpart here", width=0),
        flag_at(zh, "form-1", "form", "low", 2, "代表团", "full-width punctuation expected"),
        Flag("name-1", "name", "medium", 2, (0, 3), "秘书处", "name differs from the English", index=None),
        Flag("lost-1", "number", "low", 99, (0, 2), "99", "refers to a paragraph the document lacks"),
    ]
    zh.summaries = [
        Summary(None, "zh", "秘书处报告了预算和方案进展。", "extractive", paragraphs=[1, 2]),
        Summary(None, "en", "The secretariat reported on budget and programme progress.", "extractive",
                paragraphs=[1]),
        Summary("I", "zh", "导言部分讨论了预算。", "extractive", paragraphs=[1]),
        Summary("I", "en", "The introduction discusses the budget.", "abstractive", machine_translated=True),
        Summary("I.A", "zh", "预算章节要求提交报告。", "extractive", paragraphs=[2]),
        Summary("X.9", "zh", "未知章节的摘要。", "extractive"),
    ]
    zh.structure_findings = [StructureFinding("numbering_gap", "low", "paragraph 2 follows 1 as expected; test note",
                                              paragraph=2)]
    en = Document("en-test", "en", "", meta=Meta(title="Test report", language="en"))
    en.sections = [Section("I", 1, "chapter", "I.", "Introduction"), Section("I.A", 2, "section", "A.", "Budget")]
    en.summary = [para(None, "summary", ["This report outlines the progress of the secretariat's work."], " ")]
    en.paragraphs = [
        para(1, "I", ["The Assembly considered the item in 2021.",
                      "Member States agreed to increase the budget by 50 per cent."], " "),
        para(2, "I.A", ["The secretariat should submit a report within six months.",
                        "The report should cover implementation and financing."], " "),
        para(3, "II", ["The list of delegations is annexed."], " "),
        para(4, "II", ["This paragraph has no Chinese counterpart."], " "),
    ]
    pair = DocumentPair(zh, en)
    pair.alignments = [
        Alignment((0,), (0,), 0.9, "paragraph"), Alignment((1,), (1,), 0.8, "paragraph"),
        Alignment((2,), (2,), 0.85, "paragraph"), Alignment((3,), (3,), 0.6, "paragraph"),
        Alignment((), (4,), 0.0, "paragraph"),
        Alignment((0,), (0,), 0.91, "sentence"), Alignment((1,), (1,), 0.88, "sentence"),
        Alignment((2,), (2,), 0.7, "sentence"), Alignment((3,), (3,), 0.83, "sentence"),
        Alignment((4,), (4,), 0.8, "sentence"), Alignment((5,), (5,), 0.4, "sentence"),
        Alignment((), (6,), 0.0, "sentence"),
    ]
    pair.structure_findings = [StructureFinding("extra_paragraph", "medium", "English paragraph 4 has no Chinese "
                                                "counterpart")]
    return pair


def make_evil_pair() -> DocumentPair:
    """A document whose every text field tries to break out of the page."""
    zh = Document("evil\"'<>", "zh", "", meta=Meta(title="<img src=x onerror=alert(2)>报告 &amp; 附件"))
    zh.sections = [Section("I", 1, "chapter", "一.", "标题\"><script>alert(5)</script>")]
    zh.paragraphs = [para(1, "I", [f"警告{EVIL}与 &amp; 以及 <b>粗体</b>。", "第二句 *强调* [链接](x) | 竖线。"])]
    text = zh.paragraphs[0].text
    start = text.index("<script>")
    zh.flags = [Flag("x\" onmouseover=\"alert(4)", "<i>type</i>", "high", 1, (start, start + len(EVIL)), EVIL,
                     "<b>message</b> &amp;", suggestion="</li><script>alert(3)</script>",
                     evidence={"<k>": "<v>"}, index=0)]
    zh.summaries = [Summary(None, "zh", "摘要 <script>alert(6)</script> &lt;", "extractive")]
    zh.stages = ["ingest", "segment", "check", "summarize", "report"]
    return DocumentPair(zh)


class _Tree(HTMLParser):
    """Collects, for each element with an id, its text, and every <mark> with the id of its paragraph."""

    VOID: ClassVar[set[str]] = {"meta", "link", "input", "br", "img", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.marks: list[dict] = []
        self.scripts = 0
        self.texts: dict[str, str] = {}
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action", "formaction")]
        if tag == "script":
            self.scripts += 1
        if tag in self.VOID:
            return
        if tag == "mark":
            para_id = next((s[1].get("id") for s in reversed(self.stack) if "para" in (s[1].get("class") or "")), None)
            self.marks.append({"para": para_id, "flags": a.get("data-flags", "").split(), "text": "",
                               "caret": "caret" in (a.get("class") or "")})
        self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, a in self.stack:
            if a.get("id"):
                self.texts[a["id"]] = self.texts.get(a["id"], "") + data
        if self.stack and self.stack[-1][0] == "mark":
            self.marks[-1]["text"] += data


def parse(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    return tree


# -- pure helpers ------------------------------------------------------------------------------------------


def test_segment_text_gives_each_piece_exactly_the_spans_covering_it():
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(0, 30)
        text = "".join(rng.choice("甲乙丙丁。") for _ in range(n))
        cuts = sorted(rng.sample(range(n + 1), k=min(n + 1, rng.randint(1, 4))))
        sentences = [(a, b) for a, b in itertools.pairwise(cuts) if a < b]
        spans = []
        for k in range(rng.randint(0, 5)):
            a, b = rng.randint(-2, n + 2), rng.randint(-2, n + 2)
            spans.append((a, b, k))
        runs = segment_text(text, sentences, spans)
        pieces = [p for _, ps in runs for p in ps]
        assert "".join(t for t, _, _ in pieces) == text
        pos = 0
        for t, keys, caret in pieces:
            if caret:
                assert t == "" and len(keys) == 1
                continue
            for c in range(pos, pos + len(t)):
                expected = {k for a, b, k in spans if min(max(min(a, b), 0), n) <= c < min(max(a, b), n)}
                assert set(keys) == expected, (text, spans, c)
            pos += len(t)
        zero = [k for a, b, k in spans if min(max(a, 0), n) == min(max(b, 0), n)]
        assert sorted(k for _, ks, caret in pieces if caret for k in ks) == sorted(zero)
        # every character sits in the run of the sentence that holds it (None: between sentences)
        pos = 0
        for who, ps in runs:
            for t, _, _ in ps:
                for c in range(pos, pos + len(t)):
                    assert who == next((k for k, (a, b) in enumerate(sentences) if a <= c < b), None)
                pos += len(t)
        owners = [who for who, _ in runs]
        assert all(a != b for a, b in itertools.pairwise(owners))


def test_segment_text_splits_a_flag_that_crosses_a_sentence_boundary():
    runs = segment_text("ABCDEF", [(0, 3), (3, 6)], [(2, 5, "x"), (1, 2, "y"), (2, 2, "z")])
    assert [(who, [(t, k, c) for t, k, c in ps]) for who, ps in runs] == [
        (0, [("A", [], False), ("B", ["y"], False), ("", ["z"], True), ("C", ["x"], False)]),
        (1, [("DE", ["x"], False), ("F", [], False)]),
    ]


def test_md_escape_makes_markup_inert():
    assert md_escape(EVIL) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md_escape("&amp;") == "&amp;amp;"
    assert md_escape("*a* _b_ `c` [d](e) |f| \\") == r"\*a\* \_b\_ \`c\` \[d\](e) \|f\| \\"
    assert md_escape("# title") == r"\# title"
    assert md_escape("12. item") == r"12\. item"
    assert md_escape("12.5 per cent") == "12.5 per cent"
    assert md_escape("two\nlines") == "two lines"
    assert md_escape(None) == ""


def test_rank_paragraphs_orders_by_risk_then_high_flags_and_skips_clean_paragraphs():
    pair = make_pair()
    zh = pair.zh
    zh.paragraphs.append(para(4, "II", ["无问题的段落。"]))  # no risk, no flags: left out
    view = build_view(pair)
    ranked = rank_paragraphs(zh, view.flags, 10)
    assert [i for i, _, _ in ranked] == [0, 1, 2]
    assert [len(f) for _, _, f in ranked] == [3, 2, 1]
    assert rank_paragraphs(zh, view.flags, 2) == ranked[:2]
    # equal risk: more high flags first, then more medium flags, then more flags, then document order
    for p in zh.paragraphs[:3]:
        p.risk = 0.3
    ranked = rank_paragraphs(zh, build_view(pair).flags, 10)
    assert [i for i, _, _ in ranked] == [0, 1, 2]  # p1, p2: 1 high, 1 medium each; p1 has 3 flags, p2 2
    zh.flags.append(flag_at(zh, "num-2", "number", "high", 1, "六个月", "six months"))
    ranked = rank_paragraphs(zh, build_view(pair).flags, 10)
    assert [i for i, _, _ in ranked] == [1, 0, 2]
    zh.paragraphs[0].risk = 0.0
    zh.flags = [f for f in zh.flags if f.index != 0]
    assert 0 not in [i for i, _, _ in rank_paragraphs(zh, build_view(pair).flags, 10)]


# -- the view and the HTML ---------------------------------------------------------------------------------


def test_counts_match_the_flags():
    pair = make_pair()
    view = build_view(pair)
    expected = Counter((f.type, f.severity) for f in pair.zh.flags)
    assert dict(view.types) == dict(Counter(f.type for f in pair.zh.flags))
    severities = [s for s, _ in view.severities]
    assert severities[:3] == ["high", "medium", "low"]
    for type_, cells, total in view.matrix:
        assert cells == [expected.get((type_, s), 0) for s in severities]
        assert total == sum(cells)
    html = parse(render_html(pair))
    assert re.sub(r"\s+", " ", html.texts["flag-total"]).strip().startswith(
        f"Flags {len(pair.zh.flags)} in 3 paragraphs")


def test_flags_are_marked_inside_their_own_paragraph():
    pair = make_pair()
    tree = parse(render_html(pair))
    view = build_view(pair)
    key_of = {fv.flag.id: fv.key for fv in view.flags}
    marked: dict[str, list[dict]] = {}
    for mark in tree.marks:
        for key in mark["flags"]:
            marked.setdefault(key, []).append(mark)
    for flag in pair.zh.flags:
        key = key_of[flag.id]
        if flag.id == "lost-1":  # names no paragraph: listed apart, not marked
            assert key not in marked
            assert flag.message in tree.texts["unplaced"]
            continue
        index = flag.index if flag.index is not None else 1
        assert {m["para"] for m in marked[key]} == {f"p{index + 1}"}, flag.id
        if flag.span[0] == flag.span[1]:
            assert [m["caret"] for m in marked[key]] == [True]
        else:
            assert "".join(m["text"] for m in marked[key]) == flag.text, flag.id
    # overlapping flags share the overlapping piece; the crossing flag is split at the sentence boundary
    shared = [m for m in tree.marks if {key_of["term-1"], key_of["garb-1"]} <= set(m["flags"])]
    assert [m["text"] for m in shared] == ["各成员国"]
    # term-1 crosses the sentence boundary, where garb-1 begins: one piece in each sentence
    assert [m["text"] for m in marked[key_of["term-1"]]] == ["本项目。", "各成员国"]


def test_rows_follow_the_alignment_and_keep_english_only_paragraphs():
    view = build_view(make_pair())
    rows = [e for e in view.entries if e.kind == "row"]
    assert [([p.anchor for p in r.zh], [p.anchor for p in r.en]) for r in rows] == [
        (["s1"], ["se1"]), (["p1"], ["pe1"]), (["p2"], ["pe2"]), (["p3"], ["pe3"]), ([], ["pe4"])]
    headings = [e.id for e in view.entries if e.kind == "heading"]
    assert headings == ["summary", "I", "I.A", "II"]
    first_i = next(e for e in view.entries if e.kind == "heading" and e.id == "I")
    assert [s.text for s in first_i.zh_summaries] == ["导言部分讨论了预算。"]
    assert [s.machine_translated for s in first_i.en_summaries] == [True]
    assert first_i.en_title == "I. Introduction"
    assert view.executive_en[0].cites == [("¶ 1", "pe1")]  # made from the English document
    assert view.executive_zh[0].cites == [("¶ 1", "p1"), ("¶ 2", "p2")]
    flag = next(f for f in view.flags if f.flag.id == "num-1")
    assert flag.english == "Member States agreed to increase the budget by 50 per cent."


def test_alignment_figures_match_alignment_json():
    from pipeline.outputs import alignment_json

    pair = make_pair()
    data = alignment_json(pair)
    assert build_view(pair).alignment == {**data["counts"], "overall_score": data["overall_score"]}


def test_rows_from_sentence_links_alone_match_the_paragraph_links():
    with_paragraph_links = build_view(make_pair())
    pair = make_pair()
    pair.alignments = [a for a in pair.alignments if a.level == "sentence"]
    rows = lambda v: [([p.anchor for p in e.zh], [p.anchor for p in e.en]) for e in v.entries if e.kind == "row"]  # noqa: E731
    assert rows(build_view(pair)) == rows(with_paragraph_links)


def test_inconsistent_data_is_shown_not_fatal():
    """Indices past the end, reversed or out-of-range spans, unknown severities and sections: rendered anyway."""
    pair = make_pair()
    pair.alignments += [Alignment((99,), (98,), 0.5, "paragraph"), Alignment((97,), (96,), 0.5, "sentence")]
    zh = pair.zh
    zh.flags += [Flag("odd-1", "form", "critical", 1, (50, -3), "?", "reversed, out of range", index=0),
                 Flag("odd-2", "form", "low", 2, (1,), "?", "span of one value", index=1)]
    zh.paragraphs[1].sentences.append(Sentence("x", 5, 400))  # overlaps and runs past the text
    zh.paragraphs[2].section = "no-such-section"
    tree = parse(render_html(pair))
    view = build_view(pair)
    odd1 = next(f for f in view.flags if f.flag.id == "odd-1")
    # the reversed span, clamped, covers the whole (short) paragraph
    assert "".join(m["text"] for m in tree.marks if odd1.key in m["flags"]) == zh.paragraphs[0].text
    assert {m["para"] for m in tree.marks if odd1.key in m["flags"]} == {"p1"}
    assert [s for s, _ in view.severities] == ["high", "medium", "low", "critical"]
    odd2 = next(f for f in view.flags if f.flag.id == "odd-2")
    assert not odd2.inline and odd2.anchor == "p2"  # listed in its paragraph, nothing marked
    assert "".join(tree.texts["p2"].split()).startswith("".join(zh.paragraphs[1].text.split()))


def test_html_escapes_every_document_field():
    html = render_html(make_evil_pair())
    tree = parse(html)
    assert tree.scripts == 1  # the report's own script, nothing else
    assert "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;amp;" in html
    assert EVIL in tree.texts["p1"] and "&amp;" in tree.texts["p1"]
    assert not any("onmouseover" in k for k in re.findall(r"<[^>]*\sonmouseover=", html))
    assert [m["text"] for m in tree.marks] == [EVIL]


def test_html_is_self_contained():
    html = render_html(make_pair(), files=["document.json", "flags.json"])
    tree = parse(html)
    assert re.search(r"(?i)https?:|ftp:|=\s*[\"']?//", html) is None
    assert "@import" not in html and "url(" not in html
    for url in tree.urls:
        assert url.startswith(("#", "./", "data:")), url
    assert "./flags.json" in tree.urls
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", html)


def test_report_without_english_and_without_checks():
    pair = make_pair()
    pair.en, pair.alignments, pair.structure_findings = None, [], []
    pair.zh.flags, pair.zh.summaries, pair.zh.risk = pair.zh.flags[:1], [], None
    html = render_html(pair)
    assert 'class="no-en"' in html and "No English original" in html
    tree = parse(html)
    assert [m["para"] for m in tree.marks] == ["p1"]
    assert "not checked" in tree.texts["overall-risk"]
    view = build_view(pair)
    assert view.flags[0].english is None
    assert all(not e.en for e in view.entries if e.kind == "row")


# -- Markdown ----------------------------------------------------------------------------------------------


def test_markdown_carries_the_same_facts():
    pair = make_pair()
    md = render_markdown(pair)
    assert md.startswith("# Translation review: 测试报告：预算与方案\n")
    assert "**Overall risk:** 0.62 (high)" in md
    assert "| number | 1 | 0 | 1 | 2 |" in md  # type row: high, medium, low, total
    assert "| **All** | 2 | 2 | 3 | 7 |" in md
    assert "秘书处报告了预算和方案进展。" in md and "The secretariat reported on budget and programme progress." in md
    assert "**Section summary** (zh): 导言部分讨论了预算。" in md
    assert "machine-translated" in md
    assert re.search(r"^### 一\. 导言$", md, re.M) and re.search(r"^#### A\. 预算$", md, re.M)
    block = md[md.index("**¶ 1**"):md.index("**¶ 2**")]
    assert "· risk 0.80 · 3 flags" in block
    assert ("- **HIGH** · number · num-1 · …。各成员国同意将预算增加【15%】。: 15% in Chinese, 50 per cent in "
            "English") in block
    assert ("- **HIGH** · omission · omit-1 · 秘书处应在六个月内提交【】报告。报告应包括执行情况…: "
            "English sentence has no counterpart here") in md
    assert "  - Suggestion: 50%" in block
    assert "  - English: Member States agreed to increase the budget by 50 per cent." in block
    assert "> *English:* The Assembly considered" in block
    assert md.index("**¶ 1**") < md.index("**¶ 2**") < md.index("**unnumbered paragraph after ¶ 2**")
    assert "refers to a paragraph the document lacks" in md[md.index("## Flags that name no paragraph"):]
    assert "1. ¶ 1: risk 0.80 (high), 3 flags; worst: 15% in Chinese" in md


def test_markdown_keeps_markup_as_text_when_rendered():
    markdown_it = pytest.importorskip("markdown_it")
    md = render_markdown(make_evil_pair())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "&amp;amp;" in md
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    text = parse(html)
    assert "<script>alert(1)</script>" in "".join(text.texts.values()) or EVIL in _plain(html)
    assert EVIL in _plain(html) and "&amp;" in _plain(html) and "*强调*" in _plain(html)


def _plain(html: str) -> str:
    """Text content of an HTML fragment (entities decoded)."""
    out: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = out.append  # type: ignore[method-assign]
    parser.feed(html)
    return "".join(out)


# -- writing, the stage, the real example ------------------------------------------------------------------


def test_write_report_honours_formats(tmp_path):
    pair = make_pair()
    before = pair.to_dict()
    config = Config(stages=StagesConfig(report=ReportConfig(formats=("md",))))
    assert [p.name for p in write_report(pair, tmp_path, config)] == ["report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
    written = write_report(pair, tmp_path, Config())
    assert [p.name for p in written] == ["report.html", "report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]  # no temp files left
    assert pair.to_dict() == before  # the report reads the pair, never changes it


def test_top_paragraphs_setting_limits_the_jump_list():
    pair = make_pair()
    html = render_html(pair, ReportConfig(top_paragraphs=2))
    jump = html[html.index('id="jump"'):html.index("</ol>", html.index('id="jump"'))]
    assert re.findall(r'href="#(p\d+)"', jump) == ["p1", "p2"]
    assert 'id="jump"' not in render_html(pair, ReportConfig(top_paragraphs=0))
    with pytest.raises(Exception, match="top_paragraphs"):
        ReportConfig(top_paragraphs=-1)


def test_report_stage_returns_the_same_pair():
    pair = make_pair()
    assert Report(Config())(pair) is pair


def test_real_example_after_ingest_and_segment(tmp_path):
    from pipeline.outputs import write_outputs
    from pipeline.runner import process_pair

    config = load_config()
    pair = process_pair(EXAMPLE, config, stages=["ingest", "segment", "report"])
    written = write_outputs(pair, tmp_path, config)
    assert [p.name for p in written] == ["document.json", "report.html", "report.md"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    tree = parse(html)
    doc = pair.zh
    for i, p in enumerate(doc.paragraphs):  # every paragraph is there, with its text intact
        assert "".join(p.text.split()) == "".join(tree.texts[f"p{i + 1}"].split())[:len("".join(p.text.split()))]
    for sec in doc.sections:
        assert sec.title in tree.texts[f"sec-{sec.id}"]
    assert tree.marks == [] and re.search(r"(?i)https?:", html) is None
    assert "./document.json" in tree.urls
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert doc.meta.title in md and "No flags (the check stage did not run)." in md
    assert all(md_escape(f"{s.label} {s.title}") in md for s in doc.sections)


# -- the browser -------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
def test_report_in_headless_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    good = tmp_path / "good"
    evil = tmp_path / "evil"
    write_report(make_pair(), good, Config())
    write_report(make_evil_pair(), evil, Config())
    key_of = {fv.flag.id: fv.key for fv in build_view(make_pair()).flags}
    dialogs: list[str] = []
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto((good / "report.html").as_uri())
            assert page.evaluate("document.body.classList.contains('js')"), "the report's script did not run"

            # flags in place: inside the right paragraph, with the flagged text
            assert page.locator("#p1 mark.fl").count() >= 4
            number = page.locator(f'#p1 mark.fl[data-flags="{key_of["num-1"]}"]')
            assert number.inner_text() == "15%" and number.is_visible()
            assert page.locator(f'#p2 mark.caret[data-flags="{key_of["omit-1"]}"]').count() == 1
            assert page.locator(f'#p3 mark.fl[data-flags="{key_of["form-1"]}"]').inner_text() == "代表团"
            card = page.locator(f"#card-{key_of['num-1']}")
            assert card.is_visible() and "50%" in card.inner_text()

            # filters: untick "number"; its card hides, its mark loses its colour, other flags stay
            page.uncheck('input[name="type"][value="number"]')
            assert card.is_hidden()
            assert "off" in (number.get_attribute("class") or "")
            assert page.locator(f"#card-{key_of['term-1']}").is_visible()
            assert page.locator("#visible-count").inner_text() == str(len(key_of) - 2)
            page.uncheck('input[name="severity"][value="low"]')
            assert page.locator(f"#card-{key_of['form-1']}").is_hidden()
            page.check("#only-flagged")  # p3's only flag is low: its row and its now-empty chapter hide
            assert page.locator("#p3").is_hidden() and page.locator("#sec-II").is_hidden()
            assert page.locator("#p1").is_visible() and page.locator("#sec-I").is_visible()
            page.uncheck("#only-flagged")
            page.check('input[name="type"][value="number"]')
            page.check('input[name="severity"][value="low"]')
            assert card.is_visible() and page.locator("#p3").is_visible()

            # hover a Chinese sentence: its English sentence lights up, others do not
            page.locator('#p1 .s[data-link="3"]').hover()
            assert "hl" in (page.locator('#pe1 .s[data-link="3"]').get_attribute("class") or "")
            assert "hl" not in (page.locator('#pe1 .s[data-link="2"]').get_attribute("class") or "")

            # the jump list leads to the riskiest paragraph
            assert page.locator("#jump a").first.get_attribute("href") == "#p1"

            shot = tmp_path / "report.png"
            page.locator('#p1 .s[data-link="2"]').hover()
            page.screenshot(path=str(shot), full_page=True)
            data = shot.read_bytes()
            width, height = struct.unpack(">II", data[16:24])
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and width >= 1000 and height >= 800 and len(data) > 50_000

            page.emulate_media(media="print")
            assert page.locator(".sidebar").is_hidden()
            page.emulate_media(media="screen")

            # markup in the document stays text; nothing runs
            bad = browser.new_page()
            bad.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            bad.on("request", lambda r: requests.append(r.url))
            bad.goto((evil / "report.html").as_uri())
            text = bad.locator("#p1").inner_text()
            assert EVIL in text and "&amp;" in text and "<b>粗体</b>" in text
            assert "<img src=x onerror=alert(2)>" in bad.locator("h1").inner_text()
            assert "</li><script>alert(3)</script>" in bad.locator(".flag-card").inner_text()
            assert bad.evaluate("document.scripts.length") == 1
            bad.locator("mark.fl").first.hover()
            bad.locator(".flag-card").first.hover()
            bad.wait_for_timeout(200)
        finally:
            browser.close()
    assert dialogs == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert errors == []


def test_reports_say_how_much_the_language_model_read():
    pair = make_pair()
    assert "Garbled-text check" not in render_markdown(pair)  # the check's coverage was not recorded
    pair.zh.check_coverage = {"garbled_lm": {
        "enabled": True, "chars": 12901, "chars_scored": 3998, "paragraphs": 80, "paragraphs_scored": 14,
        "lm_budget_chars": 4000, "candidates": 90, "candidates_screened_in": 61, "candidates_rescored": 40,
        "max_verify": 40}}
    expected = ("the language model read 3,998 of 12,901 characters (31%), 14 of 80 paragraphs, the most suspicious "
                "first (raise [stages.check] lm_budget_chars to read more); 40 of 61 candidate spans re-scored "
                "(max_verify)")
    assert f"- **Garbled-text check:** {md_escape(expected)}" in render_markdown(pair)
    assert expected in parse(render_html(pair)).texts["flag-total"]
