"""Report stage: the reviewer report, ``report.html`` and ``report.md``, written beside the JSON outputs.

The HTML report is one self-contained file (inline CSS and JS, no network: a Content-Security-Policy
forbids every fetch and lets only the report's own script run). It shows the Chinese paragraphs beside
their aligned English paragraphs, flags highlighted in place, section summaries at each section's head,
filters by flag type and severity, and a jump list of the highest-risk paragraphs. The Markdown report
carries the same facts in readable form.

Both are rendered with Jinja2 from ``pipeline/templates/``: HTML with autoescaping, Markdown with a
finalizer that escapes every value for Markdown, so document text (``<script>``, ``&amp;``, ``*``) always
stays text. Rendering works from a view model built here; the templates hold no logic beyond loops.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline import __version__
from pipeline.atomic import atomic_write_text
from pipeline.config import Config, ReportConfig
from pipeline.document import Document, DocumentPair, Flag, Paragraph, StructureFinding, Summary
from pipeline.errors import PipelineError

log = logging.getLogger("undoc.report")

SEVERITIES = ("high", "medium", "low")
"""Known severities, most serious first; any other value ranks below them."""
RISK_BANDS = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))
"""Display bands for a 0..1 risk: a label and a colour for the reader, never used to decide anything."""
TEMPLATE_DIR = "templates"
PACKAGE_DATA_GLOB = "templates/*"
"""What ``[tool.setuptools.package-data]`` must ship for the report to render from an installed package."""


# -- view model --------------------------------------------------------------------------------------------


@dataclass
class FlagView:
    key: str
    """DOM key (``f1``, ``f2``…): flag ids may hold any character, so the page refers to flags by this."""
    flag: Flag
    severity: str
    rank: int
    index: int | None
    """Position in ``Document.paragraphs`` (from ``Flag.index``, else from ``Flag.paragraph``); None: not found."""
    anchor: str | None
    """Id of the paragraph element the flag sits in (None: the flag names no paragraph of the document)."""
    where: str
    inline: bool = False
    """True once the flag's span has been marked in the paragraph text."""
    english: str | None = None
    evidence: list[tuple[str, str]] = field(default_factory=list)
    context: str = ""
    """The flagged text in 【】 with a few characters either side, for the Markdown report."""


@dataclass
class Piece:
    text: str
    flags: list[FlagView] = field(default_factory=list)
    caret: bool = False
    """A zero-width flag (something missing at this point): drawn as a marker, carries no text."""

    @property
    def keys(self) -> str:
        return " ".join(f.key for f in self.flags)

    @property
    def severities(self) -> str:
        return " ".join(f.severity for f in self.flags)

    @property
    def severity(self) -> str:
        return max(self.flags, key=lambda f: f.rank).severity if self.flags else ""

    @property
    def title(self) -> str:
        return "\n".join(f"{f.severity.upper()} · {f.flag.type}: {f.flag.message}" for f in self.flags)


@dataclass
class Run:
    """Consecutive pieces of one sentence (or of text that belongs to no sentence)."""

    link: int | None = None
    status: str = ""
    """"linked", "weak" (similarity below ``weak_link_score``), "unlinked" (no counterpart), "" (unknown)."""
    score: float | None = None
    pieces: list[Piece] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.status == "unlinked":
            return "no aligned sentence on the other side"
        if self.link is None:
            return ""
        return f"sentence link {self.link}" + (f", similarity {self.score:.2f}" if self.score is not None else "")


@dataclass
class ParagraphView:
    anchor: str
    label: str
    kind: str
    """"body" (``Document.paragraphs``) or "summary" (``Document.summary``)."""
    index: int
    """Position in ``Document.paragraphs`` (body) or ``Document.summary``."""
    block: int
    """Position in ``pipeline.align.blocks``: what paragraph alignments count."""
    paragraph: Paragraph
    runs: list[Run] = field(default_factory=list)
    flags: list[FlagView] = field(default_factory=list)
    findings: list[StructureFinding] = field(default_factory=list)
    where: str = ""
    """How a reviewer names it: "¶ 12", "unnumbered paragraph after ¶ 12", "summary paragraph 2"."""

    @property
    def risk(self) -> float:
        return self.paragraph.risk



@dataclass
class Row:
    """One line of the side-by-side view: Chinese paragraph(s) and the English paragraph(s) aligned to them."""

    zh: list[ParagraphView]
    en: list[ParagraphView]
    note: str = ""
    kind: str = "row"

    @property
    def flags(self) -> list[FlagView]:
        return [f for p in self.zh for f in p.flags]

    @property
    def severity(self) -> str:
        flags = self.flags
        return max(flags, key=lambda f: f.rank).severity if flags else ""

    @property
    def risk(self) -> float:
        return max((p.risk for p in self.zh), default=0.0)


@dataclass
class SummaryView:
    language: str
    text: str
    method: str
    machine_translated: bool
    cites: list[tuple[str, str | None]]
    """(label, paragraph anchor or None) for each cited paragraph."""


@dataclass
class Heading:
    id: str
    level: int
    label: str
    title: str
    en_title: str = ""
    zh_summaries: list[SummaryView] = field(default_factory=list)
    en_summaries: list[SummaryView] = field(default_factory=list)
    kind: str = "heading"


@dataclass
class Ranked:
    anchor: str
    where: str
    risk: float
    band: str
    flags: int
    severity: str
    message: str


@dataclass
class ReportView:
    doc_id: str
    title: str
    meta: list[tuple[str, str]]
    risk: float | None
    band: str
    has_en: bool
    aligned: bool
    alignment: dict[str, Any]
    flags: list[FlagView]
    types: list[tuple[str, int]]
    severities: list[tuple[str, int]]
    matrix: list[tuple[str, list[int], int]]
    executive_zh: list[SummaryView]
    executive_en: list[SummaryView]
    other_summaries: list[tuple[str, SummaryView]]
    findings: list[tuple[StructureFinding, str | None]]
    finding_severities: list[tuple[str, int]]
    top: list[Ranked]
    unplaced: list[FlagView]
    entries: list[Row | Heading]
    stages: list[str]
    files: list[str] = field(default_factory=list)
    coverage: str = ""
    """What the language model read for the garbled check (empty when the check did not run)."""
    version: str = __version__

    @property
    def flagged_paragraphs(self) -> list[ParagraphView]:
        return [p for e in self.entries if isinstance(e, Row) for p in e.zh if p.flags]


# -- pure helpers ------------------------------------------------------------------------------------------


def coverage_line(coverage: dict[str, Any]) -> str:
    """One sentence on what the garbled check's language model read: a reviewer must know what it did not."""
    lm = coverage.get("garbled_lm")
    if not lm:
        return ""
    if not lm.get("enabled"):
        return "language model off: only doubled characters and words were checked for garbled text"
    chars, scored = lm.get("chars", 0), lm.get("chars_scored", 0)
    share = f" ({scored / chars:.0%})" if chars else ""
    line = (f"the language model read {scored:,} of {chars:,} characters{share}, "
            f"{lm.get('paragraphs_scored', 0)} of {lm.get('paragraphs', 0)} paragraphs")
    if scored < chars:
        line += ", the most suspicious first (raise [stages.check] lm_budget_chars to read more)"
    rescored, passed = lm.get("candidates_rescored", 0), lm.get("candidates_screened_in", 0)
    line += f"; {rescored} of {passed} candidate spans re-scored"
    if rescored < passed:
        line += " (max_verify)"
    return line


def severity_rank(severity: str) -> int:
    """3 for high, 2 medium, 1 low, 0 for anything else."""
    s = severity.lower()
    return len(SEVERITIES) - SEVERITIES.index(s) if s in SEVERITIES else 0


def risk_band(risk: float | None) -> str:
    if risk is None:
        return "unknown"
    for threshold, name in RISK_BANDS:
        if risk >= threshold and (risk > 0 or threshold == 0):
            return name
    return "low"


def segment_text(text: str, sentences: list[tuple[int, int]],
                 spans: list[tuple[int, int, Any]]) -> list[tuple[int | None, list[tuple[str, list[Any], bool]]]]:
    """Cut ``text`` at every sentence and span boundary; give each piece the spans that cover it.

    Returns runs ``(sentence position or None, [(piece text, covering span keys, is_caret), ...])`` in
    text order. Overlapping, nested and adjacent spans all work: a piece lies wholly inside or wholly
    outside each span. Out-of-range offsets are clamped; overlapping sentences are trimmed to the first.
    Zero-width spans become caret pieces (empty text) at their position.
    """
    n = len(text)
    clamp = lambda v: max(0, min(n, int(v)))  # noqa: E731
    sents: list[tuple[int, int, int]] = []
    for pos, (s, e) in sorted(enumerate(sentences), key=lambda x: (x[1][0], x[1][1])):
        s, e = clamp(s), clamp(e)
        if sents and s < sents[-1][1]:
            s = sents[-1][1]
        if s < e:
            sents.append((s, e, pos))
    ranges: list[tuple[int, int, Any]] = []
    carets: dict[int, list[Any]] = {}
    for s, e, key in spans:
        s, e = clamp(s), clamp(e)
        if e < s:
            s, e = e, s
        if s == e:
            carets.setdefault(s, []).append(key)
        else:
            ranges.append((s, e, key))
    bounds = [b for s, e, _ in (*sents, *ranges) for b in (s, e)]
    cuts = sorted({0, n, *carets, *bounds})
    starts = [s for s, _, _ in sents]

    def owner(a: int) -> int | None:
        k = bisect.bisect_right(starts, a) - 1
        return sents[k][2] if k >= 0 and sents[k][0] <= a < sents[k][1] else None

    runs: list[tuple[int | None, list[tuple[str, list[Any], bool]]]] = []

    def add(who: int | None, piece: tuple[str, list[Any], bool]) -> None:
        if runs and runs[-1][0] == who:
            runs[-1][1].append(piece)
        else:
            runs.append((who, [piece]))

    for a, b in itertools.pairwise(cuts):
        who = owner(a)
        for key in carets.pop(a, []):
            add(who, ("", [key], True))
        add(who, (text[a:b], [k for s, e, k in ranges if s <= a and e >= b], False))
    for pos in sorted(carets):  # only a caret at the very end (or in empty text) is left
        for key in carets[pos]:
            add(runs[-1][0] if runs else None, ("", [key], True))
    return runs


def rank_paragraphs(doc: Document, flags: list[FlagView], top: int) -> list[tuple[int, float, list[FlagView]]]:
    """The ``top`` riskiest body paragraphs as (index, risk, flags), riskiest first.

    Ordered by the check stage's paragraph risk, then by the number of high, medium and all flags, then
    by position; paragraphs with neither risk nor flags are left out.
    """
    by_index: dict[int, list[FlagView]] = {}
    for fv in flags:
        if fv.index is not None:
            by_index.setdefault(fv.index, []).append(fv)
    scored = []
    for i, para in enumerate(doc.paragraphs):
        mine = by_index.get(i, [])
        if para.risk <= 0 and not mine:
            continue
        key = (para.risk, sum(f.rank == 3 for f in mine), sum(f.rank == 2 for f in mine), len(mine))
        scored.append((key, i, mine))
    scored.sort(key=lambda x: (tuple(-v for v in x[0]), x[1]))
    return [(i, doc.paragraphs[i].risk, mine) for _, i, mine in scored[:max(0, top)]]


_MD_INLINE = re.compile(r"([\\`*_\[\]{}|~])")
_MD_LEADING = re.compile(r"^(\s*)(\d+(?=[.)](?:\s|$))|)([#+=.)-])")


def md_escape(value: Any) -> str:
    """A value as Markdown text: one line, every special character escaped, HTML made inert.

    ``<``, ``>`` and ``&`` become entities (so ``<script>`` and ``&amp;`` are shown, not interpreted);
    emphasis, code, link and table characters get a backslash; a leading ``#``, ``-``, ``+``, ``=`` or
    ``1.`` is escaped so the value cannot start a heading or a list. Markup (``|safe``) passes unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, Markup):  # already Markdown: a macro's output passed through ``|safe``
        return str(value)
    text = re.sub(r"\s+", " ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LEADING.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), text)


# -- building the view -------------------------------------------------------------------------------------


def _all_flags(pair: DocumentPair) -> list[Flag]:
    """Flags on the Chinese document and on the pair, each once (by id), in paragraph order."""
    seen: set[str] = set()
    out = []
    for flag in [*pair.zh.flags, *pair.flags]:
        if flag.id in seen:
            continue
        seen.add(flag.id)
        out.append(flag)
    return out


def _flag_positions(doc: Document, flags: list[Flag]) -> list[int | None]:
    """Each flag's position in ``doc.paragraphs``: its ``index`` when that paragraph carries the flag's number
    (or either is unnumbered), else the paragraph with its number; None when neither names a paragraph."""
    by_number: dict[int, int] = {}
    for i, para in enumerate(doc.paragraphs):
        if para.number is not None:
            by_number.setdefault(para.number, i)
    out: list[int | None] = []
    for flag in flags:
        index = flag.index
        if index is not None and 0 <= index < len(doc.paragraphs):
            number = doc.paragraphs[index].number
            if flag.paragraph is None or number is None or number == flag.paragraph:
                out.append(index)
                continue
        out.append(by_number.get(flag.paragraph) if flag.paragraph is not None else None)
    return out


def _label(para: Paragraph, kind: str, index: int) -> str:
    if kind == "summary":
        return f"S{index + 1}"
    return str(para.number) if para.number is not None else "–"


def _where(doc: Document, kind: str, index: int) -> str:
    if kind == "summary":
        return f"summary paragraph {index + 1}"
    number = doc.paragraphs[index].number
    if number is not None:
        return f"¶ {number}"
    before = next((p.number for p in reversed(doc.paragraphs[:index]) if p.number is not None), None)
    return f"unnumbered paragraph after ¶ {before}" if before is not None else "unnumbered paragraph before ¶ 1"


def _context(text: str, span: tuple[int, ...], width: int = 12) -> str:
    if len(span) != 2:
        return ""
    s, e = sorted(max(0, min(len(text), int(v))) for v in span)
    before, after = text[max(0, s - width):s], text[e:e + width]
    lead, tail = ("…" if s > width else ""), ("…" if e + width < len(text) else "")
    return f"{lead}{before}【{text[s:e]}】{after}{tail}"


def _evidence(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key, value in evidence.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        out.append((str(key), text if len(text) <= 300 else text[:299] + "…"))
    return out


def _blocks(doc: Document) -> list[tuple[str, int, Paragraph]]:
    """(kind, position, paragraph) in the order ``pipeline.align.blocks`` numbers them."""
    return [*(("summary", i, p) for i, p in enumerate(doc.summary)),
            *(("body", i, p) for i, p in enumerate(doc.paragraphs))]


def _sentence_spans(para: Paragraph) -> list[tuple[int, int]]:
    """Sentence offsets; a paragraph without sentences counts as one sentence, as the aligner counts it."""
    return [(s.start, s.end) for s in para.sentences] or [(0, len(para.text))]


class _Links:
    """Sentence and paragraph links of the pair, indexed both ways."""

    def __init__(self, pair: DocumentPair, weak: float) -> None:
        self.weak = weak
        self.zh_first = self._firsts(pair.zh)
        self.en_first = self._firsts(pair.en) if pair.en is not None else []
        self.zh_sent: dict[int, int] = {}
        self.en_sent: dict[int, int] = {}
        self.score: dict[int, float] = {}
        self.en_of_link: dict[int, tuple[int, ...]] = {}
        self.zh_unlinked: set[int] = set()
        self.en_unlinked: set[int] = set()
        para_links: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        sentence_links = [a for a in pair.alignments if a.level == "sentence"]
        for k, a in enumerate(sentence_links, start=1):
            if a.src and a.tgt:
                for i in a.src:
                    self.zh_sent[i] = k
                for j in a.tgt:
                    self.en_sent[j] = k
                self.score[k] = a.score
                self.en_of_link[k] = tuple(a.tgt)
            else:
                self.zh_unlinked.update(a.src)
                self.en_unlinked.update(a.tgt)
        para_links = [(tuple(a.src), tuple(a.tgt)) for a in pair.alignments if a.level == "paragraph"]
        if not para_links and sentence_links:  # derive block links from the sentence links
            pairs: dict[int, set[int]] = {}
            for a in sentence_links:
                for i in a.src:
                    pairs.setdefault(self._block(self.zh_first, i), set()).update(
                        self._block(self.en_first, j) for j in a.tgt)
            para_links = [((b,), tuple(sorted(e))) for b, e in sorted(pairs.items())]
        self.paragraph_links = para_links

    @staticmethod
    def _firsts(doc: Document) -> list[int]:
        out, total = [], 0
        for _, _, para in _blocks(doc):
            out.append(total)
            total += len(_sentence_spans(para))
        return out

    @staticmethod
    def _block(firsts: list[int], sentence: int) -> int:
        return max(0, bisect.bisect_right(firsts, sentence) - 1)

    def run_for(self, side: str, global_index: int) -> tuple[int | None, str, float | None]:
        sent, unlinked = (self.zh_sent, self.zh_unlinked) if side == "zh" else (self.en_sent, self.en_unlinked)
        k = sent.get(global_index)
        if k is not None:
            score = self.score[k]
            return k, "weak" if score < self.weak else "linked", score
        return None, "unlinked" if global_index in unlinked else "", None


def _summary_view(summary: Summary, anchors: dict[int, str]) -> SummaryView:
    cites = [(f"¶ {n}", anchors.get(n)) for n in summary.paragraphs]
    return SummaryView(summary.language, summary.text, summary.method, summary.machine_translated, cites)


def _summaries(pair: DocumentPair) -> list[Summary]:
    out: list[Summary] = []
    for doc in (pair.zh, pair.en):
        for summary in doc.summaries if doc is not None else []:
            if not any(s is summary for s in out):
                out.append(summary)
    return out


def build_view(pair: DocumentPair, config: ReportConfig | None = None, files: list[str] | None = None) -> ReportView:
    """Everything the templates show, computed once: flags placed in their paragraphs, rows, counts, rankings."""
    config = config or ReportConfig()
    zh, en = pair.zh, pair.en
    links = _Links(pair, config.weak_link_score)
    en_sentences = [(b, para.text[s:e]) for b, (_, _, para) in enumerate(_blocks(en))
                    for s, e in _sentence_spans(para)] if en is not None else []

    # Flags: placed in their paragraph by index (or number); the others are listed apart.
    views: list[FlagView] = []
    by_paragraph: dict[int, list[FlagView]] = {}
    flags = _all_flags(pair)
    placed = sorted(zip(_flag_positions(zh, flags), flags, strict=True),
                    key=lambda x: (x[0] is None, x[0] or 0, tuple(x[1].span)))
    for n, (index, flag) in enumerate(placed, start=1):
        severity = str(flag.severity).lower()
        fv = FlagView(f"f{n}", flag, severity, severity_rank(severity), index,
                      f"p{index + 1}" if index is not None else None,
                      _where(zh, "body", index) if index is not None else
                      (f"¶ {flag.paragraph}" if flag.paragraph is not None else "no paragraph"),
                      evidence=_evidence(flag.evidence))
        if index is not None:
            by_paragraph.setdefault(index, []).append(fv)
            fv.context = _context(zh.paragraphs[index].text, flag.span)
        views.append(fv)

    number_anchor = {p.number: f"p{i + 1}" for i, p in enumerate(zh.paragraphs) if p.number is not None}
    findings = [*zh.structure_findings, *pair.structure_findings]
    findings_by_number: dict[int, list[StructureFinding]] = {}
    for finding in findings:
        if finding.paragraph is not None:
            findings_by_number.setdefault(finding.paragraph, []).append(finding)

    # Paragraph views with their text cut into sentence runs and flag pieces.
    def paragraph_view(doc: Document, side: str, block: int, kind: str, pos: int, para: Paragraph) -> ParagraphView:
        prefix = ("s" if kind == "summary" else "p") + ("" if side == "zh" else "e")
        pv = ParagraphView(f"{prefix}{pos + 1}", _label(para, kind, pos), kind, pos, block, para,
                           where=_where(doc, kind, pos))
        first = (links.zh_first if side == "zh" else links.en_first)[block]
        spans = _sentence_spans(para)
        if side == "zh" and kind == "body":
            pv.flags = by_paragraph.get(pos, [])
            if para.number is not None:
                pv.findings = findings_by_number.get(para.number, [])
        flag_spans = [(f.flag.span[0], f.flag.span[1], f) for f in pv.flags if len(f.flag.span) == 2]
        for who, pieces in segment_text(para.text, spans, flag_spans):
            link, status, score = links.run_for(side, first + who) if who is not None else (None, "", None)
            run = Run(link, status, score)
            for text, keys, caret in pieces:
                run.pieces.append(Piece(text, list(keys), caret))
                for f in keys:
                    f.inline = True
            pv.runs.append(run)
        if side == "zh" and en is not None:
            for fv in pv.flags:
                fv.english = _english_for(fv.flag, spans, first, links, en_sentences)
        return pv

    zh_views = [paragraph_view(zh, "zh", b, kind, pos, para) for b, (kind, pos, para) in enumerate(_blocks(zh))]
    en_views = [paragraph_view(en, "en", b, kind, pos, para) for b, (kind, pos, para) in enumerate(_blocks(en))] \
        if en is not None else []

    entries = _entries(pair, zh_views, en_views, links, number_anchor)

    ranked = []
    anchors_by_index = {v.index: v for v in zh_views if v.kind == "body"}
    for index, risk, mine in rank_paragraphs(zh, views, config.top_paragraphs):
        pv = anchors_by_index[index]
        worst = max(mine, key=lambda f: f.rank) if mine else None
        ranked.append(Ranked(pv.anchor, pv.where, risk, risk_band(risk), len(mine),
                             worst.severity if worst else "", worst.flag.message if worst else ""))

    types: dict[str, int] = {}
    sevs: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    cells: dict[tuple[str, str], int] = {}
    for fv in views:
        types[fv.flag.type] = types.get(fv.flag.type, 0) + 1
        sevs[fv.severity] = sevs.get(fv.severity, 0) + 1
        cells[(fv.flag.type, fv.severity)] = cells.get((fv.flag.type, fv.severity), 0) + 1
    sev_order = sorted(sevs, key=lambda s: (-severity_rank(s), s))
    type_order = sorted(types, key=lambda t: (-types[t], t))

    executive_zh, executive_en, other = [], [], []
    section_summaries: dict[str, list[SummaryView]] = {}
    section_ids = {s.id for s in zh.sections}
    en_anchor = {p.number: f"pe{i + 1}" for i, p in enumerate(en.paragraphs) if p.number is not None} if en else {}
    for summary in _summaries(pair):
        # citations point into the document the summary was made from (the Chinese one when translated)
        from_english = summary.language == "en" and not summary.machine_translated and en is not None
        sv = _summary_view(summary, en_anchor if from_english else number_anchor)
        if summary.section is None:
            (executive_en if summary.language == "en" else executive_zh).append(sv)
        elif summary.section in section_ids:
            section_summaries.setdefault(summary.section, []).append(sv)
        else:
            other.append((summary.section, sv))
    for entry in entries:
        if isinstance(entry, Heading):
            mine_s = section_summaries.get(entry.id, [])
            entry.zh_summaries = [s for s in mine_s if s.language != "en"]
            entry.en_summaries = [s for s in mine_s if s.language == "en"]

    alignment: dict[str, Any] = {}
    if en is not None and pair.alignments:  # the figures alignment.json gives, counted here without its texts
        sentence_links = [a for a in pair.alignments if a.level == "sentence"]
        linked = [a.score for a in sentence_links if a.src and a.tgt]
        alignment = {"paragraph_links": sum(a.level == "paragraph" for a in pair.alignments),
                     "sentence_links": len(sentence_links),
                     "zh_sentences_unlinked": sum(not a.tgt for a in sentence_links),
                     "en_sentences_unlinked": sum(not a.src for a in sentence_links),
                     "overall_score": round(sum(linked) / len(linked), 4) if linked else 0.0}

    meta = zh.meta
    symbols = ", ".join(meta.symbols) if meta.symbols else (meta.symbol or "")
    rows = [("Symbol", symbols), ("Date", meta.date), ("Organ", meta.organ), ("Session", meta.session),
            ("Agenda item", " ".join(x for x in (meta.agenda_item, meta.agenda_title) if x)),
            ("Distribution", meta.distribution),
            ("Languages", f"{meta.language or zh.language} (original: {meta.original_language})"
             if meta.original_language else (meta.language or zh.language)),
            ("Source", Path(zh.source_path).name if zh.source_path else ""),
            ("English original", "none" if en is None else Path(en.source_path).name if en.source_path else en.id)]
    return ReportView(
        doc_id=zh.id, title=meta.title or zh.id, meta=[(k, str(v)) for k, v in rows if v],
        risk=zh.risk, band=risk_band(zh.risk), has_en=en is not None, aligned=bool(pair.alignments),
        alignment=alignment, flags=views, types=[(t, types[t]) for t in type_order],
        severities=[(s, sevs[s]) for s in sev_order],
        matrix=[(t, [cells.get((t, s), 0) for s in sev_order], types[t]) for t in type_order],
        executive_zh=executive_zh, executive_en=executive_en, other_summaries=other,
        findings=[(f, number_anchor.get(f.paragraph) if f.paragraph is not None else None) for f in findings],
        finding_severities=sorted(Counter(str(f.severity).lower() for f in findings).items(),
                                  key=lambda x: (-severity_rank(x[0]), x[0])),
        top=ranked, unplaced=[fv for fv in views if fv.anchor is None], entries=entries,
        stages=list(zh.stages), files=list(files or []), coverage=coverage_line(zh.check_coverage),
    )


def _english_for(flag: Flag, spans: list[tuple[int, int]], first: int, links: _Links,
                 en_sentences: list[tuple[int, str]]) -> str | None:
    """The English sentence(s) linked to the Chinese sentence(s) the flag's span touches."""
    if len(flag.span) != 2:
        return None
    s, e = flag.span
    touched = [k for k, (a, b) in enumerate(spans) if (a < e and b > s) or (s == e and a <= s <= b)]
    out: list[str] = []
    for k in touched:
        link = links.zh_sent.get(first + k)
        for j in links.en_of_link.get(link, ()) if link is not None else ():
            if 0 <= j < len(en_sentences) and en_sentences[j][1] not in out:
                out.append(en_sentences[j][1])
    return " ".join(out) if out else None


def _entries(pair: DocumentPair, zh_views: list[ParagraphView], en_views: list[ParagraphView], links: _Links,
             number_anchor: dict[int, str]) -> list[Row | Heading]:
    """Rows in Chinese document order, English-only rows where the English order puts them, headings between."""
    zh, en = pair.zh, pair.en
    aligned = en is not None and bool(pair.alignments)
    link_of: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    for src, tgt in links.paragraph_links:
        for b in src:
            link_of.setdefault(b, (src, tgt))
    rows: list[Row] = []
    covered_en: set[int] = set()
    done: set[int] = set()
    for b in range(len(zh_views)):
        if b in done:
            continue
        src, tgt = link_of.get(b, ((b,), ()))
        group = [i for i in sorted(set(src) | {b}) if i not in done and 0 <= i < len(zh_views)]
        done.update(group)
        en_group = [j for j in sorted(tgt) if 0 <= j < len(en_views) and j not in covered_en]
        covered_en.update(en_group)
        note = ""
        if not tgt and aligned:
            note = "No English paragraph is aligned to this one."
        elif tgt and not en_group:
            note = "Aligned to the English paragraph shown with the row above."
        elif en is not None and not aligned:
            note = "Not aligned (the align stage did not run)."
        rows.append(Row([zh_views[i] for i in group], [en_views[j] for j in en_group], note))
    if aligned:  # English paragraphs nobody links to, placed after the row holding the English paragraph before them
        pending = [j for j in range(len(en_views)) if j not in covered_en]
        merged: list[Row] = []
        for row in rows:
            if row.en:
                lowest = min(v.block for v in row.en)
                while pending and pending[0] < lowest:
                    merged.append(Row([], [en_views[pending.pop(0)]], "No Chinese paragraph is aligned to this one."))
            merged.append(row)
        merged += [Row([], [en_views[j]], "No Chinese paragraph is aligned to this one.") for j in pending]
        rows = merged

    # Headings: each section where its first paragraph begins, the sections before it (chapters) first.
    order = {s.id: k for k, s in enumerate(zh.sections)}
    emitted = -1
    entries: list[Row | Heading] = []

    def heading(k: int) -> Heading:
        sec = zh.sections[k]
        en_sec = en.section(sec.id) if en is not None else None
        return Heading(sec.id, sec.level, sec.label, sec.title, en_title=(f"{en_sec.label} {en_sec.title}".strip()
                                                                           if en_sec else ""))

    if zh.summary:
        entries.append(Heading("summary", 1, "", "Summary"))
    for row in rows:
        first = row.zh[0] if row.zh else None
        if first is not None and first.kind == "body" and first.paragraph.section in order:
            target = order[first.paragraph.section]
            while emitted < target:
                emitted += 1
                entries.append(heading(emitted))
        entries.append(row)
    entries += [heading(k) for k in range(emitted + 1, len(zh.sections))]
    return entries


# -- rendering ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environments() -> tuple[Any, Any]:
    """The HTML (autoescaped) and Markdown (every value through ``md_escape``) Jinja environments."""
    import jinja2

    loader = jinja2.FileSystemLoader(str(_template_dir()))
    common = {"loader": loader, "undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
              "keep_trailing_newline": True}
    html = jinja2.Environment(autoescape=True, **common)
    md = jinja2.Environment(autoescape=False, finalize=md_escape, **common)
    for env in (html, md):
        env.filters["risk"] = lambda r: "—" if r is None else f"{r:.2f}"
        env.filters["risk_band"] = risk_band
        env.globals["bands"] = ", ".join(f"{name} ≥ {threshold:.2f}" for threshold, name in RISK_BANDS if threshold)
    return html, md


def _template_dir() -> Path:
    folder = resources.files("pipeline") / TEMPLATE_DIR
    path = Path(str(folder))
    if not (path / "report.html.j2").is_file():
        raise PipelineError(f"report templates are missing from {path}; reinstall undoc (package data "
                            f"'{PACKAGE_DATA_GLOB}')")
    return path


def _asset(name: str) -> str:
    return (_template_dir() / name).read_text(encoding="utf-8")


def render_html(pair: DocumentPair, config: ReportConfig | None = None, files: list[str] | None = None,
                view: ReportView | None = None) -> str:
    """The self-contained HTML report (``view``: one already built for this pair, to skip building it again)."""
    view = view or build_view(pair, config, files)
    html_env, _ = _environments()
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return html_env.get_template("report.html.j2").render(
        v=view, css=Markup(_asset("report.css")), script=Markup(script), script_hash=f"sha256-{digest}")


def render_markdown(pair: DocumentPair, config: ReportConfig | None = None, files: list[str] | None = None,
                    view: ReportView | None = None) -> str:
    """The Markdown report: the same facts as the HTML one, for reading as text or in a Markdown viewer."""
    view = view or build_view(pair, config, files)
    _, md_env = _environments()
    text = md_env.get_template("report.md.j2").render(v=view)
    return re.sub(r"\n{3,}", "\n\n", text)


def write_report(pair: DocumentPair, out: Path, config: Config) -> list[Path]:
    """Write report.html and/or report.md (``[stages.report] formats``) into ``out``, atomically.

    The HTML footer links the other files already in ``out`` (the outputs written before the report)."""
    settings = config.stages.report
    out = Path(out)
    files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.name not in ("report.html", "report.md")) if out.is_dir() else []
    view = build_view(pair, settings, files)
    written = []
    if "html" in settings.formats:
        written.append(atomic_write_text(out / "report.html", render_html(pair, view=view)))
    if "md" in settings.formats:
        written.append(atomic_write_text(out / "report.md", render_markdown(pair, view=view)))
    return written


class Report:
    """Pair stage: checks the report can be rendered (templates present); the files are written with the outputs."""

    name = "report"

    def __init__(self, config: Config) -> None:
        self.config = config

    def __call__(self, pair: DocumentPair) -> DocumentPair:
        _template_dir()
        flags = _all_flags(pair)
        unplaced = [f.id for f, index in zip(flags, _flag_positions(pair.zh, flags), strict=True) if index is None]
        if unplaced:
            log.warning("report: %d flag(s) name no paragraph of the document and are listed apart: %s",
                        len(unplaced), ", ".join(unplaced[:5]))
        return pair
