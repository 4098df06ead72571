"""Batch processing: every document of a folder, one output folder each, an index, resumable.

``run_batch`` finds the documents and their English originals (``pipeline/batch_pairing.py``), skips those
whose outputs are complete and current, hands the rest to an engine (``pipeline/batch_engines.py``: long-lived
local worker processes, or Ray actors) that calls ``process_one`` for each, and rewrites the index
(``index.csv``, ``index.html``, ``terms.csv``; ``pipeline/batch_index.py``) as results arrive.

Completeness: ``process_one`` deletes a document's ``status.json`` first, writes every output atomically, and
writes ``status.json`` last, with the hashes of the config and of both input files. A document is complete
and current only when ``status.json`` says "ok", its hashes match and the outputs it lists exist, so a batch
killed at any moment loses only the documents that were in flight. A failed document is retried on the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import resource
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__, registry
from pipeline.atomic import atomic_write_json
from pipeline.batch_pairing import DEFAULT_SUFFIXES, Job, discover
from pipeline.config import Config, config_to_dict
from pipeline.document import DocumentPair
from pipeline.errors import ConfigError, UndocError

log = logging.getLogger("undoc.batch")
Progress = Callable[[str], None]

BATCH_OK_EXIT = 0
BATCH_FAILED_EXIT = 1
"""Exit status of ``undoc batch`` when at least one document failed (the others are still written)."""
STATUS_FILE = "status.json"
STATUS_VERSION = 1
PAIRING_CACHE = ".pairing-cache.json"
"""In the output folder: language and symbol of each PDF/DOCX input by content hash (slow to find again)."""
ENGINES = ("local", "ray")
SEVERITIES = ("high", "medium", "low")
_HASHED_AWAY = (("name",), ("models", "threads"))
"""Config fields that do not change any output, left out of the config hash."""


@dataclass
class BatchRecord:
    """The outcome of one document; ``status.json`` holds it, the index shows it."""

    doc_id: str
    document: str
    """What the index calls the document: its symbol when known, else its file name."""
    status: str
    """ok, failed, or pending (not processed yet)."""
    zh: str
    en: str | None = None
    symbol: str | None = None
    paired_by: str | None = None
    error: str | None = None
    """One line: what went wrong and how to fix it."""
    error_type: str | None = None
    """The UndocError subclass (InputError, ...), or "internal" for any other exception."""
    risk: float | None = None
    flags: dict[str, int] = field(default_factory=dict)
    """Flag count per severity."""
    flag_types: dict[str, int] = field(default_factory=dict)
    alignment_score: float | None = None
    sentence_links: int = 0
    warnings: list[str] = field(default_factory=list)
    """High-severity pair findings (not translations of each other, lengths far apart)."""
    terms: list[list[str]] = field(default_factory=list)
    """[English term, Chinese rendering] pairs, for batch-wide terminology consistency."""
    stages: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    """Files written in the document's folder (status.json excepted)."""
    seconds: float = 0.0
    config_hash: str = ""
    input_hashes: dict[str, str | None] = field(default_factory=dict)
    finished: str | None = None
    worker: dict[str, Any] = field(default_factory=dict)
    """pid, host and peak resident memory (MB) of the process that did the work."""
    reused: bool = False
    """Not written: True when this run found the document complete and current and skipped it."""
    status_version: int = STATUS_VERSION

    @property
    def flag_total(self) -> int:
        return sum(self.flags.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("reused")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchRecord:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def for_job(cls, job: Job, status: str, config_hash: str = "") -> BatchRecord:
        return cls(doc_id=job.doc_id, document=job.label, status=status, zh=job.zh, en=job.en, symbol=job.symbol,
                   paired_by=job.paired_by, error=job.error, error_type="InputError" if job.error else None,
                   config_hash=config_hash, input_hashes={"zh": job.zh_sha256, "en": job.en_sha256})


@dataclass
class BatchResult:
    records: list[BatchRecord]
    """One per document, in the order of the index."""
    output_dir: Path
    seconds: float
    processed: int
    """Documents run in this call (not skipped as current)."""
    notes: list[str] = field(default_factory=list)
    export: dict[str, Any] | None = None

    @property
    def failed(self) -> list[BatchRecord]:
        return [r for r in self.records if r.status != "ok"]

    @property
    def reused(self) -> int:
        return sum(1 for r in self.records if r.reused)

    @property
    def exit_code(self) -> int:
        return BATCH_FAILED_EXIT if self.failed else BATCH_OK_EXIT


def config_hash(config: Config, stages: list[str] | tuple[str, ...] | None = None) -> str:
    """Hash of everything that decides a document's outputs: the config (less names and thread counts),
    the stages that run and the undoc version."""
    data = config_to_dict(config)
    for path in _HASHED_AWAY:
        node = data
        for key in path[:-1]:
            node = node.get(key, {})
        node.pop(path[-1], None)
    data["run"]["stages"] = list(stages if stages is not None else config.run.stages)
    payload = json.dumps({"undoc": __version__, "config": data}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def current_record(out_dir: Path, job: Job, chash: str) -> BatchRecord | None:
    """The document's record when its outputs are complete and current, else None."""
    folder = out_dir / job.doc_id
    try:
        data = json.loads((folder / STATUS_FILE).read_text(encoding="utf-8"))
        record = BatchRecord.from_dict(data)
    except (OSError, ValueError, TypeError):
        return None
    if (record.status != "ok" or record.config_hash != chash or record.status_version != STATUS_VERSION
            or record.input_hashes != {"zh": job.zh_sha256, "en": job.en_sha256}):
        return None
    if not all((folder / name).is_file() for name in record.outputs):
        return None
    record.reused = True
    return record


def term_renderings(pair: DocumentPair) -> list[tuple[str, str]]:
    """(English term, Chinese rendering) pairs found in a document, for batch-wide consistency.

    Two sources, both optional: the evidence of each flag (``evidence["en_term"]`` and
    ``evidence["zh_rendering"]``, on ``pair.zh.flags`` and ``pair.flags``), and a document-level list
    ``pair.zh.terms`` whose items are ``(en, zh)`` pairs or dicts with ``en_term``/``zh_rendering`` (or
    ``en``/``zh``) keys: every rendering of a glossary term the check stage saw, flagged or not.
    Whitespace inside a term is collapsed; each pair appears once, in first-seen order.
    """
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(en: Any, zh: Any) -> None:
        if not isinstance(en, str) or not isinstance(zh, str):
            return
        en, zh = " ".join(en.split()), "".join(zh.split())
        if en and zh and (en, zh) not in seen:
            seen.add((en, zh))
            found.append((en, zh))

    for flag in _flags(pair):
        evidence = flag.evidence if isinstance(flag.evidence, dict) else {}
        add(evidence.get("en_term"), evidence.get("zh_rendering"))
    for item in getattr(pair.zh, "terms", None) or ():
        if isinstance(item, dict):
            add(item.get("en_term", item.get("en")), item.get("zh_rendering", item.get("zh")))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            add(item[0], item[1])
    return found


def _flags(pair: DocumentPair) -> list[Any]:
    """The flags of the pair, each once (the check stage may keep the same flag on the pair and the document)."""
    out, ids = [], set()
    for flag in [*pair.zh.flags, *pair.flags]:
        key = flag.id or id(flag)
        if key not in ids:
            ids.add(key)
            out.append(flag)
    return out


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _worker_info() -> dict[str, Any]:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"pid": os.getpid(), "host": socket.gethostname(), "peak_rss_mb": round(peak_kb / 1024, 1)}


def process_one(job: Job, config: Config, out_dir: str | Path, stages: list[str] | None = None) -> BatchRecord:
    """Run the pipeline on one job and write its folder; never raises for a bad document.

    ``status.json`` is removed first and written last, so the folder counts as complete only when every
    output is in place. UndocError becomes a failed record with its one-line message; any other exception
    a failed record marked "internal".
    """
    from pipeline.outputs import write_outputs
    from pipeline.runner import process_pair, write_run_record

    started = time.perf_counter()
    chash = config_hash(config, stages)
    record = BatchRecord.for_job(job, "failed", chash)
    folder = Path(out_dir) / job.doc_id
    if job.error:
        return record
    try:
        _clear(folder)
        pair = process_pair(job.zh, config, job.en, None, stages)
        written = write_outputs(pair, folder, config)
        written.append(write_run_record(folder, config, {"zh": job.zh, "en": job.en},
                                        time.perf_counter() - started))
        _fill(record, pair, written, folder)
        record.status = "ok"
    except UndocError as exc:
        record.error, record.error_type = _one_line(str(exc)), type(exc).__name__
    except Exception as exc:
        log.debug("internal error on %s", job.zh, exc_info=True)
        record.error, record.error_type = _one_line(f"internal error: {type(exc).__name__}: {exc}"), "internal"
    record.seconds = round(time.perf_counter() - started, 3)
    record.finished = datetime.now(UTC).isoformat(timespec="seconds")
    record.worker = _worker_info()
    try:
        atomic_write_json(folder / STATUS_FILE, record.to_dict())
    except OSError as exc:
        record.status, record.error_type = "failed", "internal"
        record.error = _one_line(f"cannot write {folder / STATUS_FILE}: {exc.strerror or exc}")
    return record


def _clear(folder: Path) -> None:
    """Remove the old status.json (the folder is incomplete from now on) and temporary files a killed run left."""
    with contextlib.suppress(FileNotFoundError):
        (folder / STATUS_FILE).unlink()
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _fill(record: BatchRecord, pair: DocumentPair, written: list[Path], folder: Path) -> None:
    meta_symbol = pair.zh.meta.symbol or (pair.en.meta.symbol if pair.en is not None else None)
    record.symbol = meta_symbol or record.symbol
    record.document = record.symbol or record.doc_id
    record.risk = pair.zh.risk
    flags = _flags(pair)
    record.flags = {s: sum(1 for f in flags if f.severity == s) for s in SEVERITIES}
    for flag in flags:
        if flag.severity not in SEVERITIES:
            record.flags[flag.severity] = record.flags.get(flag.severity, 0) + 1
        record.flag_types[flag.type] = record.flag_types.get(flag.type, 0) + 1
    linked = [a.score for a in pair.alignments if a.level == "sentence" and a.src and a.tgt]
    record.sentence_links = sum(1 for a in pair.alignments if a.level == "sentence")
    record.alignment_score = round(sum(linked) / len(linked), 4) if linked else None
    record.warnings = [f.message for f in pair.structure_findings if f.kind in ("pair_mismatch", "length_ratio")]
    record.terms = [[en, zh] for en, zh in term_renderings(pair)]
    record.stages = list(pair.zh.stages)
    record.outputs = sorted({str(p.relative_to(folder)) for p in written})


def run_batch(input_dir: str | Path, config: Config, output_dir: str | Path = "outputs", *,
              en_dir: str | Path | None = None, engine: str = "local", workers: int = 1,
              stages: list[str] | None = None, ray_address: str | None = None,
              export_dir: str | Path | None = None, progress: Progress | None = None,
              suffixes: tuple[str, ...] = DEFAULT_SUFFIXES) -> BatchResult:
    """Process every document of ``input_dir``; see the module docstring. Never raises for a bad document.

    ``workers``: worker processes (local) or actors (Ray), each loading the models once; ``workers=0`` with
    the local engine runs everything in this process (for debugging). ``export_dir``: also write the
    aligned sentence pairs and flags of every finished document as a Hugging Face dataset (Parquet).
    """
    from pipeline import batch_engines, batch_index

    started = time.perf_counter()
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine '{engine}'; valid: {', '.join(ENGINES)}")
    if workers < 0 or (engine == "ray" and workers < 1):
        raise ConfigError(f"--workers must be at least {1 if engine == 'ray' else 0}, got {workers}")
    stages = list(stages if stages is not None else config.run.stages)
    registry.check_order(stages)  # a bad stage list fails once, before any worker starts
    out = Path(output_dir).resolve()
    cache = _read_cache(out / PAIRING_CACHE)
    known = len(cache)
    found = discover(input_dir, en_dir, suffixes, cache)
    if len(cache) != known:
        atomic_write_json(out / PAIRING_CACHE, cache)
    chash = config_hash(config, stages)
    records: dict[str, BatchRecord] = {}
    todo: list[Job] = []
    for job in found.jobs:
        if job.error:
            records[_key(job)] = BatchRecord.for_job(job, "failed", chash)
        elif (record := current_record(out, job, chash)) is not None:
            records[_key(job)] = record
        else:
            records[_key(job)] = BatchRecord.for_job(job, "pending", chash)
            todo.append(job)
    notes = list(found.notes)
    if found.unused_english:
        notes.append(f"{found.unused_english} English file(s) in the English folder paired with no Chinese file")
    index = batch_index.IndexWriter(out, config, engine, workers, notes)
    index.write(list(records.values()), force=True)
    total, done = len(records), len(records) - len(todo)
    if progress:
        for note in notes:
            progress(note)
        skipped = sum(1 for r in records.values() if r.reused)
        if skipped:
            progress(f"{skipped} of {total} documents are complete and current; skipped")
        for record in records.values():
            if record.status == "failed":
                progress(f"{record.document} FAILED: {record.error}")
    ticker = _Ticker(total, done, progress)
    # closing(): on an interrupt the workers stop now, not when the traceback is garbage-collected
    try:
        with contextlib.closing(batch_engines.run(engine, todo, config, out, stages, workers, ray_address)) as finished:
            for record in finished:
                records[_key(record)] = record
                ticker.tick(record)
                index.write(list(records.values()))
    finally:
        index.write(list(records.values()), force=True)
    result = BatchResult(list(records.values()), out, round(time.perf_counter() - started, 3), len(todo), notes)
    if export_dir is not None:
        from pipeline.batch_export import export_dataset

        result.export = export_dataset(out, export_dir, result.records)
        if progress:
            progress(f"dataset: {result.export['sentences']} sentence pairs, {result.export['flags']} flags "
                     f"in {export_dir}")
    return result


def _read_cache(path: Path) -> dict[str, dict[str, str | None]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _key(item: Job | BatchRecord) -> str:
    return item.doc_id + "\0" + item.zh


class _Ticker:
    """Progress lines: ``[12/50] A/64/298 ok 3.2s · 4.1 docs/min · ETA 9m``."""

    def __init__(self, total: int, done: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, done, progress
        self.processed = 0
        self.started = time.perf_counter()

    def tick(self, record: BatchRecord) -> None:
        self.done += 1
        self.processed += 1
        if not self.progress:
            return
        minutes = max(time.perf_counter() - self.started, 1e-6) / 60
        rate = self.processed / minutes
        left = self.total - self.done
        status = "ok" if record.status == "ok" else "FAILED"
        line = (f"[{self.done}/{self.total}] {record.document} {status} {record.seconds:.1f}s · "
                f"{rate:.1f} docs/min · ETA {format_eta(left / rate * 60 if rate else 0.0)}")
        if record.status != "ok":
            line += f" — {record.error}"
        elif record.warnings:
            line += f" — warning: {record.warnings[0]}"
        self.progress(line)


def format_eta(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m"

