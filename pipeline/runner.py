"""Build a pipeline from a config and run it on documents; write outputs atomically."""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__, registry
from pipeline.atomic import atomic_write_json
from pipeline.config import Config, config_to_dict
from pipeline.document import Document, DocumentPair
from pipeline.errors import PipelineError
from pipeline.ingest import new_document

log = logging.getLogger("undoc")
Progress = Callable[[str], None]


@dataclass
class Pipeline:
    """Document stages (each Document in, the same Document out, enriched), then pair stages (the
    DocumentPair in, the same pair out). The order is checked when the pipeline is built."""

    config: Config
    names: list[str]
    stages: list[Any] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    """"document" or "pair" for each stage; stages given without scopes are document stages."""

    @classmethod
    def build(cls, config: Config, names: Iterable[str] | None = None) -> Pipeline:
        names = list(names if names is not None else config.run.stages)
        registry.check_order(names)
        specs = [registry.get(name) for name in names]
        return cls(config, names, [spec.factory(config) for spec in specs], [spec.scope for spec in specs])

    @property
    def document_stage_count(self) -> int:
        scopes = self.scopes or ["document"] * len(self.names)
        return sum(1 for scope in scopes if scope == "document")

    def __call__(self, doc: Document, progress: Progress | None = None, start: int = 0,
                 stop: int | None = None) -> Document:
        """Run document stages ``start:stop`` (all of them by default) on ``doc``."""
        stop = self.document_stage_count if stop is None else min(stop, self.document_stage_count)
        for name, stage in list(zip(self.names, self.stages, strict=True))[start:stop]:
            _run_stage(name, stage, doc, doc, f"{doc.id} [{doc.language}]", progress)
        return doc

    def run_pair(self, pair: DocumentPair, progress: Progress | None = None) -> DocumentPair:
        """Run the pair stages on ``pair`` (after every document stage has run on both documents)."""
        for name, stage in list(zip(self.names, self.stages, strict=True))[self.document_stage_count:]:
            if pair.en is None and getattr(stage, "needs_english", False):
                if progress:
                    progress(f"{pair.zh.id} {name}: skipped (no English original)")
                continue
            _run_stage(name, stage, pair, pair.zh, pair.zh.id, progress)
        return pair

    def pipe(self, docs: Iterable[Document], progress: Progress | None = None) -> Iterable[Document]:
        for doc in docs:
            yield self(doc, progress)


def _run_stage(name: str, stage: Any, target: Any, record: Document, label: str,
               progress: Progress | None) -> None:
    """Run one stage on a Document or DocumentPair, check it enriched that same object, record and report it."""
    started = time.perf_counter()
    if stage(target) is not target:
        kind = "pair" if isinstance(target, DocumentPair) else "document"
        raise PipelineError(f"stage '{name}' returned a different object; stages must enrich the {kind}")
    record.stages.append(name)
    if progress:
        progress(f"{label} {name}: {time.perf_counter() - started:.2f}s")


def run_file(path: str | Path, language: str, config: Config, progress: Progress | None = None,
             stages: list[str] | None = None) -> Document:
    """Run the document stages of the config (or ``stages``) on one file."""
    pipeline = Pipeline.build(config, stages)
    return pipeline(new_document(path, language), progress)


def process_pair(zh_path: str | Path, config: Config, en_path: str | Path | None = None,
                 progress: Progress | None = None, stages: list[str] | None = None) -> DocumentPair:
    """Every stage on the Chinese file and, when given, its English original; nothing is written."""
    pipeline = Pipeline.build(config, stages)
    docs = [new_document(zh_path, "zh")]
    if en_path is not None:
        docs.append(new_document(en_path, "en"))
    # Read and check every input before any slow stage runs, so a bad file fails at once.
    split = pipeline.names.index("ingest") + 1 if "ingest" in pipeline.names else 0
    for doc in docs:
        pipeline(doc, progress, stop=split)
    for doc in docs:
        pipeline(doc, progress, start=split)
    pair = DocumentPair(docs[0], docs[1] if len(docs) > 1 else None)
    return pipeline.run_pair(pair, progress)


def run_pipeline(zh_path: str | Path, config: Config, en_path: str | Path | None = None,
                 output_dir: str | Path = "outputs", progress: Progress | None = None,
                 stages: list[str] | None = None) -> Path:
    """The main job: every configured stage on the Chinese file (and the English one when given).

    Writes ``<output_dir>/<doc-id>/``: ``document.json`` (and ``document.en.json``), the alignment
    files when there is an English original, and ``run.json`` with the resolved config and model
    versions. Returns the document's output folder.
    """
    from pipeline.outputs import write_outputs

    started = time.perf_counter()
    pair = process_pair(zh_path, config, en_path, progress, stages)
    out = Path(output_dir) / pair.zh.id
    write_outputs(pair, out, config)
    write_run_record(out, config, inputs={"zh": str(zh_path), "en": str(en_path) if en_path else None},
                     seconds=time.perf_counter() - started)
    return out


def write_run_record(out: Path, config: Config, inputs: dict[str, str | None], seconds: float) -> Path:
    from models.catalog import describe

    record = {
        "undoc_version": __version__,
        "python": platform.python_version(),
        "inputs": inputs,
        "config": config_to_dict(config),
        "models": describe(config),
        "seconds": round(seconds, 3),
    }
    return atomic_write_json(out / "run.json", record)
