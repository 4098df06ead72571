"""llama.cpp (``llama-cpp-python``) running the packaged Q4_K_M GGUF natively on the CPU.

Scoring needs every position's logits (``logits_all``); generation does not, so the two roles use
separate contexts over the same file (the weights are memory-mapped and shared by the OS).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from models.base import ModelInfo, ScoredText, TokenScore, common_prefix
from models.spans import merge_units, token_char_spans
from pipeline.errors import ModelNotAvailableError

log = logging.getLogger("undoc.models")


def _llama_class():
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelNotAvailableError(
            "the llama-cpp backend needs llama-cpp-python==0.3.36 (scripts/setup.sh builds it; "
            "or choose backend = \"transformers\" in the config)") from None
    return Llama


class LlamaCppLM:
    """LanguageModel over a GGUF file. ``context_tokens`` bounds context + text per call."""

    def __init__(self, path: Path, info: ModelInfo, context_tokens: int = 2048, threads: int | None = None) -> None:
        Llama = _llama_class()
        self.path = Path(path)
        self.info = info
        self.context_tokens = context_tokens
        self._lock = threading.Lock()
        self._llm = Llama(model_path=str(self.path), n_ctx=context_tokens, n_batch=512, logits_all=True,
                          n_threads=threads, seed=0, verbose=False)
        self._n_vocab = self._llm.n_vocab()
        self._start_id = self._llm.token_bos() if self._llm.token_bos() >= 0 else self._llm.token_eos()

    def score(self, text: str, context: str = "", top_k: int = 0) -> ScoredText:
        llm = self._llm
        text_ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        context_ids = llm.tokenize(context.encode("utf-8"), add_bos=False, special=False) if context else []
        budget = self.context_tokens - len(text_ids) - 1
        if budget < 0:
            raise ValueError(f"text of {len(text_ids)} tokens exceeds the context of {self.context_tokens}")
        context_ids = context_ids[-budget:] if budget else []
        ids = [self._start_id, *context_ids, *text_ids]
        first = len(ids) - len(text_ids)
        with self._lock:
            llm.reset()
            llm.eval(ids)
            logits = np.asarray(llm.scores[first - 1:len(ids) - 1], dtype=np.float32)
        logprobs, alternatives = _logprobs(logits, text_ids, top_k)
        pieces = [llm.detokenize([t]) for t in text_ids]
        spans = token_char_spans(text, pieces)
        tokens = []
        for start, end, lp, idx in merge_units(spans, logprobs):
            alts = tuple((llm.detokenize([t]).decode("utf-8", "replace"), v) for t, v in alternatives[idx[0]]) \
                if top_k else ()
            tokens.append(TokenScore(text[start:end], start, end, float(lp), alts))
        return ScoredText(text, tuple(tokens), self.info.name)

    def totals(self, texts: list[str]) -> list[float]:
        """Total log-probability of each text after the start token, as ``score(text).total_logprob``.

        Consecutive texts that begin alike (a window as written, then after each correction) reuse the
        evaluated beginning: only the tokens after the part shared with the previous text are evaluated again,
        the cache beyond it dropped (as llama.cpp's own generation reuses a prompt prefix)."""
        llm = self._llm
        out = []
        with self._lock:
            for text in texts:
                ids = [self._start_id, *llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)]
                if len(ids) > self.context_tokens:
                    raise ValueError(f"text of {len(ids)} tokens exceeds the context of {self.context_tokens}")
                # keep the evaluated beginning this text shares; at least one token is evaluated again
                llm.n_tokens = min(common_prefix(llm.input_ids[:llm.n_tokens], ids), len(ids) - 1)
                llm.eval(ids[llm.n_tokens:])
                logits = np.asarray(llm.scores[:len(ids) - 1], dtype=np.float32)
                logprobs, _ = _logprobs(logits, ids[1:], 0)
                out.append(float(sum(logprobs)))
        return out


def _logprobs(logits: np.ndarray, targets: list[int], top_k: int,
              chunk: int = 256) -> tuple[list[float], list[list[tuple[int, float]]]]:
    """Log-softmax in chunks of rows (never the whole matrix at once), the target's value and the top k."""
    out: list[float] = []
    alts: list[list[tuple[int, float]]] = []
    target_arr = np.asarray(targets)
    for lo in range(0, len(targets), chunk):
        rows = logits[lo:lo + chunk]
        peak = rows.max(axis=1, keepdims=True)
        norm = peak[:, 0] + np.log(np.exp(rows - peak).sum(axis=1))
        out.extend((rows[np.arange(len(rows)), target_arr[lo:lo + chunk]] - norm).tolist())
        for row, row_norm in zip(rows, norm, strict=True):
            if top_k:
                best = np.argpartition(-row, top_k)[:top_k]
                best = best[np.argsort(-row[best])]
                alts.append([(int(t), float(row[t] - row_norm)) for t in best])
            else:
                alts.append([])
    return out, alts


class LlamaCppGenerator:
    """Generator over a GGUF file: chat template from the file, greedy decoding, fixed seed."""

    def __init__(self, path: Path, info: ModelInfo, context_tokens: int = 4096, threads: int | None = None) -> None:
        Llama = _llama_class()
        self.info = info
        self._lock = threading.Lock()
        self._llm = Llama(model_path=str(path), n_ctx=context_tokens, n_batch=512, n_threads=threads, seed=0,
                          verbose=False)

    def generate(self, messages: list[dict[str, str]], max_new_tokens: int = 256) -> str:
        with self._lock:
            self._llm.reset()
            out = self._llm.create_chat_completion(messages=messages, max_tokens=max_new_tokens, temperature=0.0,
                                                   top_k=1, top_p=1.0, seed=0)
        return str(out["choices"][0]["message"]["content"]).strip()
