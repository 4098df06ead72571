"""Segment stage: rebuild the structure of a UN document from PDF-extracted text.

Regions: front matter → summary block (摘要 / Summary) → table of contents (目录 / Contents) → body.
The body is read line by line into a heading tree (chapters, sections, numbered sub-headings,
annexes), numbered paragraphs with sub-items, and footnotes. PDF extraction cuts paragraphs at page
breaks and leaves footnote lines between the halves: footnote lines are lifted out wherever they
stand, and a block that does not end like a finished sentence is joined to what follows. Every
body paragraph in a UN document is numbered, so unnumbered text after a numbered paragraph belongs
to it. Finally the body is checked against the table of contents and its own numbering.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from pipeline.config import SegmentConfig
from pipeline.document import Document, Footnote, Paragraph, Section, Sentence, StructureFinding, SubItem
from pipeline.frontmatter import find_symbols, parse_front_matter
from pipeline.sentences import split_sentences, tokenize
from pipeline.textutil import (
    OPENERS,
    cn_numeral_to_int,
    ends_closed,
    int_to_roman,
    roman_to_int,
    strip_trailing_markers,
)
from pipeline.toc import check_against_toc, parse_toc

SUMMARY_HEADINGS = {"摘要", "内容提要", "提要", "Summary", "SUMMARY"}
TOC_HEADINGS = {"目录", "目 录", "Contents", "CONTENTS", "Table of contents"}

CHAPTER_ZH = re.compile(r"^(?P<num>[一二三四五六七八九十]+)\s*[.．、]\s*(?P<title>\S.*)$")
CHAPTER_ROMAN = re.compile(r"^(?P<num>[IVXL]+)\s*[.．]\s+(?P<title>\S.*)$")
ANNEX = re.compile(
    r"^(?P<word>附件|Annex|ANNEX|Appendix)\s*(?P<num>[一二三四五六七八九十]+|[IVXL]+)?\s*[.:：]?\s*(?P<title>.*)$"
)
SECTION = re.compile(r"^(?P<letter>[A-Z])\s*[.．]\s*(?P<title>\S.*)$")
NUMBERED = re.compile(r"^(?P<num>\d{1,4})\s*[.．](?!\d)\s*(?P<title>\S.*)$")
ITEM_LINE = re.compile(r"^[(（](?P<label>[a-z]{1,2}|[ivx]{1,5}|\d{1,2})[)）]\s*\S")
FOOTNOTE_LINE = re.compile(r"^(?P<marker>\*{1,4}|⁎|[†‡]{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})\s*(?P<text>\S.*)$")
TOC_TRAILING_PAGE = re.compile(r"(?:\t|\s{2,}|\.{2,}|…|\s)\s*(?:\d{1,4}|[ivxlc]{1,6})$")
PAGE_NOISE = re.compile(r"^(?:\d{1,3}|-\s*\d{1,3}\s*-|(?:GE\.)?\d{2}-\d{5}(?:\s*\([A-Z]\))?|\d{1,3}\s*/\s*\d{1,3})$")
_MARKER_IN_TEXT = re.compile(r"(?<=\S)(?:\*{1,4}|⁎|[†‡]{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})(?![*⁎†‡⁰¹²³⁴⁵⁶⁷⁸⁹])")
_ITEM_MARK = re.compile(r"[(（](?P<label>[a-z]|[ivx]{1,4})[)）]")
_ITEM_CONNECTOR = re.compile(r"(?:\s*(?:和|及|以及|或|and|or))\s*$")


@dataclass
class Line:
    text: str
    start: int
    end: int
    blank_before: bool


@dataclass
class _Block:
    """A paragraph being assembled from pieces of source text."""

    number: int | None
    section: str | None
    pieces: list[tuple[int, int, str]] = field(default_factory=list)
    last_kind: str = "text"

    def add(self, start: int, end: int, joiner: str, kind: str = "text") -> None:
        self.pieces.append((start, end, joiner if self.pieces else ""))
        self.last_kind = kind

    def text(self, source: str) -> str:
        return "".join(j + source[s:e] for s, e, j in self.pieces)


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    blank = False
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            lines.append(Line(stripped, pos + lead, pos + lead + len(stripped), blank))
            blank = False
        else:
            blank = True
        pos += len(raw) + 1
    return lines


def _continues_section_letters(text: str, section: Section | None) -> bool:
    """ "I." right after section "H." is section I, not chapter I (likewise V after U, X after W)."""
    if section is None or not re.match(r"^[IVX]\s*[.．]", text):
        return False
    return section.label[:1] == chr(ord(text[0]) - 1)


class Segment:
    """Builds meta, summary, toc, sections, paragraphs, footnotes and sentences from ``doc.text``."""

    name = "segment"

    def __init__(self, config: SegmentConfig | None = None) -> None:
        self.config = config or SegmentConfig()

    def __call__(self, doc: Document) -> Document:
        return Segmenter(doc, self.config).run()


class Segmenter:
    def __init__(self, doc: Document, config: SegmentConfig) -> None:
        self.doc = doc
        self.config = config
        self.lang = doc.language if doc.language in ("zh", "en") else "zh"
        self.source = doc.text
        self.max_heading = config.max_heading_chars_zh if self.lang == "zh" else config.max_heading_chars_en
        self.joiner = "" if self.lang == "zh" else " "
        self._section_ids: set[str] = set()

    # -- top level ---------------------------------------------------------------------------------
    def run(self) -> Document:
        doc = self.doc
        lines = split_lines(self.source)
        summary_at, toc_at, body_at = self._regions(lines)
        first_block = min(i for i in (summary_at, toc_at, body_at, len(lines)) if i is not None)
        front = lines[:first_block]
        doc.front_matter = [ln.text for ln in front]
        doc.meta = parse_front_matter(doc.front_matter, self.lang)
        doc.meta.language = self.lang

        footnotes: list[Footnote] = []
        if summary_at is not None:
            end = min(i for i in (toc_at, body_at, len(lines)) if i is not None and i > summary_at)
            doc.summary = self._unnumbered_blocks(lines[summary_at + 1:end], footnotes)
        if toc_at is not None:
            end = body_at if body_at is not None else len(lines)
            doc.toc = parse_toc([ln.text for ln in lines[toc_at + 1:end]])
        if body_at is not None:
            self._body(lines[body_at:], footnotes)
        doc.footnotes = footnotes
        self._link_footnotes(front)
        self._finish_paragraphs()
        doc.structure_findings.extend(self._numbering_findings())
        doc.structure_findings.extend(check_against_toc(doc))
        self._symbols()
        return doc

    def _regions(self, lines: list[Line]) -> tuple[int | None, int | None, int | None]:
        summary_at = next((i for i, ln in enumerate(lines) if ln.text in SUMMARY_HEADINGS), None)
        toc_at = next((i for i, ln in enumerate(lines) if ln.text in TOC_HEADINGS), None)
        search_from = max(i for i in (summary_at, toc_at, -1) if i is not None) + 1
        body_at = None
        for i in range(search_from, len(lines)):
            text = lines[i].text
            if toc_at is not None and i > toc_at and self._is_toc_line(text):
                continue
            if self._chapter(text) or self._annex(text) or (
                NUMBERED.match(text) and not self._heading_like(NUMBERED.match(text).group("title"))
            ):
                body_at = i
                break
            if summary_at is None and toc_at is None and SECTION.match(text) and self._heading_like(
                SECTION.match(text).group("title")
            ):
                body_at = i
                break
        return summary_at, toc_at, body_at

    def _is_toc_line(self, text: str) -> bool:
        return bool(TOC_TRAILING_PAGE.search(text)) or text.replace(" ", "") in (
            "段次页次", "ParagraphsPage", "页次", "Page", "段次", "Paragraphs")

    # -- classification helpers --------------------------------------------------------------------
    def _heading_like(self, title: str) -> bool:
        bare = strip_trailing_markers(title)
        if not bare or len(bare) > self.max_heading:
            return False
        if ends_closed(bare, self.lang) or bare[-1] in "，,、":
            return False
        return not (self.lang == "zh" and "。" in bare)

    def _chapter(self, text: str) -> tuple[int, str] | None:
        match = CHAPTER_ZH.match(text)
        value = None
        if match:
            value = cn_numeral_to_int(match.group("num"))
        else:
            match = CHAPTER_ROMAN.match(text)
            if match:
                value = roman_to_int(match.group("num"))
        if match and value and self._heading_like(match.group("title")):
            return value, match.group("title").strip()
        return None

    def _annex(self, text: str) -> tuple[str, str] | None:
        match = ANNEX.match(text)
        if not match:
            return None
        title = match.group("title").strip()
        if title and not self._heading_like(title):
            return None
        num = match.group("num")
        value = cn_numeral_to_int(num) if num and num[0] in "一二三四五六七八九十" else roman_to_int(num or "")
        label = match.group("word") + (num or "")
        return (f"Annex.{int_to_roman(value)}" if value else "Annex"), label + ("\t" + title if title else "")

    # -- summary -----------------------------------------------------------------------------------
    def _unnumbered_blocks(self, lines: list[Line], footnotes: list[Footnote]) -> list[Paragraph]:
        blocks: list[_Block] = []
        footnote: Footnote | None = None
        for line in lines:
            fn = FOOTNOTE_LINE.match(line.text)
            if fn:
                footnote = self._footnote(fn, line)
                footnotes.append(footnote)
                continue
            if footnote is not None and not line.blank_before and not ends_closed(footnote.text, self.lang):
                footnote.text += self.joiner + line.text
                continue
            footnote = None
            if blocks and not ends_closed(blocks[-1].text(self.source), self.lang):
                blocks[-1].add(line.start, line.end, self._continuation(blocks[-1], line))
            else:
                block = _Block(None, "summary")
                block.add(line.start, line.end, "")
                blocks.append(block)
        return [self._paragraph(b) for b in blocks]

    def _footnote(self, match: re.Match[str], line: Line) -> Footnote:
        return Footnote(marker=match.group("marker"), text=match.group("text").strip(),
                        span=(line.start, line.end))

    def _continuation(self, block: _Block, line: Line) -> str:
        before = block.text(self.source)[-1:]
        after = line.text[:1]
        if self.lang == "zh":
            return " " if before.isascii() and before.isalnum() and after.isascii() and after.isalnum() else ""
        if before == "-" or before in OPENERS:
            return ""
        return " "

    # -- body --------------------------------------------------------------------------------------
    def _body(self, lines: list[Line], footnotes: list[Footnote]) -> None:
        doc = self.doc
        chapter: Section | None = None
        section: Section | None = None
        sub: Section | None = None
        blocks: list[_Block] = []
        current: _Block | None = None
        last_number = 0
        sub_count = 0
        footnote: Footnote | None = None
        heading: Section | None = None  # the heading just read, for titles wrapped over two lines
        numbered_ahead = self._numbered_ahead(lines)

        def add_section(sec: Section) -> Section:
            doc.sections.append(sec)
            return sec

        for idx, line in enumerate(lines):
            text = line.text
            fn = FOOTNOTE_LINE.match(text)
            if fn:
                footnote = self._footnote(fn, line)
                footnotes.append(footnote)
                heading = None
                continue
            if footnote is not None and not line.blank_before and not ends_closed(footnote.text, self.lang) \
                    and not self._structural(text):
                footnote.text += self.joiner + text
                continue
            footnote = None
            if PAGE_NOISE.match(text) or (doc.meta.symbol and text == doc.meta.symbol):
                continue
            if heading is not None and not self._structural(text) and self._heading_like(text):
                if heading.kind == "annex" and not heading.title:
                    heading.title = text  # "附件" / "Annex" with its title on the next line
                    continue
                if not line.blank_before and not ends_closed(heading.title, self.lang):
                    heading.title += self.joiner + text  # a title wrapped over two lines
                    continue
            heading = None

            chap = self._chapter(text)
            if chap and _continues_section_letters(text, section):
                chap = None
            annex = None if chap else self._annex(text)
            if chap or annex:
                if chap:
                    value, title = chap
                    sid, label = int_to_roman(value), text[: len(text) - len(title)].strip()
                    kind = "chapter"
                else:
                    sid, label_title = annex
                    label, _, title = label_title.partition("\t")
                    kind = "annex"
                    last_number = 0
                sid = self._unique_id(sid)
                chapter = add_section(Section(sid, 1, kind, label, title, None, [], line.start))
                section = sub = None
                sub_count = 0
                current = None
                heading = chapter
                continue
            sec_match = SECTION.match(text)
            if sec_match and self._heading_like(sec_match.group("title")):
                letter = sec_match.group("letter")
                sid = self._unique_id(f"{chapter.id}.{letter}" if chapter else letter)
                section = add_section(Section(sid, 2, "section", f"{letter}.", sec_match.group("title").strip(),
                                              chapter.id if chapter else None, [], line.start))
                sub = None
                sub_count = 0
                current = None
                heading = section
                continue
            num_match = NUMBERED.match(text)
            if num_match:
                number = int(num_match.group("num"))
                title = num_match.group("title")
                expected = last_number + 1
                next_number = numbered_ahead[idx]
                next_is_numbered = idx + 1 < len(lines) and bool(NUMBERED.match(lines[idx + 1].text))
                is_sub = (
                    self._heading_like(title)
                    and number == sub_count + 1
                    and next_is_numbered
                    and (number != expected or next_number == number)
                )
                if is_sub:
                    parent = section or chapter
                    sid = self._unique_id(f"{parent.id}.{number}" if parent else str(number))
                    sub = add_section(Section(sid, 3, "subsection", f"{number}.", title.strip(),
                                              parent.id if parent else None, [], line.start))
                    sub_count = number
                    current = None
                    heading = sub
                    continue
                owner = sub or section or chapter
                current = _Block(number, owner.id if owner else None)
                title_start = line.start + num_match.start("title")
                current.add(title_start, line.end, "")
                blocks.append(current)
                last_number = number
                continue
            is_item = bool(ITEM_LINE.match(text))
            if current is not None:
                previous = current.text(self.source)
                if is_item or (current.last_kind == "item" and ends_closed(previous, self.lang)):
                    joiner = "\n"
                else:
                    joiner = self._continuation(current, line)
                current.add(line.start, line.end, joiner, "item" if is_item else "text")
                continue
            # Unnumbered text with no paragraph open (after a heading, or a document without numbering).
            owner = sub or section or chapter
            current = _Block(None, owner.id if owner else None)
            current.add(line.start, line.end, "", "item" if is_item else "text")
            blocks.append(current)
            if ends_closed(text, self.lang):
                current = None if owner is not None and owner.kind != "annex" else current
        doc.paragraphs = [self._paragraph(b) for b in blocks]
        by_id = {sec.id: sec for sec in doc.sections}
        for para in doc.paragraphs:
            sec = by_id.get(para.section) if para.number is not None and para.section else None
            while sec is not None:
                sec.paragraphs.append(para.number)
                sec = by_id.get(sec.parent) if sec.parent else None

    def _structural(self, text: str) -> bool:
        return bool(self._chapter(text) or SECTION.match(text) or NUMBERED.match(text) or ITEM_LINE.match(text)
                    or FOOTNOTE_LINE.match(text))

    def _numbered_ahead(self, lines: list[Line]) -> list[int | None]:
        """For each line, the number of the next line that starts with "N." (for heading/paragraph choice)."""
        ahead: list[int | None] = [None] * len(lines)
        nxt: int | None = None
        for i in range(len(lines) - 1, -1, -1):
            ahead[i] = nxt
            match = NUMBERED.match(lines[i].text)
            if match:
                nxt = int(match.group("num"))
        return ahead

    def _unique_id(self, sid: str) -> str:
        existing = self._section_ids
        candidate, n = sid, 2
        while candidate in existing:
            candidate = f"{sid}~{n}"
            n += 1
        existing.add(candidate)
        return candidate

    def _paragraph(self, block: _Block) -> Paragraph:
        text = block.text(self.source)
        return Paragraph(number=block.number, section=block.section, text=text,
                         spans=[(s, e) for s, e, _ in block.pieces], items=self._items(text))

    # -- sub-items ---------------------------------------------------------------------------------
    def _items(self, text: str) -> list[SubItem]:
        letters: list[tuple[str, int]] = []
        romans: list[tuple[str, int]] = []
        expect_letter, expect_roman = "a", 1
        for match in _ITEM_MARK.finditer(text):
            label, pos = match.group("label"), match.start()
            if not self._item_context(text, pos):
                continue
            if label == expect_letter:
                letters.append((label, pos))
                expect_letter = chr(ord(label) + 1)
            elif roman_to_int(label.upper()) == expect_roman:
                romans.append((label, pos))
                expect_roman += 1
            elif label == "i" and expect_roman > 1:
                continue
        if len(letters) < 2:
            letters = []
        if len(romans) < 2:
            romans = []
        marks = sorted(letters + romans, key=lambda m: m[1])
        items = []
        for k, (label, pos) in enumerate(marks):
            end = marks[k + 1][1] if k + 1 < len(marks) else self._last_item_end(text, pos)
            chunk = text[pos:end]
            chunk = _ITEM_CONNECTOR.sub("", chunk.rstrip())
            items.append(SubItem(label, chunk, pos, pos + len(chunk)))
        return items

    def _last_item_end(self, text: str, pos: int) -> int:
        """An item on its own line runs to the line's end; an inline one to the end of its sentence."""
        if pos == 0 or text[pos - 1] == "\n":
            newline = text.find("\n", pos)
            return len(text) if newline < 0 else newline
        for start, end in split_sentences(text, self.lang):
            if start <= pos < end:
                return end
        return len(text)

    @staticmethod
    def _item_context(text: str, pos: int) -> bool:
        if pos == 0:
            return True
        before = text[max(0, pos - 4):pos]
        if re.search(r"\d\s?$", before):
            return False  # "项目 7(a)", "paragraph 5 (a)": a reference, not an item
        return bool(re.search(r"(?:[\s：:；;，,、]|和|及|或|and|or)$", before))

    # -- footnotes ---------------------------------------------------------------------------------
    def _link_footnotes(self, front: list[Line]) -> None:
        """Attach each footnote to the marker it explains: the nearest unused occurrence before it.

        One pass collects every marker occurrence (by marker string, in source order); each footnote
        then picks from its own marker's list, so the cost stays linear in the document's length.
        """
        doc = self.doc
        places: list[tuple[int, str, Paragraph | None, str]] = [
            (line.start, "front_matter", None, line.text) for line in front]
        places += [(para.spans[0][0], "summary", para, para.text) for para in doc.summary]
        places += [(para.spans[0][0], "body", para, para.text) for para in doc.paragraphs]
        places.sort(key=lambda p: p[0])
        occurrences: dict[str, list[tuple[int, int, str, Paragraph | None]]] = {}
        for pos, location, para, text in places:
            for match in _MARKER_IN_TEXT.finditer(text):
                occurrences.setdefault(match.group(0), []).append((pos, match.start(), location, para))
        for fn in doc.footnotes:
            candidates = occurrences.get(fn.marker, [])
            fn_pos = fn.span[0] if fn.span else 0
            cut = bisect.bisect_left(candidates, fn_pos, key=lambda c: c[0])
            k = cut - 1 if cut > 0 else (0 if candidates else None)
            if k is None:
                fn.location = "unlinked"
                doc.structure_findings.append(StructureFinding(
                    "footnote_unlinked", "low", f"footnote {fn.marker} has no marker in the text: {fn.text[:40]}"))
                continue
            _, offset, location, para = candidates.pop(k)
            fn.location = location
            fn.offset = offset
            fn.paragraph = para.number if para is not None and location == "body" else None
        known = {fn.marker for fn in doc.footnotes}
        for para in doc.paragraphs:
            for match in re.finditer(r"(?<=\S)[⁰¹²³⁴⁵⁶⁷⁸⁹†‡]+", para.text):
                if match.group(0) not in known:
                    doc.structure_findings.append(StructureFinding(
                        "marker_without_footnote", "medium",
                        f"footnote marker {match.group(0)} in paragraph {para.number} has no footnote text",
                        paragraph=para.number, section=para.section))

    # -- sentences, tokens, symbols ----------------------------------------------------------------
    def _finish_paragraphs(self) -> None:
        for para in [*self.doc.summary, *self.doc.paragraphs]:
            para.sentences = []
            for start, end in split_sentences(para.text, self.lang):
                sent = para.text[start:end]
                tokens = tokenize(sent, self.lang) if self.config.tokenize else []
                para.sentences.append(Sentence(sent, start, end, tokens))

    def _numbering_findings(self) -> list[StructureFinding]:
        findings = []
        previous: int | None = None
        seen: set[tuple[str, int]] = set()
        for para in self.doc.paragraphs:
            if para.number is None:
                continue
            scope = self._annex_scope(para.section)
            if (scope, para.number) in seen:
                findings.append(StructureFinding("paragraph_duplicate", "high",
                                                 f"paragraph number {para.number} appears twice",
                                                 para.number, para.section))
            seen.add((scope, para.number))
            if previous is not None and scope == "" and para.number != previous + 1:
                if para.number > previous + 1:
                    missing = (f"{previous + 1}" if para.number == previous + 2
                               else f"{previous + 1}-{para.number - 1}")
                    findings.append(StructureFinding(
                        "paragraph_missing", "high",
                        f"paragraph numbering jumps from {previous} to {para.number}: {missing} missing",
                        para.number, para.section))
                elif para.number <= previous:
                    findings.append(StructureFinding(
                        "paragraph_out_of_order", "high",
                        f"paragraph {para.number} follows paragraph {previous}", para.number, para.section))
            if scope == "":
                previous = para.number
        return findings

    def _annex_scope(self, section_id: str | None) -> str:
        if section_id and section_id.startswith("Annex"):
            return section_id.split(".")[0] + "." + (section_id.split(".")[1] if "." in section_id else "")
        return ""

    def _symbols(self) -> None:
        meta = self.doc.meta
        for fn in self.doc.footnotes:
            found = find_symbols(fn.text)
            if fn.location == "front_matter" and found and meta.agenda_symbol is None and any(
                fn.marker in line for line in self.doc.front_matter if "议程" in line or "agenda" in line.lower()
            ):
                meta.agenda_symbol = found[0]
            for symbol in found:
                if symbol not in meta.symbols:
                    meta.symbols.append(symbol)


__all__ = ["Segment", "Segmenter", "split_lines"]
