"""Ingest stage: read a text file in any encoding UN documents come in, normalise it, refuse bad input.

PDF and Word (.docx) files, told by their bytes, are turned into text of the same shape first
(``pipeline.formats``); the normalisation and language checks below then apply to them too.
Accepted text: UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, or without when the NUL pattern is
unambiguous), GB18030 (a superset of GBK and GB2312). Normalisation: newlines to ``\\n``, form feeds
(page breaks) to a blank line, Unicode NFC (full-width punctuation is kept: NFC does not fold it),
zero-width characters removed, trailing spaces stripped. Everything refused raises ``InputError``.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from pathlib import Path

from pipeline.config import IngestConfig
from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.formats import detect_format, extract

log = logging.getLogger("undoc.ingest")
LANGUAGES = ("zh", "en")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TRAILING_SPACE = re.compile(r"[ \t\u3000]+$", re.MULTILINE)
_MIN_LETTERS = 20
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])


def new_document(path: str | Path, language: str = "auto") -> Document:
    """An empty document for ``path``; the ingest stage fills in its text."""
    path = Path(path)
    if language not in (*LANGUAGES, "auto"):
        raise InputError(f"unknown language '{language}'; valid: zh, en, auto")
    return Document(id=_doc_id(path), language=language, text="", source_path=str(path))


def _doc_id(path: Path) -> str:
    stem = re.sub(r"[^\w.\-]+", "_", path.stem).strip("._") or "document"
    return stem[:120]


def read_bytes(path: str | Path, max_bytes: int) -> bytes:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a text file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"{path}: file is {size:,} bytes, over the limit of {max_bytes:,} "
            "(raise [stages.ingest] max_bytes in the config to accept it)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if not data.strip():
        raise InputError(f"{path}: file is empty")
    return data


def decode(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode ``data``; returns (text, encoding name). Raises InputError for binary or undecodable data."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(encoding.replace("-sig", "")), encoding
            except UnicodeDecodeError as exc:
                raise InputError(_decode_message(name, encoding, exc, len(body))) from None
    if b"\x00" in data:
        encoding = _bomless_utf16(data)
        if encoding is None:
            raise InputError(f"{name}: binary data (NUL bytes), not a text file")
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            raise InputError(f"{name}: binary data (NUL bytes), not a text file") from None
    controls = sum(data.count(bytes([b])) for b in _CONTROL_BYTES)
    if controls > max(3, len(data) // 100):
        raise InputError(f"{name}: binary data ({controls} control bytes), not a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            raise InputError(_decode_message(name, "utf-8", exc, len(data))) from None
        utf8_error = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: undecodable bytes at offset {utf8_error.start} "
            "(not UTF-8, UTF-16 with BOM, GBK or GB18030); convert the file to UTF-8"
        ) from None


def _decode_message(name: str, encoding: str, exc: UnicodeDecodeError, size: int) -> str:
    if exc.reason in ("unexpected end of data", "truncated data") and exc.start >= size - 3:
        return f"{name}: file is truncated: it ends in the middle of a {encoding} character"
    return f"{name}: undecodable {encoding} bytes at offset {exc.start}; convert the file to UTF-8"


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM shows NULs on one byte parity in mostly-ASCII text; anything else is binary."""
    if len(data) % 2:
        return None
    even = data[0::2].count(0) / (len(data) / 2)
    odd = data[1::2].count(0) / (len(data) / 2)
    if odd > 0.3 and even < 0.01:
        return "utf-16-le"
    if even > 0.3 and odd < 0.01:
        return "utf-16-be"
    return None


def normalize(text: str) -> str:
    """Newlines, page breaks, NFC, zero-width characters, trailing spaces; see the module docstring."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\f", "\n\n")
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    return _TRAILING_SPACE.sub("", text)


def _check_not_binary(text: str, name: str) -> None:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\r\f")
    if controls > max(3, len(text) // 100):
        raise InputError(f"{name}: binary data ({controls} control characters), not a text file")


def script_shares(text: str) -> dict[str, float]:
    """Share of letters that are Han, Latin, kana, Hangul or other (of all letters in ``text``)."""
    counts = {"han": 0, "latin": 0, "kana": 0, "hangul": 0, "other": 0}
    for ch in text:
        code = ord(ch)
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FA1F:
            counts["han"] += 1
        elif ch.isascii() and ch.isalpha():
            counts["latin"] += 1
        elif 0x3040 <= code <= 0x30FF:
            counts["kana"] += 1
        elif 0xAC00 <= code <= 0xD7AF:
            counts["hangul"] += 1
        elif ch.isalpha():
            counts["other"] += 1
    total = sum(counts.values())
    shares = {k: (v / total if total else 0.0) for k, v in counts.items()}
    shares["letters"] = float(total)
    return shares


def detect_language(text: str) -> str | None:
    shares = script_shares(text)
    if shares["letters"] < _MIN_LETTERS:
        return None
    if shares["han"] >= 0.5 and shares["kana"] < 0.05:
        return "zh"
    if shares["latin"] >= 0.5:
        return "en"
    return None


def check_language(text: str, language: str, min_share: float, name: str) -> str:
    """Return the document language; refuse text that is not mainly in the expected language."""
    shares = script_shares(text)
    if shares["letters"] < _MIN_LETTERS:
        raise InputError(f"{name}: too little text ({int(shares['letters'])} letters) to be a UN document")
    if language == "auto":
        detected = detect_language(text)
        if detected is None:
            raise InputError(
                f"{name}: language not recognised (Han {shares['han']:.0%}, Latin {shares['latin']:.0%} of letters); "
                "expected Chinese or English"
            )
        return detected
    if language == "zh":
        if shares["kana"] >= 0.05:
            raise InputError(f"{name}: text looks Japanese ({shares['kana']:.0%} kana), expected Chinese")
        if shares["han"] < min_share:
            raise InputError(
                f"{name}: text is not mainly Chinese (Han characters are {shares['han']:.0%} of letters); "
                "expected a Chinese document (use --lang en, or --en for the English original)"
            )
    elif language == "en" and shares["latin"] < min_share:
        raise InputError(
            f"{name}: text is not mainly English (Latin letters are {shares['latin']:.0%} of letters); "
            "expected an English document"
        )
    return language


class Ingest:
    """Reads ``doc.source_path`` into ``doc.text``; sets ``doc.language`` when it was ``auto``."""

    name = "ingest"

    def __init__(self, config: IngestConfig | None = None) -> None:
        self.config = config or IngestConfig()

    def __call__(self, doc: Document) -> Document:
        if doc.source_path is None:
            if not doc.text.strip():
                raise InputError(f"{doc.id}: document has no text and no source file")
            text, name = doc.text, doc.id
        else:
            name = doc.source_path
            data = read_bytes(doc.source_path, self.config.max_bytes)
            kind = detect_format(data, name)
            if kind == "text":
                text, _encoding = decode(data, name)
            else:
                text = extract(data, kind, name)
                log.info("%s: read as %s", name, kind.upper())
        _check_not_binary(text, name)
        text = normalize(text)
        if not text.strip():
            raise InputError(f"{name}: file is empty")
        doc.language = check_language(text, doc.language, self.config.min_language_share, name)
        doc.meta.language = doc.language
        doc.text = text
        return doc
