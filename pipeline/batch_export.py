"""Export a batch's aligned sentence pairs and flags as a Hugging Face ``datasets`` dataset (Parquet).

Layout of the export folder (loadable offline with ``datasets.load_dataset(folder)`` /
``load_dataset(folder, "flags")``, or ``load_dataset("parquet", data_files=...)``)::

    README.md                                  dataset card; its YAML names the two configs
    sentences/train-00000-of-00001.parquet     one row per sentence link of every finished document
    flags/train-00000-of-00001.parquet         one row per flag

Rows come from the files each document's folder already holds (``alignment.json``, ``document.json`` and,
when present, ``flags.json``), so documents skipped as current in a rerun are exported too. A flag is
attached to the Chinese sentences its span overlaps (``Flag.index``: the paragraph's position in
``Document.paragraphs``; ``Flag.span``: offsets in that paragraph's text); a sentence row lists the types of
the flags on any of its Chinese sentences. A config with no rows is still written (with its schema), but
``datasets`` refuses to load an empty split; ``pyarrow.parquet.read_table`` reads it.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_write_bytes, atomic_write_text
from pipeline.batch import BatchRecord

log = logging.getLogger("undoc.batch")
SHARD = "train-00000-of-00001.parquet"


def _features() -> tuple[Any, Any]:
    from datasets import Features, List, Value

    sentences = Features({
        "doc_id": Value("string"), "document": Value("string"), "link_id": Value("int32"), "kind": Value("string"),
        "zh": Value("string"), "en": Value("string"), "score": Value("float32"),
        "zh_ids": List(Value("int32")), "en_ids": List(Value("int32")),
        "zh_block": Value("string"), "en_block": Value("string"),
        "flags": List(Value("string")), "flag_ids": List(Value("string")),
    })
    flags = Features({
        "doc_id": Value("string"), "document": Value("string"), "flag_id": Value("string"), "type": Value("string"),
        "severity": Value("string"), "paragraph": Value("int32"), "paragraph_index": Value("int32"),
        "start": Value("int32"), "end": Value("int32"), "text": Value("string"), "message": Value("string"),
        "suggestion": Value("string"), "evidence": Value("string"),
        "zh_sentence_ids": List(Value("int32")), "link_ids": List(Value("int32")),
    })
    return sentences, flags


class SentenceLocator:
    """Global Chinese sentence ids (the numbering of ``alignment.json``: summary blocks, then body paragraphs,
    a block without sentences counting as one) for positions in a document's paragraphs."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.body_offset: list[int] = []
        self.body: list[dict[str, Any]] = list(doc.get("paragraphs") or [])
        total = sum(max(1, len(p.get("sentences") or [])) for p in doc.get("summary") or [])
        for para in self.body:
            self.body_offset.append(total)
            total += max(1, len(para.get("sentences") or []))

    def paragraph_index(self, flag: dict[str, Any]) -> int | None:
        index = flag.get("index")
        if isinstance(index, int) and 0 <= index < len(self.body):
            return index
        number = flag.get("paragraph")
        for i, para in enumerate(self.body):
            if number is not None and para.get("number") == number:
                return i
        return None

    def sentences(self, flag: dict[str, Any]) -> list[int]:
        index = self.paragraph_index(flag)
        if index is None:
            return []
        sents = self.body[index].get("sentences") or []
        first = self.body_offset[index]
        if not sents:
            return [first]
        start, end = _span(flag)
        hits = [first + k for k, s in enumerate(sents)
                if (s["start"] < end and start < s["end"]) or (start == end and s["start"] <= start < s["end"])]
        if not hits and start >= 0:  # a span at the very end of the paragraph, or offsets past it
            before = [k for k, s in enumerate(sents) if s["start"] <= start]
            hits = [first + before[-1]] if before else []
        return hits


def _span(flag: dict[str, Any]) -> tuple[int, int]:
    span = flag.get("span") or (0, 0)
    try:
        return int(span[0]), int(span[1])
    except (TypeError, ValueError, IndexError):
        return -1, -1


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def document_flags(folder: Path) -> list[dict[str, Any]]:
    """Flags of a finished document: those in ``document.json`` and, when present, ``flags.json`` (each once)."""
    doc = _read_json(folder / "document.json") or {}
    flags = [f for f in doc.get("flags") or [] if isinstance(f, dict)]
    extra = _read_json(folder / "flags.json")
    if isinstance(extra, dict):
        extra = extra.get("flags")
    if isinstance(extra, list):
        seen = {f.get("id") for f in flags}
        flags += [f for f in extra if isinstance(f, dict) and "type" in f and f.get("id") not in seen]
    return flags


def document_rows(record: BatchRecord, folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(sentence rows, flag rows) of one finished document."""
    doc = _read_json(folder / "document.json") or {}
    locator = SentenceLocator(doc)
    alignment = _read_json(folder / "alignment.json") or {}
    links = alignment.get("sentences") or []
    link_of: dict[int, int] = {}
    for link in links:
        for i in link.get("zh_ids") or []:
            link_of[i] = link["id"]
    on_sentence: dict[int, list[dict[str, Any]]] = {}
    flag_rows = []
    for flag in document_flags(folder):
        ids = locator.sentences(flag)
        for i in ids:
            on_sentence.setdefault(i, []).append(flag)
        start, end = _span(flag)
        flag_rows.append({
            "doc_id": record.doc_id, "document": record.document, "flag_id": str(flag.get("id") or ""),
            "type": str(flag.get("type") or ""), "severity": str(flag.get("severity") or ""),
            "paragraph": flag.get("paragraph") if isinstance(flag.get("paragraph"), int) else None,
            "paragraph_index": locator.paragraph_index(flag), "start": start, "end": end,
            "text": flag.get("text"), "message": flag.get("message"), "suggestion": flag.get("suggestion"),
            "evidence": json.dumps(flag.get("evidence") or {}, ensure_ascii=False, sort_keys=True, default=str),
            "zh_sentence_ids": ids, "link_ids": sorted({link_of[i] for i in ids if i in link_of}),
        })
    rows = []
    for link in links:
        flags = [f for i in link.get("zh_ids") or [] for f in on_sentence.get(i, [])]
        rows.append({
            "doc_id": record.doc_id, "document": record.document, "link_id": link["id"], "kind": link.get("kind"),
            "zh": link.get("zh", ""), "en": link.get("en", ""), "score": link.get("score"),
            "zh_ids": link.get("zh_ids") or [], "en_ids": link.get("en_ids") or [],
            "zh_block": link.get("zh_block"), "en_block": link.get("en_block"),
            "flags": sorted({str(f.get("type")) for f in flags}),
            "flag_ids": sorted({str(f.get("id")) for f in flags}),
        })
    return rows, flag_rows


def _parquet(rows: list[dict[str, Any]], features: Any) -> bytes:
    import datasets

    buffer = io.BytesIO()
    columns = {name: [row[name] for row in rows] for name in features}  # columnar: an empty export keeps its schema
    quiet = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()  # one bar per file would interleave with the batch's own progress
    try:
        datasets.Dataset.from_dict(columns, features=features).to_parquet(buffer)
    finally:
        if not quiet:
            datasets.enable_progress_bars()
    return buffer.getvalue()


def export_dataset(out_dir: str | Path, dest: str | Path, records: list[BatchRecord]) -> dict[str, Any]:
    """Write the dataset for the finished documents among ``records``; returns counts and the folder."""
    out_dir, dest = Path(out_dir), Path(dest)
    sentence_features, flag_features = _features()
    sentences: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    documents = 0
    for record in records:
        if record.status != "ok":
            continue
        rows, flag_rows = document_rows(record, out_dir / record.doc_id)
        sentences += rows
        flags += flag_rows
        documents += 1
    atomic_write_bytes(dest / "sentences" / SHARD, _parquet(sentences, sentence_features))
    atomic_write_bytes(dest / "flags" / SHARD, _parquet(flags, flag_features))
    atomic_write_text(dest / "README.md", _card(documents, len(sentences), len(flags)))
    return {"path": str(dest), "documents": documents, "sentences": len(sentences), "flags": len(flags)}


def _card(documents: int, sentences: int, flags: int) -> str:
    return f"""---
configs:
- config_name: sentences
  default: true
  data_files:
  - split: train
    path: sentences/*.parquet
- config_name: flags
  data_files:
  - split: train
    path: flags/*.parquet
---
# undoc batch export

Aligned Chinese–English sentence pairs and translation flags written by `undoc batch --export-dataset`:
{documents} documents, {sentences} sentence links, {flags} flags.

- `sentences`: one row per sentence link (`kind` 1-1, 1-2, 0-1 …; an empty side is an unlinked sentence),
  with its similarity `score`, the global sentence ids of each side, the paragraph keys (`zh_block`,
  `en_block`), and the types and ids of the flags on its Chinese sentences.
- `flags`: one row per flag: type, severity, paragraph, span in the paragraph text, message, suggestion,
  evidence (a JSON string) and the sentence links it falls on.

Load with `datasets.load_dataset("<this folder>")` or `load_dataset("<this folder>", "flags")`.
"""
