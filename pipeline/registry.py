"""Stage registry: every stage by name, with what it requires and provides, in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.config import Config
from pipeline.errors import PipelineError


@dataclass(frozen=True)
class StageSpec:
    name: str
    factory: Callable[[Config], Any]
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    description: str
    scope: str = "document"
    """"document": runs on each Document; "pair": runs on the DocumentPair after every document stage."""


_REGISTRY: dict[str, StageSpec] = {}


def register(name: str, *, requires: tuple[str, ...] = (), provides: tuple[str, ...] = (),
             description: str = "", scope: str = "document",
             ) -> Callable[[Callable[[Config], Any]], Callable[[Config], Any]]:
    """Decorator for a factory ``(config) -> stage``; the stage is ``__call__(doc) -> doc`` (or pair -> pair)."""

    def decorate(factory: Callable[[Config], Any]) -> Callable[[Config], Any]:
        if name in _REGISTRY:
            raise PipelineError(f"stage '{name}' is registered twice")
        _REGISTRY[name] = StageSpec(name, factory, requires, provides, description, scope)
        return factory

    return decorate


def get(name: str) -> StageSpec:
    _load_builtin()
    if name not in _REGISTRY:
        raise PipelineError(f"unknown stage '{name}'; valid stages: {', '.join(names())}")
    return _REGISTRY[name]


def names() -> list[str]:
    _load_builtin()
    return list(_REGISTRY)


def check_order(stage_names: list[str] | tuple[str, ...], available: tuple[str, ...] = ()) -> None:
    """Raise PipelineError naming the first stage whose requirement no earlier stage provides."""
    have = set(available)
    seen_pair: str | None = None
    for name in stage_names:
        spec = get(name)
        if spec.scope == "pair":
            seen_pair = seen_pair or name
        elif seen_pair is not None:
            raise PipelineError(f"document stage '{name}' cannot run after pair stage '{seen_pair}'; "
                                "put every document stage (ingest, segment) first")
        missing = [r for r in spec.requires if r not in have]
        if missing:
            providers = [s.name for s in _REGISTRY.values() if set(missing) & set(s.provides)]
            hint = f" (add {', '.join(providers)} before it)" if providers else ""
            raise PipelineError(f"stage '{name}' requires {', '.join(missing)}, which no earlier stage provides{hint}")
        have.update(spec.provides)


_loaded = False


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True

    @register("ingest", provides=("text",), description="read, decode, normalise and check the input file")
    def _ingest(config: Config) -> Any:
        from pipeline.ingest import Ingest

        return Ingest(config.stages.ingest)

    @register("segment", requires=("text",), provides=("structure", "sentences", "tokens"),
              description="front matter, summary, contents, headings, paragraphs, footnotes, sentences")
    def _segment(config: Config) -> Any:
        from pipeline.segment import Segment

        return Segment(config.stages.segment)

    @register("align", requires=("structure", "sentences"), provides=("alignment",), scope="pair",
              description="structural diff and sentence alignment against the English original")
    def _align(config: Config) -> Any:
        from pipeline.align import Align

        return Align(config)

    @register("check", requires=("structure", "sentences"), provides=("flags",), scope="pair",
              description="flag translation defects (garbled text, numbers, terms, omissions, form)")
    def _check(config: Config) -> Any:
        from pipeline.check import Check

        return Check(config)

    @register("summarize", requires=("structure", "sentences"), provides=("summaries",), scope="pair",
              description="per-section and executive summaries in Chinese and English, with citations")
    def _summarize(config: Config) -> Any:
        from pipeline.summarize import Summarize

        return Summarize(config)

    @register("report", requires=("structure",), provides=("report",), scope="pair",
              description="reviewer report (report.html, report.md) written beside the JSON outputs")
    def _report(config: Config) -> Any:
        from pipeline.report import Report

        return Report(config)
