"""PDF and DOCX input: fixtures are written here (reportlab, python-docx), then read through ingest + segment.

The report text is made up for these tests (a fictitious "Kavari river basin"); only the layout follows
UN documents: masthead, running header with the symbol, page number and job number in the footer,
footnotes at the foot of the page, a numbered paragraph cut by a page break.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import InputError
from pipeline.formats import detect_format, extract_text
from pipeline.runner import run_file

reportlab = pytest.importorskip("reportlab")
docx = pytest.importorskip("docx")

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

SYMBOL = "A/75/123"
JOB = "20-12345"
HEADER_NOTE = "Advance unedited running header"
FOOTER_NOTE = "Printed footer line"

EN = {
    "masthead": [("cols", f"United Nations\t{SYMBOL}"), ("cols", "General Assembly\tDistr.: General"),
                 ("cols", "\t3 August 2020"), ("cols", "\tOriginal: English"), ("line", "Seventy-fifth session"),
                 ("line", "Item 71 (b) of the provisional agenda^*"),
                 ("line", "Sustainable development: shared water resources")],
    "title": "Cooperation on shared watercourses in the arid regions of the world",
    "subtitle": "Report of the Secretary-General",
    "summary_head": "Summary",
    "summary": "The present report describes the progress made by the States of the Kavari river basin in "
               "sharing hydrological data, the difficulties that remain and the assistance given by the United "
               "Nations system during the period under review.",
    "ch1": "I. Introduction",
    "p1": "The present report is submitted pursuant to General Assembly resolution 74/210, in which the Assembly "
          "asked for a report on cooperation on shared watercourses in arid regions.^1 It covers the period from "
          "January 2019 to March 2020 and draws on replies from 24 Member States and 9 basin organizations.",
    "p2a": "Arid regions are home to a large and growing share of the population of the world, and most rivers "
           "and aquifers in those regions are shared by two or more States. Decisions taken in one State on "
           "the use of water therefore affect",
    "p2b": "the water available in neighbouring States, which makes cooperation a condition for the sustainable "
           "development of the whole basin.",
    "ch2": "II. Progress in data sharing",
    "p3": "Eleven basin organizations adopted protocols for the exchange of data during the period, and the number "
          "of monitoring stations linked to regional networks more than doubled. The development of common "
          "standards remains uneven, however.",
    "p4": "Several organizations began long-term programmes for the development of early warning systems "
          "at the level of villages and herding camps, namely:",
    "items": ["(a) Training of local observers;", "(b) Installation of automatic rain gauges."],
    "sec": "A. Financing",
    "p5a": "Funding for joint monitoring still relies heavily on voluntary contributions, which vary from one "
           "year to",
    "p5b": "the next and make it hard to plan the upkeep of equipment in remote places.",
    "ch3": "III. Conclusions",
    "p6": "The Secretary-General encourages basin States to make data sharing part of their national "
          "development plans and to provide predictable funding for joint monitoring.",
    "notes": [("*", "A/75/50."), ("1", "See the report of the basin commission on its twelfth session.")],
    "table": [["Region", "2019", "2020"], ["Upper basin", "14", "31"], ["Lower basin", "9", "22"]],
}

ZH = {
    "masthead": [("cols", f"联合国\t{SYMBOL}"), ("cols", "大会\tDistr.: General"), ("cols", "\t3 August 2020"),
                 ("cols", "\tChinese"), ("cols", "\tOriginal: English"), ("line", "第七十五届会议"),
                 ("line", "临时议程^*项目 71(b)"), ("line", "可持续发展：共有水资源")],
    "title": "世界干旱地区共有水道的合作",
    "subtitle": "秘书长的报告",
    "summary_head": "摘要",
    "summary": "本报告介绍卡瓦里河流域各国在分享水文数据方面取得的进展、仍然存在的困难以及联合国系统在"
               "本报告所述期间提供的协助。",
    "ch1": "一. 导言",
    "p1": "本报告是根据大会第 74/210 号决议提交的，大会在该决议中要求就干旱地区共有水道的合作提交报告。^1"
          "本报告涵盖 2019 年 1 月至 2020 年 3 月期间，依据的是 24 个会员国和 9 个流域组织的答复。",
    "p2a": "干旱地区的人口在世界人口中占很大而且不断增长的比例，这些地区的大多数河流和含水层由两个或两个以上"
           "国家共有。因此，一国就用水作出的决定会影响",
    "p2b": "邻国可用的水量，这使合作成为整个流域可持续发展的前提条件。",
    "ch2": "二. 数据分享方面的进展",
    "p3": "在此期间，十一个流域组织通过了数据交换议定书，与区域网络相连的监测站数目增加了一倍多。"
          "但是，共同标准的制定仍然参差不齐。",
    "p4": "若干组织启动了在村庄和牧民营地一级发展预警系统的长期方案，即：",
    "items": ["(a) 培训当地观测员；", "(b) 安装自动雨量计。"],
    "sec": "A. 筹资",
    "p5a": "联合监测的资金仍然严重依赖自愿捐款，而自愿捐款每年",
    "p5b": "都有变化，难以规划偏远地区设备的维护工作。",
    "ch3": "三. 结论",
    "p6": "秘书长鼓励流域各国将数据分享纳入本国发展计划，并为联合监测提供可预测的资金。",
    "notes": [("*", "A/75/50。"), ("1", "见流域委员会第十二届会议的报告。")],
    "table": [["区域", "2019", "2020"], ["上游", "14", "31"], ["下游", "9", "22"]],
}

_JOIN = {"en": " ", "zh": ""}


def _bare(text: str) -> str:
    """The text a reader sees: markup for superscripts and soft hyphens resolved."""
    return text.replace("^*", "*").replace("^1", "¹").replace("~", "")


def _number(text: str, number: int) -> str:
    return f"{number}. {text}"


# -- PDF writer -----------------------------------------------------------------------------------------

def _font(lang: str) -> str:
    if lang == "zh":
        if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    return "Helvetica"


def _segments(text: str) -> list[tuple[str, bool]]:
    """Text split into (piece, is_superscript) by the ^N markup."""
    out = []
    for k, part in enumerate(re.split(r"\^([0-9*]+)", text)):
        if part:
            out.append((part, k % 2 == 1))
    return out


def _fits(text: str, font: str, size: float, width: float) -> bool:
    return pdfmetrics.stringWidth(re.sub(r"\^[0-9*]+|~", "", text), font, size) <= width


def _wrap(text: str, font: str, size: float, width: float, lang: str) -> list[str]:
    """Lines as a typesetter fills them; English words break at a hyphen or a soft hyphen (~) to fill a line."""
    tokens = re.findall(r"\^[0-9*]+|.", text) if lang == "zh" else text.split(" ")
    lines, line = [], ""
    for token in tokens:
        candidate = line + token if lang == "zh" or not line else line + " " + token
        if not line or _fits(candidate, font, size, width):
            line = candidate
            continue
        for cut in sorted((m.end() for m in re.finditer(r"[-~]", token)), reverse=True):
            head = token[:cut].replace("~", "-")
            if lang == "en" and _fits(line + " " + head, font, size, width):
                lines.append(line + " " + head)
                line = token[cut:]
                break
        else:
            lines.append(line)
            line = token
    lines.append(line)
    return [ln.replace("~", "") for ln in lines]


def _draw(c: canvas.Canvas, x: float, y: float, line: str, font: str, size: float) -> None:
    text = c.beginText(x, y)
    for piece, sup in _segments(line):
        if sup:
            text.setFont(font, size * 0.6)
            text.setRise(size * 0.35)
            text.textOut(piece)
            text.setRise(0)
        else:
            text.setFont(font, size)
            text.textOut(piece)
    c.drawText(text)


def write_pdf(path, pages: list[dict], lang: str, encrypt=None, plain_note_markers: bool = False, running=None):
    """Pages of blocks: (kind, text) with kind cols (left\\tright), line, title, head, para, cont.

    Running header and footer: UN style (symbol; page and job number), or ``running(page) -> (top, bottom)``.
    """
    font = _font(lang)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    width, height = A4
    left, right = 72.0, width - 72.0  # TEXT_WIDTH apart
    for number, page in enumerate(pages, 1):
        if running is not None:
            top, bottom = running(number)
            c.setFont(font, 9)
            c.drawString(left, height - 45, top)
            c.drawString(left, 40, bottom)
        elif number > 1:
            c.setFont(font, 9)
            if number % 2 == 0:
                c.drawString(left, height - 45, SYMBOL)
            else:
                c.drawRightString(right, height - 45, SYMBOL)
        y = height - 80
        for kind, text in page["blocks"]:
            if kind == "cols":
                a, b = text.split("\t")
                c.setFont(font, 10)
                if a:
                    c.drawString(left, y, a)
                if b:
                    c.drawRightString(right, y, b)
                y -= 14
            elif kind == "line":
                _draw(c, left, y, text, font, 10)
                y -= 14
            elif kind == "title":
                for line in _wrap(text, font, 14, 300, lang):
                    _draw(c, left, y, line, font, 14)
                    y -= 17
                y -= 8
            elif kind == "head":
                y -= 6
                _draw(c, left, y, text, font, 10)
                y -= 20
            elif kind == "table":
                for row in text:
                    c.setFont(font, 10)
                    for k, cell in enumerate(row):
                        c.drawString(left + 150 * k, y, cell)
                    y -= 14
                y -= 6
            else:  # para, cont
                for line in _wrap(text, font, 10, right - left, lang):
                    _draw(c, left, y, line, font, 10)
                    y -= 12
                y -= 6
        notes = page.get("notes", [])
        y = 60 + 11 * len(notes)
        for marker, note in notes:
            line = f"{marker} {note}" if plain_note_markers else f"^{marker} {note}"
            _draw(c, left, y, line, font, 8)
            y -= 11
        c.setFont(font, 9)
        if running is not None:
            pass
        elif number == 1:
            c.drawString(left, 40, f"{JOB} (E)    030820    040820")
            c.drawRightString(right, 40, "*2012345*")
        else:  # Chinese UN documents number pages "2/3"
            folio = f"{number}/{len(pages)}" if lang == "zh" else str(number)
            c.drawString(left, 40, folio if number % 2 == 0 else JOB)
            c.drawRightString(right, 40, JOB if number % 2 == 0 else folio)
        c.showPage()
    c.save()
    return path


def report_pages(t: dict) -> list[dict]:
    """Three pages: masthead, summary and chapter I with a cut paragraph; chapter II; chapter III."""
    page1 = [*t["masthead"], ("title", t["title"]), ("line", t["subtitle"]), ("head", t["summary_head"]),
             ("para", t["summary"]), ("head", t["ch1"]), ("para", _number(t["p1"], 1)),
             ("para", _number(t["p2a"], 2))]
    page2 = [("cont", t["p2b"]), ("head", t["ch2"]), ("para", _number(t["p3"], 3)),
             ("para", _number(t["p4"], 4)), *[("para", item) for item in t["items"]], ("head", t["sec"]),
             ("para", _number(t["p5a"], 5))]
    page3 = [("cont", t["p5b"]), ("head", t["ch3"]), ("para", _number(t["p6"], 6))]
    return [{"blocks": page1, "notes": t["notes"]}, {"blocks": page2}, {"blocks": page3}]


# -- DOCX writer ---------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _footnotes_xml(notes: list[tuple[str, str, bool]]) -> bytes:
    body = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        '</w:footnote>',
    ]
    for k, (mark, text, custom) in enumerate(notes, 1):
        ref = (f'<w:r><w:t>{mark}</w:t></w:r>' if custom
               else '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>')
        body.append(f'<w:footnote w:id="{k}"><w:p>{ref}<w:r><w:t xml:space="preserve"> {text}</w:t></w:r>'
                    '</w:p></w:footnote>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W_NS}">'
            + "".join(body) + "</w:footnotes>").encode("utf-8")


def _add_paragraph(document, text: str, notes: list, style: str | None = None):
    """A paragraph from text with ^* / ^1 markup turned into Word footnote references."""
    from docx.oxml import parse_xml

    para = document.add_paragraph(style=style)
    for piece, sup in _segments(text):
        if not sup:
            para.add_run(piece)
            continue
        custom = piece == "*"
        notes.append(len(notes) + 1)
        attrs = ' w:customMarkFollows="1"' if custom else ""
        mark = '<w:t>*</w:t>' if custom else ""
        para._p.append(parse_xml(
            f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference{attrs} w:id="{len(notes)}"/>{mark}</w:r>'))
    return para


def write_docx(path, t: dict, auto_numbers: bool, lang: str = "en"):
    """The same report as a Word document; paragraph numbers typed, or Word's own List Number numbering."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = f"{SYMBOL} {HEADER_NOTE}"
    section.footer.paragraphs[0].text = f"{JOB} {FOOTER_NOTE} 7"
    cited: list[int] = []
    masthead = document.add_table(rows=1, cols=2)
    first, symbol = t["masthead"][0][1].split("\t")
    masthead.cell(0, 0).text, masthead.cell(0, 1).text = first, symbol
    for _kind, text in t["masthead"][1:]:
        _add_paragraph(document, text.strip("\t"), cited)
    for key in ("title", "subtitle", "summary_head", "summary", "ch1"):
        _add_paragraph(document, t[key], cited)

    def numbered(text: str, number: int) -> None:
        if auto_numbers:
            _add_paragraph(document, text, cited, style="List Number")
        else:
            _add_paragraph(document, f"{number}.\t{text}", cited)

    numbered(t["p1"], 1)
    numbered(t["p2a"] + _JOIN[lang] + t["p2b"], 2)
    _add_paragraph(document, t["ch2"], cited)
    numbered(t["p3"], 3)
    table = document.add_table(rows=len(t["table"]), cols=3)
    for r, row in enumerate(t["table"]):
        for k, cell in enumerate(row):
            table.cell(r, k).text = cell
    numbered(t["p4"], 4)
    for item in t["items"]:
        label, rest = item.split(" ", 1)
        _add_paragraph(document, f"{label}\t{rest}", cited)
    _add_paragraph(document, t["sec"], cited)
    numbered(t["p5a"] + _JOIN[lang] + t["p5b"], 5)
    _add_paragraph(document, t["ch3"], cited)
    numbered(t["p6"], 6)
    notes = [(mark, text, mark == "*") for mark, text in t["notes"]]
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, _footnotes_xml(notes), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    document.save(str(path))
    return path


# -- helpers ---------------------------------------------------------------------------------------------

def segment(path, lang):
    return run_file(path, lang, load_config(), stages=["ingest", "segment"])


def expected_paragraphs(t: dict, lang: str) -> dict[int, str]:
    j = _JOIN[lang]
    return {1: _bare(t["p1"]), 2: t["p2a"] + j + t["p2b"], 3: t["p3"], 5: t["p5a"] + j + t["p5b"], 6: t["p6"]}


LANGS = [("en", EN), ("zh", ZH)]


# -- PDF through ingest + segment ------------------------------------------------------------------------

@pytest.mark.parametrize("lang, t", LANGS, ids=["en", "zh"])
def test_pdf_report_segments_like_the_text_input(tmp_path, lang, t):
    path = write_pdf(tmp_path / f"report-{lang}.pdf", report_pages(t), lang, plain_note_markers=(lang == "zh"))
    doc = segment(path, lang)
    assert doc.language == lang
    assert [p.number for p in doc.paragraphs if p.number is not None] == [1, 2, 3, 4, 5, 6]
    for number, text in expected_paragraphs(t, lang).items():
        assert doc.paragraph(number).text == text, number
    assert doc.meta.symbol == SYMBOL
    assert doc.meta.agenda_item == "71(b)"
    assert [s.label for s in doc.sections if s.level == 1] == [t["ch1"].split(" ")[0], t["ch2"].split(" ")[0],
                                                              t["ch3"].split(" ")[0]]
    assert len(doc.summary) == 1 and doc.summary[0].text == t["summary"]
    # page furniture is gone: the symbol only in the masthead, no job number, bar code or page numbers
    assert doc.text.count(SYMBOL) == 1
    assert JOB not in doc.text and "*2012345*" not in doc.text
    assert not re.search(r"^\s*\d{1,3}\s*$", doc.text, re.MULTILINE)  # no page number lines
    assert all("\t" not in para.text for para in doc.paragraphs)
    # footnotes lifted out and linked; the marker stays in paragraph 1
    notes = {fn.marker: fn for fn in doc.footnotes}
    assert set(notes) == {"*", "¹"}
    assert notes["¹"].paragraph == 1 and notes["¹"].text == t["notes"][1][1]
    assert notes["*"].location == "front_matter"
    assert "¹" in doc.paragraph(1).text
    assert [i.label for i in doc.paragraph(4).items] == ["a", "b"] or t["items"][0] in doc.paragraph(4).text


TEXT_WIDTH = A4[0] - 144
FILLER = ["the", "basin", "commission", "met", "several", "times", "during", "the", "year", "to", "review", "the",
          "data", "sent", "by", "its", "members"]


def _broken_at(word: str, cut: str) -> str:
    """A paragraph in which ``word`` is broken after ``cut`` at a line end (found by adding filler words)."""
    for k in range(len(FILLER) * 3):
        text = " ".join([*(FILLER * 3)[:k], word, "was", "discussed", "at", "length", "by", "the", "members."])
        if any(line.endswith(cut) for line in _wrap(text, "Helvetica", 10, TEXT_WIDTH, "en")):
            return text
    raise AssertionError(f"no filler length breaks {word} after {cut}")


def test_pdf_english_line_end_hyphens(tmp_path):
    paragraphs = [
        "The development of common standards remains uneven.",  # "development" spelt whole once
        _broken_at("develop~ment", "develop-"),  # soft hyphen: the document knows the whole word
        _broken_at("long-term", "long-"),  # a compound: "longterm" is unknown, the hyphen stays
        _broken_at("recom~mendation", "recom-"),  # unknown either way: the hyphen stays (the safe choice)
    ]
    blocks = [("para", f"{k}. {text}") for k, text in enumerate(paragraphs, 1)]
    text = extract_text(write_pdf(tmp_path / "hyphens.pdf", [{"blocks": blocks}], "en"))
    lines = [line for line in text.split("\n") if line.strip() and line != "\f"]
    assert len(lines) == 4
    assert lines[1].endswith("development was discussed at length by the members.")
    assert "long-term was discussed" in lines[2]
    assert "recom-mendation was discussed" in lines[3]


def test_pdf_extraction_round_trips_chinese_characters(tmp_path):
    """pypdf maps the CID font STSong-Light back to the right Unicode (full-width punctuation included)."""
    sample = "《公约》（2008 年）：“一个联合国”、40%；全角！？１２３ＡＢＣ"
    path = write_pdf(tmp_path / "zh.pdf", [{"blocks": [("para", sample + "本段落的文字足够长，可以检查。")]}], "zh")
    assert sample in extract_text(path)


def test_pdf_pages_are_separated_by_form_feeds(tmp_path):
    path = write_pdf(tmp_path / "report.pdf", report_pages(EN), "en")
    pages = extract_text(path).split("\f")
    assert len(pages) == 4 and pages[-1] == ""
    assert pages[1].lstrip().startswith("the water available")  # the running header was peeled off
    assert "2. Arid regions" in pages[0]
    assert f"\n1. {_bare(EN['p1'])}\n" in pages[0]  # the wrapped lines of a paragraph make one line
    assert f"\n{EN['summary']}\n" in pages[0]


def test_pdf_running_titles_that_change_with_the_chapter(tmp_path):
    """Book-style headers ("Chapter 2: Findings 5") and page numbers go; a footnote numbered like its page stays."""
    chapters = ["Chapter 1: Background", "Chapter 1: Background", "Chapter 2: Findings", "Chapter 2: Findings",
                "Chapter 2: Findings", "Chapter 3: Outlook", "Chapter 3: Outlook"]
    bodies = [_bare(EN["p1"]), EN["p3"], EN["p6"], EN["p2a"] + " " + EN["p2b"], EN["p5a"] + " " + EN["p5b"],
              EN["summary"], EN["p4"]]
    pages = [{"blocks": [("para", f"{n}. {body}")],
              "notes": [(str(n), "See the annex to the present report.")] if n == 4 else []}
             for n, body in enumerate(bodies, 1)]
    path = write_pdf(tmp_path / "book.pdf", pages, "en", running=lambda n: (f"{chapters[n - 1]} {n + 2}", str(n + 2)))
    texts = extract_text(path).split("\f")[:-1]
    assert len(texts) == 7
    for n, (text, body) in enumerate(zip(texts, bodies, strict=True), 1):
        assert text.strip().split("\n\n")[0] == f"{n}. {body}", n
        assert "Chapter" not in text and not re.search(r"^\d+$", text, re.MULTILINE)
    assert "\n\n⁴ See the annex to the present report." in texts[3]


def test_pdf_table_cells_are_joined_by_tabs(tmp_path):
    blocks = [("para", "1. " + EN["p3"]), ("table", EN["table"]), ("para", "2. " + EN["p6"])]
    path = write_pdf(tmp_path / "table.pdf", [{"blocks": blocks}], "en")
    text = extract_text(path)
    assert "Region\t2019\t2020\n\nUpper basin\t14\t31" in text


def test_pdf_named_txt_is_still_read_as_pdf(tmp_path):
    path = write_pdf(tmp_path / "report.txt", report_pages(EN), "en")
    assert detect_format(path.read_bytes(), str(path)) == "pdf"
    assert segment(path, "en").paragraph(6).text == EN["p6"]


def test_pdf_with_owner_password_only_is_read(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption("", ownerPassword="owner", canPrint=1, canCopy=0)
    path = write_pdf(tmp_path / "locked.pdf", report_pages(EN), "en", encrypt=enc)
    assert segment(path, "en").paragraph(3).text == EN["p3"]


# -- DOCX through ingest + segment -----------------------------------------------------------------------

@pytest.mark.parametrize("lang, t", LANGS, ids=["en", "zh"])
@pytest.mark.parametrize("auto_numbers", [False, True], ids=["typed-numbers", "word-numbering"])
def test_docx_report_segments_like_the_text_input(tmp_path, lang, t, auto_numbers):
    path = write_docx(tmp_path / f"report-{lang}.docx", t, auto_numbers, lang)
    doc = segment(path, lang)
    assert doc.language == lang
    assert [p.number for p in doc.paragraphs if p.number is not None] == [1, 2, 3, 4, 5, 6]
    expected = expected_paragraphs(t, lang)
    for number in (1, 2, 5, 6):
        assert doc.paragraph(number).text == expected[number], number
    assert doc.paragraph(3).text.startswith(t["p3"])  # the table after it is unnumbered text, as in .txt
    assert doc.meta.symbol == SYMBOL
    assert doc.meta.agenda_item == "71(b)"
    assert len(doc.summary) == 1 and doc.summary[0].text == t["summary"]
    assert "\t".join(t["table"][1]) in doc.text
    assert HEADER_NOTE not in doc.text and FOOTER_NOTE not in doc.text and JOB not in doc.text
    notes = {fn.marker: fn for fn in doc.footnotes}
    assert set(notes) == {"*", "¹"}
    assert notes["¹"].paragraph == 1 and notes["¹"].text == t["notes"][1][1]
    assert notes["*"].text == t["notes"][0][1] and notes["*"].paragraph is None
    assert [i.label for i in doc.paragraph(4).items] == ["a", "b"]


def test_docx_extraction_shape(tmp_path):
    path = write_docx(tmp_path / "report.docx", EN, auto_numbers=True)
    text = extract_text(path)
    assert text.startswith(f"United Nations\t{SYMBOL}\n\nGeneral Assembly\tDistr.: General")
    assert "\n\n1. The present report" in text and "\n\n6. The Secretary-General" in text
    assert "\n\n(a) Training of local observers;" in text
    assert "Region\t2019\t2020\nUpper basin\t14\t31\nLower basin\t9\t22" in text
    # the cited footnote follows the paragraph that cites it; the agenda footnote waits for a full sentence
    assert re.search(r"regions\.¹ It covers.*\n\n¹ See the report", text)
    assert text.index("* A/75/50.") > text.index("The present report describes")
    assert "\f" not in text


# -- bad input ----------------------------------------------------------------------------------------------

def _image_only_pdf(path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(Image.new("RGB", (60, 80), "white")), 72, 400, 300, 400)
    c.showPage()
    c.save()


def _zip(path, members: dict[str, bytes]):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _bad_inputs(tmp_path, kind: str):
    if kind == "encrypted":
        return write_pdf(tmp_path / "secret.pdf", report_pages(EN), "en", encrypt="secret"), "password"
    if kind == "scanned":
        path = tmp_path / "scan.pdf"
        _image_only_pdf(path)
        return path, "no text layer"
    if kind == "truncated":
        full = write_pdf(tmp_path / "full.pdf", report_pages(EN), "en").read_bytes()
        path = tmp_path / "cut.pdf"
        path.write_bytes(full[: len(full) // 2])
        return path, "truncated"
    if kind == "corrupt-pdf":
        path = tmp_path / "junk.pdf"
        path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is not a pdf body\n%%EOF\n")
        return path, "PDF"
    if kind == "pdf-named-html":
        path = tmp_path / "page.pdf"
        path.write_bytes(b"<!DOCTYPE html><html><body>Not found</body></html>")
        return path, "not a PDF"
    if kind == "zip-not-docx":
        path = tmp_path / "archive.docx"
        _zip(path, {"notes.txt": b"hello"})
        return path, "not a Word document"
    if kind == "xlsx-as-docx":
        path = tmp_path / "book.docx"
        _zip(path, {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
        return path, "Excel"
    if kind == "empty-docx":
        path = tmp_path / "empty.docx"
        docx.Document().save(str(path))
        return path, "no text"
    if kind == "zero-byte-docx":
        path = tmp_path / "nothing.docx"
        path.write_bytes(b"")
        return path, "empty"
    if kind == "text-named-docx":
        path = tmp_path / "plain.docx"
        path.write_text("1. This is plain text with a .docx name.", encoding="utf-8")
        return path, "not a Word .docx"
    if kind == "truncated-docx":
        full = write_docx(tmp_path / "full.docx", EN, auto_numbers=False).read_bytes()
        path = tmp_path / "cut.docx"
        path.write_bytes(full[: len(full) // 2])
        return path, "damaged or truncated"
    if kind == "old-doc":
        path = tmp_path / "old.doc"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
        return path, ".doc"
    if kind == "docx-with-dtd":
        full = write_docx(tmp_path / "full.docx", EN, auto_numbers=False)
        with zipfile.ZipFile(full) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        members["word/document.xml"] = members["word/document.xml"].replace(
            b"?>", b'?><!DOCTYPE w:document [<!ENTITY x "boom">]>', 1)
        path = tmp_path / "dtd.docx"
        _zip(path, members)
        return path, "DTD"
    raise AssertionError(kind)


BAD = ["encrypted", "scanned", "truncated", "corrupt-pdf", "pdf-named-html", "zip-not-docx", "xlsx-as-docx",
       "empty-docx", "zero-byte-docx", "text-named-docx", "truncated-docx", "old-doc", "docx-with-dtd"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_input_is_one_line_input_error(tmp_path, kind):
    path, words = _bad_inputs(tmp_path, kind)
    with pytest.raises(InputError) as info:
        segment(path, "auto")
    message = str(info.value)
    assert words in message
    assert "\n" not in message and str(path) in message


@pytest.mark.parametrize("kind", ["encrypted", "scanned", "truncated", "zip-not-docx", "empty-docx"])
def test_bad_input_on_the_command_line(tmp_path, capsys, kind):
    path, words = _bad_inputs(tmp_path, kind)
    code = main(["segment", str(path), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("undoc: error:") and words in lines[0]
    assert not (tmp_path / "out").exists()


def test_detect_format_by_bytes_not_name():
    assert detect_format(b"%PDF-1.7\n...", "report.txt") == "pdf"
    assert detect_format("联合国报告".encode(), "report.txt") == "text"
    assert detect_format(b"plain text", "report") == "text"
    with pytest.raises(InputError, match="not a PDF"):
        detect_format(b"plain text", "report.pdf")
    with pytest.raises(InputError, match="RTF"):
        detect_format(b"{\\rtf1\\ansi hello}", "report.txt")


def _numbered_docx(path, paragraphs: list[tuple[str, int, str]]):
    """A minimal hand-built .docx: paragraphs (text, ilvl, numId) over one numbering definition per numId."""
    numbering = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}">
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%2)"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/><w:lvlText w:val="(%3)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="2">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/>
<w:lvlOverride w:ilvl="0"><w:startOverride w:val="9"/></w:lvlOverride></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>
</w:numbering>"""
    body = "".join(
        f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>'
        f"<w:r><w:t>{text}</w:t></w:r></w:p>" for text, level, num in paragraphs)
    ct = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    _zip(path, {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            f'"/word/document.xml" ContentType="{ct}.document.main+xml"/><Override PartName="/word/numbering.xml" '
            f'ContentType="{ct}.numbering+xml"/></Types>').encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/>'
            "</Relationships>").encode(),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/numbering" Target="numbering.xml"/>'
            "</Relationships>").encode(),
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{body}'
                             "</w:body></w:document>".encode(),
        "word/numbering.xml": numbering.encode(),
    })
    return path


def test_docx_word_numbering_levels_formats_and_restarts(tmp_path):
    path = _numbered_docx(tmp_path / "numbered.docx", [
        ("First paragraph.", 0, "1"), ("Second paragraph:", 0, "1"), ("an item;", 1, "1"), ("a sub-item;", 2, "1"),
        ("another sub-item;", 2, "1"), ("another item.", 1, "1"), ("Third paragraph:", 0, "1"),
        ("items restart.", 1, "1"), ("九章", 0, "2"), ("十章", 0, "2"), ("a bullet has no number", 0, "3")])
    lines = extract_text(path).strip().split("\n\n")
    assert lines == ["1. First paragraph.", "2. Second paragraph:", "(a) an item;", "(i) a sub-item;",
                     "(ii) another sub-item;", "(b) another item.", "3. Third paragraph:", "(a) items restart.",
                     "九. 九章", "十. 十章", "a bullet has no number"]


def test_chinese_numbers_for_word_numbering():
    from pipeline.formats import _chinese_number

    assert [_chinese_number(n) for n in (1, 10, 12, 20, 21, 105, 110, 1001)] == [
        "一", "十", "十二", "二十", "二十一", "一百零五", "一百一十", "一千零一"]


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_damaged_files_give_input_errors_not_crashes(tmp_path, kind):
    """Random byte damage and truncation: either text comes out or a one-line InputError, nothing else."""
    import random

    from pipeline.formats import extract

    if kind == "pdf":
        good = write_pdf(tmp_path / "good.pdf", report_pages(EN), "en").read_bytes()
    else:
        good = write_docx(tmp_path / "good.docx", EN, auto_numbers=True).read_bytes()
    rng = random.Random(20200803)
    errors = 0
    for _ in range(40):
        data = bytearray(good)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        try:
            extract(bytes(data), detect_format(bytes(data), f"damaged.{kind}"), f"damaged.{kind}")
        except InputError as exc:
            errors += 1
            assert "\n" not in str(exc)
    assert errors > 0
