"""The three model roles, as small protocols, and the plain result types they return.

Stages call only these methods; which framework runs underneath is the adapter's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class TokenScore:
    """One token of a scored text: its characters [start, end) in the text, and log P(token | left context)."""

    text: str
    start: int
    end: int
    logprob: float
    alternatives: tuple[tuple[str, float], ...] = ()
    """The model's top-k tokens at this position with their log-probabilities (when asked for)."""


@dataclass(frozen=True)
class ScoredText:
    text: str
    tokens: tuple[TokenScore, ...]
    model: str

    @property
    def total_logprob(self) -> float:
        return float(sum(t.logprob for t in self.tokens))


@dataclass(frozen=True)
class ModelInfo:
    """What ``undoc models list`` shows and what is written next to every output."""

    role: str
    backend: str
    name: str
    version: str | None = None
    path: str | None = None
    sha256: str | None = None
    licence: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Embedder(Protocol):
    """Sentences (Chinese or English) → L2-normalised float32 vectors, one row per sentence."""

    info: ModelInfo

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...


@runtime_checkable
class LanguageModel(Protocol):
    """Per-token log-probabilities of a text, optionally after a context that is not scored."""

    info: ModelInfo

    def score(self, text: str, context: str = "", top_k: int = 0) -> ScoredText: ...


@runtime_checkable
class Generator(Protocol):
    """Chat messages → generated text; greedy and deterministic unless told otherwise."""

    info: ModelInfo

    def generate(self, messages: list[dict[str, str]], max_new_tokens: int = 256) -> str: ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def length_sorted_batches(texts: list[str], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first); the caller restores order."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[k:k + batch_size] for k in range(0, len(order), max(1, batch_size))]


def common_prefix(a, b) -> int:
    """How many leading items two token sequences share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
