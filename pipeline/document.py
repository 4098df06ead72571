"""The one document model every stage reads and enriches.

Plain dataclasses, serialisable to JSON and back without loss (``to_dict`` / ``from_dict``).
Character offsets: ``Paragraph.spans`` point into ``Document.text`` (the normalised source);
``Sentence.start/end`` and ``SubItem.start/end`` point into their paragraph's ``text``, which is
the de-paginated paragraph (page-cut halves rejoined, footnote lines moved out).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

SCHEMA_VERSION = 1


@dataclass
class Meta:
    """Front matter of a UN document. Dates are ISO 8601 strings; absent facts are None."""

    symbol: str | None = None
    symbols: list[str] = field(default_factory=list)
    agenda_symbol: str | None = None
    organ: str | None = None
    distribution: str | None = None
    date: str | None = None
    language: str | None = None
    original_language: str | None = None
    session: str | None = None
    session_dates: str | None = None
    session_start: str | None = None
    session_end: str | None = None
    agenda_item: str | None = None
    agenda_title: str | None = None
    title: str | None = None
    subtitle: str | None = None


@dataclass
class Sentence:
    text: str
    start: int
    end: int
    tokens: list[str] = field(default_factory=list)


@dataclass
class SubItem:
    """A lettered or numbered sub-item such as "(a)" inside a paragraph."""

    label: str
    text: str
    start: int
    end: int


@dataclass
class Paragraph:
    """A numbered body paragraph (``number`` set) or an unnumbered block paragraph (summary, annex text)."""

    number: int | None
    section: str | None
    text: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    items: list[SubItem] = field(default_factory=list)
    risk: float = 0.0
    """0..1, set by the check stage from the flags in this paragraph."""


@dataclass
class Section:
    """A heading: chapter (level 1), section (level 2) or numbered sub-heading (level 3); annexes are level 1."""

    id: str
    level: int
    kind: str
    label: str
    title: str
    parent: str | None = None
    paragraphs: list[int] = field(default_factory=list)
    start: int | None = None


@dataclass
class Footnote:
    marker: str
    text: str
    paragraph: int | None = None
    location: str = "body"
    offset: int | None = None
    span: tuple[int, int] | None = None


@dataclass
class TocEntry:
    label: str
    title: str
    level: int
    first: int | None = None
    last: int | None = None
    page: str | None = None
    section: str | None = None


@dataclass
class StructureFinding:
    kind: str
    severity: str
    message: str
    paragraph: int | None = None
    section: str | None = None


@dataclass
class Flag:
    """A suspected defect for a reviewer. ``span`` is (start, end) in the paragraph's text;
    ``index`` is the paragraph's position in ``Document.paragraphs`` (``paragraph`` is its number,
    None for unnumbered blocks)."""

    id: str
    type: str
    severity: str
    paragraph: int | None
    span: tuple[int, int]
    text: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    suggestion: str | None = None
    index: int | None = None


@dataclass
class Summary:
    """A summary of one section (``section`` its id) or of the whole body (``section`` None, ``kind``
    "executive"). ``text`` shows every sentence followed by its paragraph citation; ``sentences`` and
    ``citations`` hold them apart. ``paragraphs`` are the numbers of the cited paragraphs."""

    section: str | None
    language: str
    text: str
    method: str
    paragraphs: list[int] = field(default_factory=list)
    machine_translated: bool = False
    kind: str = "section"
    sentences: list[str] = field(default_factory=list)
    citations: list[list[int]] = field(default_factory=list)
    """Per sentence, the positions in ``Document.paragraphs`` it draws on, in the document the summary
    was made from (the Chinese one when ``machine_translated``)."""
    checked: list[list[str]] = field(default_factory=list)
    """Per sentence, the numbers, dates, symbols and UN bodies it names; each was found in its citations."""
    generated: int = 0
    """Candidate sentences the grounding check saw (every attempt counts)."""
    failed: int = 0
    """Candidates that failed the check (a name or number not in the cited paragraphs)."""
    dropped: int = 0
    """Sentences left out because they failed, after any regeneration."""
    regenerated: int = 0
    """Times the Generator was asked again after a failure."""
    seconds: float = 0.0


@dataclass
class Document:
    id: str
    language: str
    text: str
    source_path: str | None = None
    meta: Meta = field(default_factory=Meta)
    front_matter: list[str] = field(default_factory=list)
    summary: list[Paragraph] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    structure_findings: list[StructureFinding] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    risk: float | None = None
    """Overall risk 0..1 set by the check stage (None: not checked)."""
    terms: list[dict[str, Any]] = field(default_factory=list)
    """Glossary terms found by the check stage: {"en_term", "zh_rendering", "count"} for every rendering used
    (standard or not), so that a batch can compare renderings across documents."""
    check_coverage: dict[str, Any] = field(default_factory=dict)
    """What the check stage's model-based checks read, so a reviewer knows what was not read: for
    ``garbled_lm``, the characters and paragraphs the language model scored and the candidates re-scored."""
    schema_version: int = SCHEMA_VERSION

    def paragraph(self, number: int) -> Paragraph | None:
        """The numbered paragraph ``number``, or None."""
        for para in self.paragraphs:
            if para.number == number:
                return para
        return None

    def section(self, section_id: str) -> Section | None:
        for sec in self.sections:
            if sec.id == section_id:
                return sec
        return None

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return from_dict(cls, data)

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls.from_dict(json.loads(text))


@dataclass
class Alignment:
    """A link between indices on the source (zh) and target (en) side, as vecalign writes them."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float
    level: str = "sentence"


@dataclass
class DocumentPair:
    """The Chinese document, its English original when there is one, and what relates them."""

    zh: Document
    en: Document | None = None
    alignments: list[Alignment] = field(default_factory=list)
    structure_findings: list[StructureFinding] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentPair:
        return from_dict(cls, data)


T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """JSON-ready form of a model object: dataclasses become dicts, tuples become lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a model object from ``to_dict`` output, checking field names."""
    return typing.cast(T, _decode(cls, data))


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _decode(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _decode(non_none[0], value) if len(non_none) == 1 else value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ValueError(f"expected an object for {tp.__name__}, got {type(value).__name__}")
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"unknown field(s) for {tp.__name__}: {', '.join(sorted(unknown))}")
        return tp(**{k: _decode(hints[k], v) for k, v in value.items()})
    if origin is list:
        (arg,) = typing.get_args(tp)
        return [_decode(arg, v) for v in value]
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value, strict=True))
    if origin is dict:
        _, val_tp = typing.get_args(tp)
        return {k: _decode(val_tp, v) for k, v in value.items()}
    return value
