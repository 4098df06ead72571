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


_REGISTRY: dict[str, StageSpec] = {}


def register(name: str, *, requires: tuple[str, ...] = (), provides: tuple[str, ...] = (),
             description: str = "") -> Callable[[Callable[[Config], Any]], Callable[[Config], Any]]:
    """Decorator for a factory ``(config) -> stage``; the stage is ``__call__(doc) -> doc``."""

    def decorate(factory: Callable[[Config], Any]) -> Callable[[Config], Any]:
        if name in _REGISTRY:
            raise PipelineError(f"stage '{name}' is registered twice")
        _REGISTRY[name] = StageSpec(name, factory, requires, provides, description)
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
    for name in stage_names:
        spec = get(name)
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
