"""Table of contents: parse its entries and check the body against them."""

from __future__ import annotations

import re

from pipeline.document import Document, Section, StructureFinding, TocEntry
from pipeline.textutil import cn_numeral_to_int, int_to_roman, roman_to_int

_HEADER = re.compile(r"^(?:段次|页次|Paragraphs|Page|Paragraph|Pages)(?:\s+(?:段次|页次|Paragraphs|Page|Pages))*$",
                     re.IGNORECASE)
_ENTRY = re.compile(
    r"""^(?P<label>[一二三四五六七八九十]+\s*[.．、]|[IVXL]+\s*\.|[A-Z]\s*[.．]|\d{1,2}\s*[.．](?!\d)|
          (?:附件|Annex(?:es)?|Appendix)\s*(?:[一二三四五六七八九十]+|[IVXL]+)?\s*[.:：]?)?
        \s*(?P<title>.*?)
        (?:[\s.·…]*?(?P<first>\d{1,4})(?:\s*[-–—]\s*(?P<last>\d{1,4}))?)?
        [\s.·…]+(?P<page>\d{1,4}|[ivxlc]{1,6})$""",
    re.VERBOSE,
)


def parse_toc(lines: list[str]) -> list[TocEntry]:
    """Entries from the lines between the contents heading and the body; wrapped titles are joined."""
    entries: list[TocEntry] = []
    pending = ""
    for raw in lines:
        line = raw.strip()
        if not line or _HEADER.match(line.replace("\t", " ")):
            continue
        if "\t" in line:
            line = re.sub(r"\t+", "\t", line)
        candidate = (pending + (" " if pending and pending[-1].isascii() else "") + line) if pending else line
        match = _ENTRY.match(candidate.replace("\t", "  "))
        if not match:
            pending = candidate
            continue
        pending = ""
        label = re.sub(r"\s+", "", match.group("label") or "")
        first = int(match.group("first")) if match.group("first") else None
        last = int(match.group("last")) if match.group("last") else first
        title = match.group("title").strip(" .·…\t")
        if not label and not title:
            continue
        level = _level(label, entries[-1] if entries else None)
        entries.append(TocEntry(label=label, title=title, level=level, first=first, last=last,
                                page=match.group("page")))
    return entries


def _level(label: str, previous: TocEntry | None) -> int:
    if not label:
        return 1
    head = label.rstrip(".．、:：")
    if head.startswith(("附件", "Annex", "Appendix")):
        return 1
    if len(head) == 1 and head.isupper():
        # "I.", "V.", "X." are chapters unless they continue a run of section letters (H. → I.).
        if head in "IVX" and not (previous and previous.level == 2
                                  and previous.label[:1] == chr(ord(head) - 1)):
            return 1
        return 2
    if head[0] in "一二三四五六七八九十" or roman_to_int(head):
        return 1
    return 3


def _norm_title(title: str) -> str:
    return re.sub(r"[\s“”\"'‘’《》「」]", "", title).lower()


def entry_section_id(entry: TocEntry, chapter: str | None) -> str | None:
    head = entry.label.rstrip(".．、:：")
    if entry.level == 1:
        if head.startswith(("附件", "Annex", "Appendix")):
            num = re.sub(r"^(?:附件|Annexes|Annex|Appendix)", "", head)
            value = cn_numeral_to_int(num) if num and num[0] in "一二三四五六七八九十" else roman_to_int(num)
            return f"Annex.{int_to_roman(value)}" if value else "Annex"
        value = cn_numeral_to_int(head) if head and head[0] in "一二三四五六七八九十" else roman_to_int(head)
        return int_to_roman(value) if value else None
    if entry.level == 2:
        return f"{chapter}.{head}" if chapter else head
    return None


def check_against_toc(doc: Document) -> list[StructureFinding]:
    """Every entry found in the body with the same title and paragraph range; every heading listed."""
    if not doc.toc:
        return []
    findings: list[StructureFinding] = []
    chapter: str | None = None
    listed: set[str] = set()
    levels = {e.level for e in doc.toc}
    by_id = {s.id: s for s in doc.sections}
    for entry in doc.toc:
        sid = entry_section_id(entry, chapter)
        if entry.level == 1:
            chapter = sid
        section = by_id.get(sid) if sid else None
        if section is None:
            section = _by_title(doc.sections, entry)
        name = f"{entry.label} {entry.title}".strip()
        if section is None:
            findings.append(StructureFinding("toc_entry_missing", "medium",
                                             f"contents entry '{name}' has no heading in the body"))
            continue
        entry.section = section.id
        listed.add(section.id)
        if _norm_title(section.title) != _norm_title(entry.title):
            findings.append(StructureFinding(
                "toc_title_mismatch", "low",
                f"contents entry '{name}' differs from the heading '{section.label} {section.title}'",
                section=section.id))
        if entry.first is not None:
            numbers = section.paragraphs
            if not numbers:
                findings.append(StructureFinding(
                    "toc_range_mismatch", "medium",
                    f"contents entry '{name}' lists paragraphs {entry.first}-{entry.last}, "
                    "the body has none under that heading", section=section.id))
            elif (min(numbers), max(numbers)) != (entry.first, entry.last):
                findings.append(StructureFinding(
                    "toc_range_mismatch", "medium",
                    f"contents entry '{name}' lists paragraphs {entry.first}-{entry.last}, "
                    f"the body has {min(numbers)}-{max(numbers)}", section=section.id))
    for section in doc.sections:
        if section.level in levels and section.id not in listed:
            findings.append(StructureFinding(
                "section_not_in_toc", "low",
                f"heading '{section.label} {section.title}' is not in the table of contents", section=section.id))
    return findings


def _by_title(sections: list[Section], entry: TocEntry) -> Section | None:
    wanted = _norm_title(entry.title)
    for section in sections:
        if section.level == entry.level and _norm_title(section.title) == wanted:
            return section
    return None
