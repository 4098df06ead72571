"""PDF and Word (.docx) input: text shaped like the PDF-extracted .txt files the segment stage reads.

The format is told by the bytes, not the file name: ``%PDF-`` starts a PDF, a zip holding
``word/document.xml`` is a Word document; anything else is text for the ingest stage to decode.

PDF (pypdf): each page becomes one block of lines, pages separated by a form feed. Text pieces are
placed by their position and size, so lines come out top to bottom, a small raised number becomes
a superscript footnote marker (``¹``), and lines of one paragraph are joined into one line (a wider
gap, a change of font size, a new number or a short finished line starts a new one). Running
headers and footers are dropped: lines at the top or bottom of many pages that repeat once digits
are ignored, page numbers that count with the pages, document symbols, job numbers and bar codes.
A word broken at a line end with a hyphen is rejoined without it only when the document spells
the joined word elsewhere (``develop-``/``ment``); otherwise the hyphen stays (``long-term``).
Paragraphs cut by a page break stay cut: the segment stage rejoins them, as for .txt input.

DOCX (python-docx to open the package; its parts are read as XML, nothing is executed): body
paragraphs and tables in order (a table row is one line, cells joined by tabs), Word's automatic
paragraph numbers written out (``1.``, ``(a)``), footnote markers as superscripts in the text and
each footnote's text as a line of its own after the paragraph that cites it. Headers, footers,
comments, text boxes and deleted revisions are left out.

Everything that cannot be read raises ``InputError`` with a one-line message saying what to do.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import statistics
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

log = logging.getLogger("undoc.formats")

FORMATS = ("text", "pdf", "docx")
MAX_UNPACKED_BYTES = 300_000_000
"""A .docx whose parts unpack to more than this is refused (a zip bomb, or not a document)."""

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_MARKER_TEXT = re.compile(r"^[0-9*⁎†‡]{1,4}$")
_TERMINALS = ".!?;:。！？；：…"
_SENTENCE_END = ".!?。！？"
_CLOSERS = "”’」』）)》〉]】\"'"
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\f")
_CONTROL_IN_LINE = dict.fromkeys(c for c in range(32) if chr(c) != "\t")
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error)


def superscript(text: str) -> str:
    """Digits as Unicode superscripts (the footnote markers segment recognises)."""
    return text.translate(_SUPERSCRIPT)


# -- detection ---------------------------------------------------------------------------------------

def detect_format(data: bytes, name: str = "input") -> str:
    """"pdf", "docx" or "text", from the bytes; a file whose name promises PDF or DOCX must hold one.

    Other binary formats that are easy to mistake for a document (old .doc, .odt, .xlsx, RTF) are
    refused here with a message saying how to convert them.
    """
    suffix = Path(name).suffix.lower()
    if data.lstrip()[:5] == b"%PDF-" or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
        return "pdf"  # readers accept junk before the header; a text file that mentions %PDF- is still text
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_kind(data, name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(f"{name}: an old binary Word (.doc) file or a password-protected Office file; "
                         "save it as .docx (without a password) or as PDF and try again")
    if data.lstrip()[:5] == b"{\\rtf":
        raise InputError(f"{name}: an RTF file; save it as .docx or plain text (UTF-8) and try again")
    if suffix == ".pdf":
        raise InputError(f"{name}: not a PDF (no %PDF- header; it starts with {_preview(data)}); "
                         "check that the download finished, or pass the right file")
    if suffix in (".docx", ".docm", ".dotx"):
        raise InputError(f"{name}: not a Word .docx file (not a zip; it starts with {_preview(data)}); "
                         "open it in Word or LibreOffice and save it as .docx")
    return "text"


def _preview(data: bytes) -> str:
    return repr(data[:12])


def _zip_kind(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except _ZIP_ERRORS:
        raise InputError(f"{name}: a damaged or truncated zip/.docx file; "
                         "download or save it again") from None
    if "word/document.xml" in names:
        return "docx"
    what = ("an Excel workbook" if any(n.startswith("xl/") for n in names)
            else "a PowerPoint file" if any(n.startswith("ppt/") for n in names)
            else "an OpenDocument file" if "content.xml" in names
            else "a zip archive")
    raise InputError(f"{name}: {what}, not a Word document (no word/document.xml); "
                     "pass the .docx, .pdf or .txt of the document itself")


def sniff(path: str | Path) -> str:
    """The format of the file at ``path`` ("pdf", "docx" or "text"); raises InputError like ``detect_format``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    return detect_format(data, str(path))


def extract_text(path: str | Path, max_bytes: int = 20_000_000) -> str:
    """The text of a PDF, DOCX or text file, shaped like the .txt inputs (see the module docstring)."""
    from pipeline.ingest import decode, read_bytes

    data = read_bytes(path, max_bytes)
    kind = detect_format(data, str(path))
    if kind == "text":
        return decode(data, str(path))[0]
    return extract(data, kind, str(path))


def extract(data: bytes, kind: str, name: str = "input") -> str:
    """Text of ``data`` already known to be ``kind`` ("pdf" or "docx")."""
    if kind == "pdf":
        return pdf_text(data, name)
    if kind == "docx":
        return docx_text(data, name)
    raise ValueError(f"extract: unknown format {kind!r}; valid: pdf, docx")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


# -- PDF -----------------------------------------------------------------------------------------------

@dataclass
class _Piece:
    """Text drawn by one run of PDF text operators, with where it starts and how wide it is."""

    text: str
    x: float
    y: float
    size: float
    width: float
    lead: float = 0.0
    """Width of the first word (or first Chinese character): would it have fitted on the line above?"""


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    y: float
    size: float
    marker_only: bool = False
    lead: float = 0.0


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every repair it makes; keep that out of the one-line CLI output (shown with --debug)."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def pdf_text(data: bytes, name: str = "input") -> str:
    """Page texts separated by form feeds; running headers, footers and page numbers removed."""
    if b"%%EOF" not in data[-2048:]:
        raise InputError(f"{name}: the PDF is truncated (no end-of-file marker); download or save it again")
    with _quiet_pypdf():
        reader, count = _open_pdf(data, name)
        pages = []
        for number in range(1, count + 1):
            try:
                pieces = _page_pieces(reader.pages[number - 1])
            except Exception as exc:  # pypdf raises many kinds on damaged content streams
                raise InputError(f"{name}: page {number} of the PDF cannot be read ({_one_line(exc)}); "
                                 "the file may be damaged: save or print it to a new PDF") from None
            pages.append(_visual_lines(pieces))
    if not pages:
        raise InputError(f"{name}: the PDF has no pages")
    letters = [sum(ch.isalpha() for line in lines for ch in line.text) for lines in pages]
    if sum(letters) < 20 or sum(n < 20 for n in letters) > len(letters) / 2:
        raise InputError(f"{name}: the PDF has no text layer on most pages (a scan or images); "
                         "run OCR on it first (for example ocrmypdf), or pass the .docx or .txt version")
    empty = [str(i + 1) for i, n in enumerate(letters) if n == 0]
    if empty:
        log.warning("%s: page(s) %s have no text layer (scanned?); their content is missing",
                    name, ", ".join(empty))
    pages = _drop_furniture(pages)
    return "".join(text + "\n\f" for text in _page_texts(pages))


def _open_pdf(data: bytes, name: str) -> tuple[Any, int]:
    """An open pypdf reader and its page count; InputError for damaged or password-protected files."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # damaged files fail in many places inside pypdf
        raise InputError(f"{name}: cannot be read as a PDF ({_one_line(exc)}); "
                         "the file may be damaged: download it again or save it to a new PDF") from None
    if encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # AES needs the optional 'cryptography' package
            raise InputError(f"{name}: the PDF is encrypted and cannot be opened here ({_one_line(exc)}); "
                             "save an unencrypted copy (print to PDF) and try again") from None
        if not opened:
            raise InputError(f"{name}: the PDF is password-protected; "
                             "save a copy without the password (print to PDF) and try again")
    try:
        count = len(reader.pages)
    except Exception as exc:
        raise InputError(f"{name}: cannot be read as a PDF ({_one_line(exc)}); "
                         "the file may be damaged: download it again or save it to a new PDF") from None
    return reader, count


def _page_pieces(page: Any) -> list[_Piece]:
    """Every run of text on ``page`` with its position, effective font size and width (points)."""
    pieces: list[_Piece] = []
    fonts: dict[Any, Any] = {}

    def visit(text: str, cm: list[float], tm: list[float], font_dict: Any, font_size: float) -> None:
        if not text:
            return
        m = _multiply(tm, cm)
        if abs(m[1]) > 0.1 * abs(m[0]) + 1e-6:
            return  # rotated text (margin notes, stamps) is not part of the running text
        size = abs(font_size) * math.hypot(m[2], m[3]) or abs(font_size) or 1.0
        scale_x = abs(font_size) * math.hypot(m[0], m[1]) or size
        y = m[5]
        for k, part in enumerate(text.split("\n")):
            if k:
                pieces.append(_Piece("\n", m[4], y, size, 0.0))
                y -= 1.2 * size
            if part:
                word = _first_word(part)
                pieces.append(_Piece(part, m[4], y, size, _width(part, font_dict, fonts) * scale_x,
                                     _width(word, font_dict, fonts) * scale_x if word else 0.0))

    page.extract_text(visitor_text=visit)
    return pieces


def _multiply(a: list[float], b: list[float]) -> list[float]:
    """The product of two PDF matrices [a b c d e f] (``a`` applied first)."""
    return [
        a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _width(text: str, font_dict: Any, cache: dict[Any, Any]) -> float:
    """Width of ``text`` in em (font units / 1000), from the font's widths; estimated when unknown."""
    key = id(font_dict)
    if key not in cache:
        font = None
        if font_dict is not None:
            try:
                from pypdf.generic._font import Font  # not exported; fine with the pinned pypdf

                font = Font.from_font_resource(font_dict)
            except Exception:  # no widths: the estimate below is good enough to place gaps
                font = None
            if font is not None and font.sub_type not in ("Type1", "TrueType", "MMType1"):
                font = None  # pypdf keys composite (CID) font widths by glyph, not by character
        cache[key] = (font_dict, font)  # keep font_dict alive so its id is not reused
    font = cache[key][1]
    if font is not None:
        try:
            return float(font.get_text_width(text)) / 1000.0
        except Exception:
            pass
    return sum(1.0 if _wide(ch) else 0.5 for ch in text)


def _first_word(text: str) -> str:
    match = re.match(r"\s*(\S+)", text)
    if not match:
        return ""
    word = match.group(1)
    return word[0] if _wide(word[0]) else word


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _visual_lines(pieces: list[_Piece]) -> list[_Line]:
    """Pieces grouped into the lines a reader sees, top to bottom, left to right."""
    raw: list[_Line] = []
    current: list[_Piece] = []
    for piece in [*pieces, _Piece("\n", 0, 0, 1, 0)]:
        if piece.text == "\n":
            if current:
                raw.append(_raw_line(current))
            current = []
        else:
            current.append(piece)
    raw = [line for line in raw if line.text.strip()]
    raw.sort(key=lambda ln: -ln.y)
    clusters: list[list[_Line]] = []
    for line in raw:
        if clusters:
            base = max(clusters[-1], key=lambda ln: ln.size)
            if abs(base.y - line.y) <= 0.5 * max(base.size, line.size):
                clusters[-1].append(line)
                continue
        clusters.append([line])
    return [_join_cluster(cluster) for cluster in clusters]


def _raw_line(pieces: list[_Piece]) -> _Line:
    """One line as pypdf gave it: its pieces in drawing order; small marker pieces become superscripts."""
    sizes: Counter[float] = Counter()
    for piece in pieces:
        sizes[round(piece.size, 1)] += len(piece.text.strip()) or 1
    main = sizes.most_common(1)[0][0]
    parts = []
    cursor = pieces[0].x
    x0 = pieces[0].x
    for piece in pieces:
        text = piece.text
        if len(pieces) > 1 and piece.size <= 0.8 * main and _MARKER_TEXT.match(text.strip()):
            text = superscript(text.strip())
        parts.append(text)
        start = piece.x if piece.x > cursor - 0.5 else cursor
        cursor = start + piece.width
    text = "".join(parts).translate(_CONTROL_IN_LINE)
    baseline = next(p.y for p in pieces if round(p.size, 1) == main)
    marker_only = bool(_MARKER_TEXT.match(text.strip()))
    return _Line(text, x0, cursor, baseline, main, marker_only, pieces[0].lead)


def _join_cluster(lines: list[_Line]) -> _Line:
    """Lines drawn at one height: superscripts glued on, wide gaps become tabs (table columns)."""
    size = max(ln.size for ln in lines)
    body = [ln for ln in lines if not (ln.marker_only and ln.size <= 0.8 * size)] or lines
    lines = sorted(lines, key=lambda ln: ln.x0)
    text = ""
    previous: _Line | None = None
    for line in lines:
        piece = line.text
        if line.marker_only and line.size <= 0.8 * size and len(lines) > 1:
            text += superscript(piece.strip())
        elif previous is None:
            text = piece
        else:
            gap = line.x0 - previous.x1
            if gap > 2.5 * size:
                text = text.rstrip() + "\t" + piece.lstrip()
            elif text[-1:].isspace() or piece[:1].isspace() or gap < 0.1 * size or (
                    _wide(text[-1:] or "a") and _wide(piece[:1] or "a")):
                text += piece
            else:
                text += " " + piece
        previous = line
    main = max(body, key=lambda ln: len(ln.text))
    return _Line(re.sub(r" {2,}", " ", text).strip(), lines[0].x0, max(ln.x1 for ln in lines), main.y, main.size,
                 lead=lines[0].lead)


# -- running headers, footers, page numbers ----------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(\d{1,4})(?:\s*[-–—])?$")
_PAGE_WORDS = re.compile(
    r"^(?:(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})$",
    re.IGNORECASE,
)
_ROMAN_PAGE = re.compile(r"^[ivxlc]{1,6}$")
_JOB_NUMBER = re.compile(r"(?:GE\.)?\d{2}-\d{5}(?:\s*\([A-Z]\))?(?:\s+\d{6}){0,2}")
_BARCODE = re.compile(r"^\*\d{7,8}\*$")
_ALWAYS_FURNITURE = {"please recycle", "请回收", "请注意回收"}
_ZONE = 4
_LEADING_NUMBER = re.compile(r"^(?:[-–—]\s*)?(\d{1,4})(?:\s|$)")
_TRAILING_NUMBER = re.compile(r"(?:^|\s)(\d{1,4})(?:\s*[-–—])?$")


def _furniture_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text)).strip().lower()


def _edge_numbers(text: str) -> set[int]:
    """Numbers standing alone at the start or end of a line ("3", "- 3 -", "Chapter 2: Naming 3")."""
    found = set()
    for pattern in (_LEADING_NUMBER, _TRAILING_NUMBER):
        match = pattern.search(text)
        if match:
            found.add(int(match.group(1)))
    return found


def _drop_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Peel running headers and footers off each page (the first page keeps its masthead)."""
    from pipeline.frontmatter import SYMBOL_RE

    n = len(pages)
    counts: dict[str, Counter[str]] = {"top": Counter(), "bottom": Counter()}
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        zones = {"top": lines[:3], "bottom": lines[-3:]}
        for zone, zone_lines in zones.items():
            counts[zone].update({_furniture_key(ln.text) for ln in zone_lines})
        page_offsets = {number - (index + 1) for ln in (*lines[:2], *lines[-2:]) for number in _edge_numbers(ln.text)}
        offsets.update(page_offsets)
    # A running header repeats on most pages, or at least on 3 (chapter titles change along the document).
    needed = min(3, max(2, math.ceil(0.3 * (n - 1))))
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            sizes[round(ln.size, 1)] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    repeated = {zone: {k for k, c in counter.items() if c >= needed} for zone, counter in counts.items()}
    offset = None
    if offsets:
        best, seen = offsets.most_common(1)[0]
        if seen >= max(2, math.ceil(0.3 * n)) or n == 1:
            offset = best  # page numbers: numbers at a line edge that count up with the pages

    def furniture(line: _Line, zone: str, index: int) -> bool:
        text = line.text.strip()
        match = _PAGE_NUMBER.match(text)
        if match:
            return offset is not None and int(match.group(1)) - (index + 1) == offset
        if offset is not None and len(text) <= 80 and line.size <= 1.05 * body_size and not _closed(text) \
                and counts[zone][_furniture_key(text)] >= 2 and (index + 1 + offset) in _edge_numbers(text):
            return True  # a running title with the page number (not a larger chapter heading, not a footnote)
        if _PAGE_WORDS.match(text) or _ROMAN_PAGE.match(text):
            return True
        if index == 0 and zone == "top":
            return False  # the masthead repeats the symbol of the running header: keep it
        if (len(text) <= 100 and _furniture_key(text) in repeated[zone]) or _BARCODE.match(text) \
                or text.lower() in _ALWAYS_FURNITURE:
            return True
        if SYMBOL_RE.search(text) or _JOB_NUMBER.search(text):
            rest = _JOB_NUMBER.sub(" ", SYMBOL_RE.sub(" ", text))
            rest = re.sub(r"\*\d{7,8}\*", " ", rest)
            rest = re.sub(r"\b\d{1,4}\b|[Pp]age", " ", rest)
            return not rest.strip(" \t|-–—/.,:")
        return False

    out = []
    for index, lines in enumerate(pages):
        top, bottom = 0, len(lines)
        while top < min(bottom, _ZONE) and furniture(lines[top], "top", index):
            top += 1
        while bottom > top and len(lines) - bottom < _ZONE and furniture(lines[bottom - 1], "bottom", index):
            bottom -= 1
        out.append(lines[top:bottom])
    return out


# -- paragraphs ------------------------------------------------------------------------------------------

_STRUCTURAL_START = re.compile(
    r"^(?:\d{1,4}\s*[.．](?!\d)\s*\S|[IVXL]{1,6}\s*[.．]\s|[A-Z]\s*[.．]\s|[一二三四五六七八九十]+\s*[.．、]"
    r"|[(（](?:[a-z]{1,2}|[ivx]{1,5}|\d{1,2})[)）]|附件|Annex\b|ANNEX\b)"
)
_FOOTNOTE_START = re.compile(r"^(?:\*{1,4}|⁎|[†‡]{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})\s*\S")
_PLAIN_FOOTNOTE_START = re.compile(r"^(\d{1,3})\s+(?=\S)")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_NO_LINE_START = set("，。、；：？！）》」』”’〉】,.;:?!)]%")


@dataclass
class _Layout:
    """Measures of the running text of the whole document, for telling paragraph breaks."""

    body_size: float
    leading_ratio: float
    left_edge: float
    right_edge: float
    vocabulary: set[str] = field(default_factory=set)


def _measure(pages: list[list[_Line]]) -> _Layout:
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            sizes[round(ln.size, 1)] += len(ln.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    steps, right = [], []
    lefts = Counter(round(ln.x0) for lines in pages for ln in lines if abs(ln.size - body) < 0.5)
    left = lefts.most_common(1)[0][0] if lefts else 0.0
    for lines in pages:
        for upper, lower in itertools.pairwise(lines):
            if abs(upper.size - body) < 0.5 and abs(lower.size - body) < 0.5:
                step = upper.y - lower.y
                if 0.8 * body <= step <= 2.5 * body:
                    steps.append(step)
        right += [ln.x1 for ln in lines if abs(ln.size - body) < 0.5 and "\t" not in ln.text
                  and ln.x0 < left + 6 * body]
    leading = statistics.median(steps) if steps else 1.2 * body
    right_edge = sorted(right)[int(0.9 * (len(right) - 1))] if right else 0.0
    vocabulary = {w.lower() for lines in pages for ln in lines for w in _WORD.findall(ln.text)}
    return _Layout(body, leading / body, left, right_edge, vocabulary)


def _page_texts(pages: list[list[_Line]]) -> list[str]:
    layout = _measure(pages)
    return ["\n\n".join(_paragraphs(lines, layout)) for lines in pages]


def _closed(text: str) -> bool:
    bare = text.rstrip("*⁎†‡⁰¹²³⁴⁵⁶⁷⁸⁹ ").rstrip(_CLOSERS)
    return bool(bare) and bare[-1] in _TERMINALS


def _paragraphs(lines: list[_Line], layout: _Layout) -> list[str]:
    """Join the lines of each paragraph into one line."""
    if not lines:
        return []
    body_lines = [i for i, ln in enumerate(lines) if abs(ln.size - layout.body_size) < 0.5]
    last_body = body_lines[-1] if body_lines else -1
    out: list[str] = []
    previous: _Line | None = None
    for index, line in enumerate(lines):
        text = line.text
        note = line.size < 0.9 * layout.body_size and index > last_body
        if note and _PLAIN_FOOTNOTE_START.match(text):
            text = _PLAIN_FOOTNOTE_START.sub(lambda m: superscript(m.group(1)) + " ", text, count=1)
        if previous is None or _breaks(previous, line, text, note, layout):
            out.append(text)
        else:
            out[-1] = _join(out[-1], text, layout.vocabulary)
        previous = line
    return out


def _breaks(previous: _Line, line: _Line, text: str, note: bool, layout: _Layout) -> bool:
    """Whether ``line`` starts a new paragraph after ``previous``."""
    size = max(previous.size, line.size)
    if abs(previous.size - line.size) > 0.12 * size:
        return True
    if previous.y - line.y > 1.3 * layout.leading_ratio * size:
        return True
    if "\t" in text or "\t" in previous.text:
        return True
    if max(line.x0, previous.x0) > layout.left_edge + 6 * size:
        return True  # centred or right-aligned lines (masthead, titles) stand alone
    if (note or line.size < 0.95 * layout.body_size) and _FOOTNOTE_START.match(text):
        return True
    forced = _line_ended_early(previous, line, text, layout)
    if _STRUCTURAL_START.match(text) and (forced or _closed(previous.text)):
        return True
    return forced


def _line_ended_early(previous: _Line, line: _Line, text: str, layout: _Layout) -> bool:
    """The first word of ``line`` would have fitted on ``previous``: that line was ended on purpose."""
    if layout.right_edge <= 0 or not previous.text or text[:1] in _NO_LINE_START:
        return False
    lead = line.lead or 0.5 * line.size * len(_first_word(text))
    space = 0.0 if _wide(text[:1]) else 0.3 * line.size
    return layout.right_edge - previous.x1 > lead + space + 0.5 * line.size


def _join(before: str, after: str, vocabulary: set[str]) -> str:
    """Two lines of one paragraph: no space around Chinese, hyphens kept unless the word is known whole."""
    if before.endswith("\u00ad"):
        return before[:-1] + after
    last, first = before[-1:], after[:1]
    if _wide(last) or _wide(first):
        return before + after
    if last == "-" and len(before) > 1 and before[-2].isalpha() and first.islower():
        head = re.search(r"([A-Za-z]+)-$", before)
        tail = re.match(r"[A-Za-z]+", after)
        if head and tail:
            whole = (head.group(1) + tail.group(0)).lower()
            hyphenated = f"{head.group(1)}-{tail.group(0)}".lower()
            if whole in vocabulary and hyphenated not in vocabulary:
                return before[:-1] + after
        return before + after
    if last in "-/" or last in "“‘(（[":
        return before + after
    return before + " " + after


# -- DOCX ---------------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RECURSE = {_W + t for t in ("hyperlink", "ins", "smartTag", "customXml", "fldSimple", "moveTo", "sdt",
                             "sdtContent", "dir", "bdo")}
_NUMBER_TAB = re.compile(
    r"^((?:\d{1,4}|[A-Z]|[IVXL]{1,6}|[一二三四五六七八九十]+)[.．、]|[(（][a-z0-9ivx]{1,4}[)）])\t+")
_TRUE = {"1", "true", "on"}


def _w(element: Any, attribute: str) -> str | None:
    return element.get(_W + attribute)


def _parse_xml(blob: bytes, part: str, name: str) -> ET.Element:
    """Parse one package part with the standard library; DTDs (entity tricks) are refused outright."""
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        raise InputError(f"{name}: {part} declares a DTD, which Word never writes; the file is not a "
                         "genuine .docx: save it again from Word or LibreOffice")
    try:
        return ET.fromstring(blob)
    except ET.ParseError as exc:
        raise InputError(f"{name}: {part} is not valid XML ({_one_line(exc)}); the .docx is damaged: "
                         "save it again from Word or LibreOffice") from None


def docx_text(data: bytes, name: str = "input") -> str:
    """Body paragraphs and tables in order, with numbers and footnotes; see the module docstring."""
    _check_package(data, name)
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        parts = {rel.reltype: rel.target_part.blob for rel in document.part.rels.values()
                 if not rel.is_external and rel.reltype in (RT.STYLES, RT.NUMBERING, RT.FOOTNOTES)}
    except InputError:
        raise
    except Exception as exc:  # python-docx raises several kinds for packages that are not Word files
        raise InputError(f"{name}: cannot be opened as a Word document ({_one_line(exc)}); "
                         "save it again as .docx from Word or LibreOffice") from None
    styles = _parse_xml(parts[RT.STYLES], "styles.xml", name) if RT.STYLES in parts else None
    numbering = _parse_xml(parts[RT.NUMBERING], "numbering.xml", name) if RT.NUMBERING in parts else None
    notes = _parse_xml(parts[RT.FOOTNOTES], "footnotes.xml", name) if RT.FOOTNOTES in parts else None
    reader = _DocxReader(_Numbering(numbering, styles), notes)
    reader.read_container(body)
    reader.flush_notes(force=True)
    text = "\n\n".join(reader.blocks)
    if sum(ch.isalpha() for ch in text) == 0:
        raise InputError(f"{name}: the Word document contains no text; pass the document that has the report")
    return text.translate(_CONTROL) + "\n"


def _check_package(data: bytes, name: str) -> None:
    """A readable zip of sane size whose XML parts carry no DTD (python-docx parses them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            if total > MAX_UNPACKED_BYTES:
                raise InputError(f"{name}: the .docx unpacks to {total:,} bytes (limit {MAX_UNPACKED_BYTES:,}); "
                                 "it is not an ordinary document")
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    blob = archive.read(info)
                    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
                        raise InputError(f"{name}: {info.filename} declares a DTD, which Word never writes; "
                                         "save the document again from Word or LibreOffice")
    except InputError:
        raise
    except _ZIP_ERRORS as exc:
        raise InputError(f"{name}: a damaged or encrypted .docx ({_one_line(exc)}); save it again from Word or "
                         "LibreOffice") from None


class _DocxReader:
    """Walks the body in document order and collects text blocks (one per paragraph or table)."""

    def __init__(self, numbering: _Numbering, notes: ET.Element | None) -> None:
        self.numbering = numbering
        self.notes = {_w(n, "id"): n for n in (notes if notes is not None else [])
                      if n.tag == _W + "footnote" and _w(n, "type") in (None, "normal")}
        self.blocks: list[str] = []
        self.pending: list[tuple[str, str]] = []
        self.count = 0
        self._custom: str | None = None

    def read_container(self, element: Any) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _W + "p":
                text = self.paragraph(child, cite=True)
                if text.strip():
                    self.blocks.append(text)
                    self.flush_notes()
            elif tag == _W + "tbl":
                rows = self.table(child)
                if rows:
                    self.blocks.append("\n".join(rows))
                self.flush_notes(force=True)
            elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml"):
                self.read_container(child)

    def table(self, tbl: Any) -> list[str]:
        rows = []
        for tr in (c for c in tbl if c.tag == _W + "tr"):
            cells = []
            for tc in (c for c in tr if c.tag in (_W + "tc", _W + "sdt")):
                texts = [self.paragraph(p, cite=True) for p in tc.iter(_W + "p")]
                cells.append(" ".join(t.replace("\t", " ").strip() for t in texts if t.strip()))
            if any(cells):
                rows.append("\t".join(cells))
        return rows

    def paragraph(self, p: Any, cite: bool) -> str:
        out: list[str] = []
        self._inline(p, out, cite)
        text = "".join(out).strip()
        label = self.numbering.label(p)
        if label and text:
            text = f"{label} {text}"
        return _NUMBER_TAB.sub(r"\1 ", text)

    def _inline(self, element: Any, out: list[str], cite: bool) -> None:
        for child in element:
            tag = child.tag
            if tag == _W + "r":
                self._run(child, out, cite)
            elif tag in _RECURSE:
                self._inline(child, out, cite)

    def _run(self, run: Any, out: list[str], cite: bool) -> None:
        for child in run:
            tag = child.tag
            if tag == _W + "t":
                text = child.text or ""
                if self._custom is not None and text.strip():
                    self.pending.append((self._custom, text.strip()))
                    self._custom = None
                out.append(text)
            elif tag in (_W + "tab", _W + "ptab"):
                out.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                out.append("\n")
            elif tag == _W + "noBreakHyphen":
                out.append("-")
            elif tag == _W + "footnoteReference" and cite:
                note_id = _w(child, "id") or ""
                if (_w(child, "customMarkFollows") or "").lower() in _TRUE:
                    self._custom = note_id
                else:
                    self.count += 1
                    mark = superscript(str(self.count))
                    out.append(mark)
                    self.pending.append((note_id, mark))

    def flush_notes(self, force: bool = False) -> None:
        """Write cited footnotes after a finished sentence (so a heading or title line keeps its place)."""
        if not self.pending or not self.blocks:
            return
        last = self.blocks[-1]
        if not force and not (len(last) >= 20 and _closed(last.rstrip("*⁎†‡⁰¹²³⁴⁵⁶⁷⁸⁹"))):
            return
        for note_id, mark in self.pending:
            note = self.notes.get(note_id)
            if note is None:
                continue
            texts = [self.paragraph(p, cite=False) for p in note.iter(_W + "p")]
            text = _join_texts([t.strip() for t in texts if t.strip()])
            if text.startswith(mark):
                text = text[len(mark):].lstrip()
            self.blocks.append(f"{mark} {text}")
        self.pending = []


def _join_texts(texts: list[str]) -> str:
    out = ""
    for text in texts:
        out = text if not out else (out + text if _wide(out[-1]) or _wide(text[0]) else out + " " + text)
    return out


@dataclass
class _Level:
    fmt: str
    text: str
    start: int


class _Numbering:
    """Word's automatic paragraph numbering, written out as the number a reader sees ("1.", "(a)")."""

    def __init__(self, numbering: ET.Element | None, styles: ET.Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.styles: dict[str, tuple[str | None, Any]] = {}
        for node in numbering if numbering is not None else []:
            if node.tag == _W + "abstractNum":
                levels = {}
                for lvl in node.iter(_W + "lvl"):
                    levels[int(_w(lvl, "ilvl") or 0)] = _Level(
                        _child_val(lvl, "numFmt") or "decimal", _child_val(lvl, "lvlText") or "",
                        _int(_child_val(lvl, "start"), 1))
                self.abstract[_w(node, "abstractNumId") or ""] = levels
            elif node.tag == _W + "num":
                overrides = {}
                for override in node.iter(_W + "lvlOverride"):
                    start = _child_val(override, "startOverride")
                    if start is not None:
                        overrides[int(_w(override, "ilvl") or 0)] = _int(start, 1)
                self.nums[_w(node, "numId") or ""] = (_child_val(node, "abstractNumId") or "", overrides)
        for style in styles.iter(_W + "style") if styles is not None else []:
            ppr = style.find(_W + "pPr")
            self.styles[_w(style, "styleId") or ""] = (
                _child_val(style, "basedOn"), ppr.find(_W + "numPr") if ppr is not None else None)

    def _style_numpr(self, style_id: str | None) -> tuple[str | None, int | None]:
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            based_on, numpr = self.styles[style_id]
            if numpr is not None:
                level = _child_val(numpr, "ilvl")
                return _child_val(numpr, "numId"), (int(level) if level is not None else None)
            style_id = based_on
        return None, None

    def label(self, p: Any) -> str:
        ppr = p.find(_W + "pPr")
        if ppr is None or not self.nums:
            return ""
        numpr = ppr.find(_W + "numPr")
        num_id, level = self._style_numpr(_child_val(ppr, "pStyle"))
        if numpr is not None:
            own_id, own_level = _child_val(numpr, "numId"), _child_val(numpr, "ilvl")
            num_id = own_id if own_id is not None else num_id
            level = int(own_level) if own_level is not None else level
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        level = level or 0
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if level not in levels:
            return ""
        key = num_id if overrides else abstract_id
        counters = self.counters.setdefault(key, {})
        start = overrides.get(level, levels[level].start)
        counters[level] = counters[level] + 1 if level in counters else start
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        fmt = levels[level].fmt
        if fmt in ("bullet", "none"):
            return ""

        def value(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            lvl = levels.get(k)
            if lvl is None:
                return ""
            return _format_number(counters.get(k, overrides.get(k, lvl.start)), lvl.fmt)

        return re.sub(r"%([1-9])", value, levels[level].text).strip()


def _child_val(element: Any, tag: str) -> str | None:
    child = element.find(_W + tag)
    return _w(child, "val") if child is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


_CN_DIGITS = "〇一二三四五六七八九"


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        from pipeline.textutil import int_to_roman

        roman = int_to_roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese_number(n)
    if fmt == "ideographDigital":
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "decimalFullWidth":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (up to 9999)."""
    if n <= 0 or n > 9999:
        return str(n)
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += ("" if (unit == "十" and digit == 1 and not out) else _CN_DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


__all__ = ["FORMATS", "MAX_UNPACKED_BYTES", "detect_format", "docx_text", "extract", "extract_text", "pdf_text",
           "sniff", "superscript"]
