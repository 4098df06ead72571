"""Find the documents of a batch and pair each Chinese file with its English original.

Which files: the regular, non-hidden files directly inside INPUT_DIR (and ``--en-dir``) whose suffix is one
of ``DEFAULT_SUFFIXES`` (sub-folders are not searched, so an output folder inside INPUT_DIR is never read).

Which language: by content. A file is read as ingest reads it (text decoded; PDF and DOCX, told by their
bytes, converted through ``pipeline.formats``) and its letters counted (``pipeline.ingest.detect_language``):
mostly Han is Chinese, mostly Latin is English. When the content says nothing (unreadable, binary, too
little text, another script), a language tag at the end of the name decides (``foo.zh.txt``,
``foo_en.txt``, ``foo-E.pdf``; see ``ZH_TAGS``/``EN_TAGS``). Every file of INPUT_DIR that is not English
becomes a Chinese job, so a bad file (empty, binary, Japanese) is processed and fails with its own
one-line error. English files are the originals to pair with: those in
``--en-dir`` and those in INPUT_DIR itself. A Chinese file found in ``--en-dir`` is ignored (with a note).

How pairs are found, in this order, for each Chinese file:

1. **Document symbol.** A file's symbol comes from its name when the name, without extension and language
   tag, is a symbol written with ``_`` for ``/`` (``A_64_298.txt`` → A/64/298), else from its front matter
   (a line holding only the symbol, as in "United Nations / A/64/298"; footnote symbols do not count).
   Chinese and English files with the same symbol pair. When several English files share it, the one with
   the same name (without language tag) wins, else the first by name.
2. **File name.** Same name once the extension and language tag are removed, case-insensitive:
   ``foo.zh.txt`` / ``foo.en.txt``, ``foo.txt`` / ``foo_en.txt``, or the same name in the two folders.
   Not when both files have symbols and they differ.
3. Otherwise the Chinese file is processed alone; pair stages that need English say they were skipped.

An English file may serve several Chinese files. An English file of INPUT_DIR that pairs with no Chinese
file is recorded as a failed document (it is most likely a translation in the wrong language or a
misplaced original); unpaired files of ``--en-dir`` are simply not used.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError, UndocError
from pipeline.formats import detect_format, extract
from pipeline.frontmatter import SYMBOL_RE, parse_front_matter
from pipeline.ingest import decode, detect_language, new_document

log = logging.getLogger("undoc.batch")

DEFAULT_SUFFIXES = (".txt", ".text", ".pdf", ".docx")
ZH_TAGS = ("zh", "zh-cn", "zh_cn", "zho", "chi", "chs", "cn", "ch", "c")
EN_TAGS = ("en", "eng", "e")
_TAG_RE = re.compile(r"[._-](" + "|".join(sorted((*ZH_TAGS, *EN_TAGS), key=len, reverse=True)) + r")$",
                     re.IGNORECASE)
SNIFF_BYTES = 25_000_000
"""Larger files (over ingest's default limit) are hashed but not read whole: their language and symbol
come from the first part (for PDF and DOCX, none)."""
_HEAD_LINES = 40
_PARAGRAPH_CHARS = 100
"""Front matter ends at the first line this long (a body paragraph or summary)."""


@dataclass
class InputFile:
    """What discovery learnt about one file without running the pipeline."""

    path: Path
    sha256: str
    language: str | None
    """By content: zh, en, or None when the content does not tell."""
    tag: str | None
    """By a language tag in the name: zh, en or None."""
    base: str
    """The name without extension and language tag, lower case: the key for pairing by name."""
    symbol: str | None = None
    symbol_from: str | None = None
    """Where the symbol came from: "name" or "text"."""


@dataclass
class Job:
    """One document of the batch: a Chinese file, its English original if one was found."""

    doc_id: str
    """Output folder name (``<out>/<doc_id>/``): the Chinese file's name without extension, as ``undoc run``."""
    zh: str
    en: str | None
    zh_sha256: str
    en_sha256: str | None = None
    symbol: str | None = None
    paired_by: str | None = None
    """How the English file was found: "symbol", "name", or None (no English original)."""
    error: str | None = None
    """Set when the job fails before processing (an unpaired English file, an output-folder clash)."""

    @property
    def label(self) -> str:
        return self.symbol or self.doc_id


@dataclass
class Discovery:
    jobs: list[Job] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Files that were seen but not used, and why."""
    unused_english: int = 0


def strip_name(path: Path) -> tuple[str, str | None]:
    """(name without extension and language tag, the tag's language or None)."""
    name = path.name
    if path.suffix.lower() in DEFAULT_SUFFIXES:
        name = name[: -len(path.suffix)]
    match = _TAG_RE.search(name)
    if match and match.start() > 0:
        tag = match.group(1).lower()
        return name[: match.start()], "zh" if tag in ZH_TAGS else "en"
    return name, None


def symbol_from_name(base: str) -> str | None:
    """``A_64_298`` → ``A/64/298`` when the whole name is a document symbol written with underscores."""
    candidate = base.replace("_", "/")
    return candidate if SYMBOL_RE.fullmatch(candidate) and "/" in candidate else None


def symbol_from_text(text: str, language: str | None) -> str | None:
    """The symbol the front matter prints on a line of its own, if any."""
    lines = []
    for line in text.lstrip("\ufeff").split("\n")[: _HEAD_LINES * 3]:
        if len(line.strip()) >= _PARAGRAPH_CHARS or len(lines) >= _HEAD_LINES:
            break
        lines.append(line)
    return parse_front_matter(lines, language or "en").symbol


def sniff(path: Path, cache: dict[str, dict[str, str | None]] | None = None) -> InputFile:
    """Hash ``path``; find its language and symbol from its name and its content.

    PDF and DOCX files (told by their bytes, as ingest does) are converted to text for this; since that is
    slow, what it found is kept in ``cache`` by content hash, so a rerun reads each file only to hash it.
    """
    digest = hashlib.sha256()
    head = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
    sha = digest.hexdigest()
    base, tag = strip_name(path)
    info = InputFile(path, sha, None, tag, base.lower())
    symbol = symbol_from_name(base)
    if symbol:
        info.symbol, info.symbol_from = symbol, "name"
    if cache is not None and sha in cache:
        info.language = cache[sha].get("language")
        if not symbol and cache[sha].get("symbol"):
            info.symbol, info.symbol_from = cache[sha]["symbol"], "text"
        return info
    text, kind = _text(head, path)
    info.language = detect_language(text[:200_000]) if text else None
    text_symbol = symbol_from_text(text, info.language) if text else None
    if not symbol and text_symbol:
        info.symbol, info.symbol_from = text_symbol, "text"
    if cache is not None and kind != "text":
        cache[sha] = {"language": info.language, "symbol": text_symbol}
    return info


def _text(head: bytes, path: Path) -> tuple[str, str]:
    """(the text of a file's first ``SNIFF_BYTES``, its format); "" when it cannot be read."""
    if not head.strip():
        return "", "text"
    try:
        kind = detect_format(head, str(path))
        if kind == "text":
            return decode(head, str(path))[0], kind
        return extract(head, kind, str(path)), kind
    except InputError:
        return "", "unknown"
    except Exception as exc:  # a converter's own failure must not stop the batch; ingest will report it
        log.debug("%s: cannot read for pairing: %s", path, exc)
        return "", "unknown"


def list_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if not p.name.startswith(".") and p.suffix.lower() in suffixes and p.is_file())


def _check_folder(folder: Path, what: str) -> None:
    if not folder.exists():
        raise InputError(f"{what} {folder} not found")
    if not folder.is_dir():
        raise InputError(f"{what} {folder} is a file; give the folder that holds the documents")


def _key(symbol: str | None) -> str | None:
    return symbol.upper().rstrip(".") if symbol else None


def discover(input_dir: str | Path, en_dir: str | Path | None = None,
             suffixes: tuple[str, ...] = DEFAULT_SUFFIXES,
             cache: dict[str, dict[str, str | None]] | None = None) -> Discovery:
    """The batch's jobs, in file-name order, with their English originals; see the module docstring.
    ``cache``: what earlier runs learnt from PDF and DOCX files (see ``sniff``); updated in place."""
    input_dir = Path(input_dir).resolve()
    _check_folder(input_dir, "input folder")
    separate = en_dir is not None and Path(en_dir).resolve() != input_dir
    en_folder = Path(en_dir).resolve() if separate and en_dir is not None else None
    if en_folder is not None:
        _check_folder(en_folder, "English folder (--en-dir)")
    found = Discovery()
    inputs = [sniff(p, cache) for p in list_files(input_dir, suffixes)]
    if not inputs:
        raise InputError(f"no documents in {input_dir} (looked for {', '.join('*' + s for s in suffixes)} files)")
    chinese = [f for f in inputs if not _is_english(f)]
    english = [f for f in inputs if _is_english(f)]
    if en_folder is not None:
        for f in (sniff(p, cache) for p in list_files(en_folder, suffixes)):
            if f.language == "zh" or (f.language is None and f.tag == "zh"):
                found.notes.append(f"{f.path.name} in the English folder is Chinese; not used")
            else:
                english.append(f)
    by_symbol: dict[str, list[InputFile]] = defaultdict(list)
    by_name: dict[str, list[InputFile]] = defaultdict(list)
    for f in english:
        if f.symbol:
            by_symbol[_key(f.symbol)].append(f)  # type: ignore[index]
        by_name[f.base].append(f)
    used: set[Path] = set()
    outputs: dict[str, Path] = {}
    for zh in chinese:
        en, how = _partner(zh, by_symbol, by_name)
        doc_id = _doc_id(zh.path)
        job = Job(doc_id, str(zh.path), str(en.path) if en else None, zh.sha256, en.sha256 if en else None,
                  symbol=zh.symbol or (en.symbol if en else None), paired_by=how)
        if en is not None:
            used.add(en.path)
        if doc_id in outputs:
            job.error = (f"{zh.path.name}: its output folder '{doc_id}' is already used by {outputs[doc_id].name}; "
                         "rename one of the two files")
        outputs.setdefault(doc_id, zh.path)
        found.jobs.append(job)
    for en in english:
        if en.path in used:
            continue
        if en.path.parent == input_dir:
            doc_id = _doc_id(en.path)
            found.jobs.append(Job(doc_id, str(en.path), None, en.sha256, symbol=en.symbol, error=(
                f"{en.path.name}: the text is English and no Chinese file pairs with it; put Chinese translations "
                "in the input folder and English originals in --en-dir or beside them, named as in the docs")))
        else:
            found.unused_english += 1
    found.jobs.sort(key=lambda j: Path(j.zh).name)
    return found


def _is_english(f: InputFile) -> bool:
    return f.language == "en" or (f.language is None and f.tag == "en")


def _partner(zh: InputFile, by_symbol: dict[str, list[InputFile]],
             by_name: dict[str, list[InputFile]]) -> tuple[InputFile | None, str | None]:
    if zh.symbol:
        candidates = by_symbol.get(_key(zh.symbol) or "", [])
        if candidates:
            same_name = [f for f in candidates if f.base == zh.base]
            return (same_name or candidates)[0], "symbol"
    for f in by_name.get(zh.base, []):
        if not (zh.symbol and f.symbol and _key(zh.symbol) != _key(f.symbol)):
            return f, "name"
    return None, None


def _doc_id(path: Path) -> str:
    try:
        return new_document(path, "zh").id
    except UndocError:  # pragma: no cover - new_document only rejects unknown languages
        return path.stem
