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
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.ingest import new_document

log = logging.getLogger("undoc")
Progress = Callable[[str], None]


@dataclass
class Pipeline:
    """Stages in order; each takes a Document and returns the same Document, enriched."""

    config: Config
    names: list[str]
    stages: list[Any] = field(default_factory=list)

    @classmethod
    def build(cls, config: Config, names: Iterable[str] | None = None) -> Pipeline:
        names = list(names if names is not None else config.run.stages)
        registry.check_order(names)
        stages = [registry.get(name).factory(config) for name in names]
        return cls(config, names, stages)

    def __call__(self, doc: Document, progress: Progress | None = None, start: int = 0,
                 stop: int | None = None) -> Document:
        """Run stages ``start:stop`` (all by default) on ``doc``."""
        for name, stage in list(zip(self.names, self.stages, strict=True))[start:stop]:
            started = time.perf_counter()
            result = stage(doc)
            if result is not doc:
                raise PipelineError(f"stage '{name}' returned a different object; stages must enrich the document")
            doc.stages.append(name)
            if progress:
                progress(f"{doc.id} [{doc.language}] {name}: {time.perf_counter() - started:.2f}s")
        return doc

    def pipe(self, docs: Iterable[Document], progress: Progress | None = None) -> Iterable[Document]:
        for doc in docs:
            yield self(doc, progress)


def run_file(path: str | Path, language: str, config: Config, progress: Progress | None = None,
             stages: list[str] | None = None) -> Document:
    """Run the configured stages on one file."""
    pipeline = Pipeline.build(config, stages)
    return pipeline(new_document(path, language), progress)


def run_pipeline(zh_path: str | Path, config: Config, en_path: str | Path | None = None,
                 output_dir: str | Path = "outputs", progress: Progress | None = None) -> Path:
    """The main job: every configured stage on the Chinese file (and the English one when given).

    Writes ``<output_dir>/<doc-id>/document.json`` (and ``document.en.json``) plus ``run.json``
    with the resolved config and versions. Returns the document's output folder.
    """
    started = time.perf_counter()
    pipeline = Pipeline.build(config)
    docs = [new_document(zh_path, "zh")]
    if en_path is not None:
        docs.append(new_document(en_path, "en"))
    # Read and check every input before any slow stage runs, so a bad file fails at once.
    split = pipeline.names.index("ingest") + 1 if "ingest" in pipeline.names else 0
    for doc in docs:
        pipeline(doc, progress, stop=split)
    for doc in docs:
        pipeline(doc, progress, start=split)
    zh, en = docs[0], (docs[1] if len(docs) > 1 else None)
    out = Path(output_dir) / zh.id
    atomic_write_json(out / "document.json", zh.to_dict())
    if en is not None:
        atomic_write_json(out / "document.en.json", en.to_dict())
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
