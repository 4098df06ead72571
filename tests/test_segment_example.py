"""The embedded example (a real PDF-extracted Chinese UN report): the structure it must yield."""

from __future__ import annotations

CUT_PARAGRAPHS = [7, 12, 17, 24, 31, 37, 41, 47, 58]


def test_73_numbered_paragraphs_in_order(example_doc):
    assert [p.number for p in example_doc.paragraphs] == list(range(1, 74))


def test_five_chapters_and_sections_with_titles(example_doc):
    chapters = [s for s in example_doc.sections if s.level == 1]
    assert [c.id for c in chapters] == ["I", "II", "III", "IV", "V"]
    assert chapters[4].title == "审查联合国系统行政首长协调理事会的职能"
    sections = [s.id for s in example_doc.sections if s.level == 2]
    assert sections == [*(f"II.{c}" for c in "ABCDEF"), *(f"III.{c}" for c in "ABCDE"),
                        *(f"IV.{c}" for c in "ABCD")]
    assert example_doc.section("II.A").title == "“一个联合国”在国家一级的运作情况"
    assert example_doc.section("III.E").title == "《联合国反腐败公约》"


def test_numbered_subheadings_are_headings_not_paragraphs(example_doc):
    subs = [(s.id, s.title, s.paragraphs) for s in example_doc.sections if s.level == 3]
    assert subs == [
        ("II.E.1", "国际移徙和发展", [36, 37]),
        ("II.E.2", "国家一级的粮食保障专题小组", [38]),
        ("II.F.1", "支持非洲发展", [39, 40]),
        ("II.F.2", "气候变化", [41]),
    ]
    assert example_doc.paragraph(36).section == "II.E.1"


def test_page_cut_paragraphs_are_rejoined(example_doc):
    for number in CUT_PARAGRAPHS:
        para = example_doc.paragraph(number)
        assert len(para.spans) == 2, number
        assert "\n" not in para.text
    assert "正在努力注入新的雄心壮志" in example_doc.paragraph(7).text
    assert "首次有全球50%的人口居住在城市地区" in example_doc.paragraph(24).text
    assert "来推动,并且将根据" in example_doc.paragraph(47).text
    assert example_doc.paragraph(58).text.endswith("第一个步骤。¹")


def test_footnotes_are_lifted_out_and_linked(example_doc):
    assert [(f.marker, f.location, f.paragraph) for f in example_doc.footnotes] == [
        ("*", "front_matter", None), ("¹", "body", 58)]
    assert example_doc.footnotes[1].text == "进一步资料参见 CEB/2006/2，附件。"
    para = example_doc.paragraph(58)
    assert para.text[example_doc.footnotes[1].offset] == "¹"
    for para in example_doc.paragraphs:
        assert "E/2007/100" not in para.text and "进一步资料参见" not in para.text


def test_summary_block_is_apart_and_rejoined(example_doc):
    assert len(example_doc.summary) == 5
    assert "委员会的议程上有若干重要的新问题" in example_doc.summary[2].text
    assert all(p.number is None for p in example_doc.summary)


def test_toc_matches_body(example_doc):
    assert len(example_doc.toc) == 20
    assert all(entry.section for entry in example_doc.toc)
    assert example_doc.toc[0].first == 1 and example_doc.toc[0].last == 7
    assert example_doc.structure_findings == []


def test_front_matter(example_doc):
    meta = example_doc.meta
    assert meta.date == "2007-05-24"
    assert (meta.language, meta.original_language) == ("zh", "en")
    assert meta.session == "2007 年实质性会议"
    assert (meta.session_start, meta.session_end) == ("2007-07-02", "2007-07-27")
    assert meta.agenda_item == "7(a)"
    assert meta.agenda_symbol == "E/2007/100"
    assert meta.title == "联合国系统行政首长协调理事会 2006/2007 年度概览报告"
    assert meta.agenda_title == "协调、方案及其他问题：协调机构的报告"
    assert meta.distribution == "General" and meta.organ == "经济及社会理事会"
    assert set(meta.symbols) == {"E/2007/100", "CEB/2006/2"}


def test_sub_items_own_lines_and_inline(example_doc):
    assert [i.label for i in example_doc.paragraph(61).items] == ["a", "b", "c"]
    assert [i.label for i in example_doc.paragraph(35).items] == ["a", "b", "c"]
    item_c = example_doc.paragraph(35).items[2]
    assert item_c.text.startswith("(c) 根据") and item_c.text.endswith("协同作用。")


def test_agenda_reference_is_not_a_sub_item(example_doc):
    assert all(not p.items for p in example_doc.summary)


def test_tokens_keep_symbols_and_numbers_whole(example_doc):
    tokens = [t for s in example_doc.paragraph(58).sentences for t in s.tokens]
    assert "1325 (2000)" in tokens
    tokens = [t for s in example_doc.paragraph(54).sentences for t in s.tokens]
    assert "600 名" in tokens and "1 000 名" in tokens


def _hard_wrap(text: str, width: int) -> str:
    out = []
    for line in text.split("\n"):
        out.extend([line[i:i + width] for i in range(0, len(line), width)] if len(line) > 60 else [line])
    return "\n".join(out)


def test_hard_wrapped_lines_give_the_same_paragraphs(example_doc, tmp_path):
    """pdftotext-style output keeps every visual line; paragraphs must come out the same."""
    from pipeline.config import load_config
    from pipeline.runner import run_file
    from tests.conftest import EXAMPLE

    path = tmp_path / "wrapped.txt"
    path.write_text(_hard_wrap(EXAMPLE.read_text(encoding="utf-8"), 37), encoding="utf-8")
    doc = run_file(path, "zh", load_config())
    assert [p.number for p in doc.paragraphs] == list(range(1, 74))
    assert [s.id for s in doc.sections] == [s.id for s in example_doc.sections]
    assert doc.structure_findings == []
    squash = str.maketrans("", "", " \n")
    for wrapped, original in zip(doc.paragraphs, example_doc.paragraphs, strict=True):
        assert wrapped.text.translate(squash) == original.text.translate(squash), wrapped.number


def test_gb18030_with_crlf_gives_the_same_document(example_doc, tmp_path):
    from pipeline.config import load_config
    from pipeline.runner import run_file
    from tests.conftest import EXAMPLE

    path = tmp_path / "gb.txt"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    doc = run_file(path, "zh", load_config())
    assert [p.text for p in doc.paragraphs] == [p.text for p in example_doc.paragraphs]
    assert doc.meta == example_doc.meta
