"""Causal language models through Hugging Face ``transformers``: a model id, a local folder, or the
packaged GGUF converted once to a safetensors folder in the cache.

``preprocess`` → ``_forward`` → ``postprocess`` as in transformers pipelines; every forward pass runs
under ``torch.inference_mode()`` and results come back as plain Python numbers on the CPU.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from models.base import ModelInfo, ScoredText, TokenScore
from models.cache import cache_dir, locked
from models.spans import merge_units
from pipeline.errors import ModelNotAvailableError

log = logging.getLogger("undoc.models")
_LOGPROB_CHUNK = 256  # rows of the LM head turned into log-probabilities at once (memory: rows x vocab)


def converted_gguf_dir(size: str, progress=None) -> Path:
    """A transformers checkpoint converted from the packaged GGUF (dequantised once, then cached)."""
    from models.packaged import gguf_path, gguf_spec

    spec = gguf_spec(size)
    target = cache_dir() / "hf" / spec.key
    if (target / "config.json").is_file():
        return target
    gguf = gguf_path(size, progress)
    with locked(spec.key + ".hf"):
        if (target / "config.json").is_file():
            return target
        try:
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise ModelNotAvailableError("the transformers backend needs torch, transformers, gguf and "
                                         "accelerate installed (scripts/setup.sh installs them)") from None
        if progress:
            progress(f"converting {gguf.name} to a transformers checkpoint (once; about 2 minutes)")
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        quantizer = getattr(model, "hf_quantizer", None)
        if quantizer is not None:
            quantizer.remove_quantization_config(model)  # weights are dense fp32 now; allow saving
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{spec.key}.", dir=target.parent))
        try:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


class TransformersCausalLM:
    """One loaded causal LM serving both roles (``score`` for LanguageModel, ``generate`` for Generator)."""

    def __init__(self, name_or_path: str, device: str = "cpu", allow_downloads: bool = False,
                 threads: int | None = None, info: ModelInfo | None = None) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise ModelNotAvailableError("the transformers backend needs torch and transformers installed") from None
        if threads:
            torch.set_num_threads(threads)
        self.device = device
        self._lock = threading.Lock()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(name_or_path, local_files_only=not allow_downloads)
            self.model = AutoModelForCausalLM.from_pretrained(
                name_or_path, local_files_only=not allow_downloads, torch_dtype=torch.float32,
            ).to(device).eval()
        except (OSError, ValueError) as exc:
            raise ModelNotAvailableError(
                f"causal LM '{name_or_path}' is not available offline ({str(exc).splitlines()[0][:160]}); "
                "give a local folder or a model in the local Hugging Face cache"
            ) from None
        self.info = info or ModelInfo("lm", "transformers", str(name_or_path))
        start = self.tokenizer.bos_token_id
        if start is None:
            start = self.tokenizer.eos_token_id
        self._start_id = start

    # -- LanguageModel ------------------------------------------------------------------------------
    def score(self, text: str, context: str = "", top_k: int = 0) -> ScoredText:
        ids, pieces, n_context = self._preprocess(text, context)
        logprobs, alternatives = self._forward(ids, n_context, top_k)
        return self._postprocess(text, pieces, logprobs, alternatives)

    def _preprocess(self, text: str, context: str) -> tuple[list[int], list[bytes], int]:
        context_ids = self.tokenizer.encode(context, add_special_tokens=False) if context else []
        text_ids = self.tokenizer.encode(text, add_special_tokens=False)
        pieces = [self._token_bytes(i) for i in text_ids]
        prefix = ([self._start_id] if self._start_id is not None else []) + context_ids
        return prefix + text_ids, pieces, len(prefix)

    def _token_bytes(self, token_id: int) -> bytes:
        token = self.tokenizer.convert_ids_to_tokens(token_id)
        return _bytes_of_bpe_token(token)

    def _forward(self, ids: list[int], n_prefix: int, top_k: int) -> tuple[list[float], list[tuple]]:
        import torch

        with self._lock, torch.inference_mode():
            input_ids = torch.tensor([ids], device=self.device)
            hidden = self.model.model(input_ids=input_ids).last_hidden_state[0]
            # position p predicts token p + 1: text tokens are predicted by positions n_prefix-1 .. len-2
            positions = torch.arange(max(n_prefix - 1, 0), len(ids) - 1, device=self.device)
            targets = input_ids[0, positions + 1]
            logprobs: list[float] = []
            alternatives: list[tuple] = []
            for k in range(0, len(positions), _LOGPROB_CHUNK):
                rows = hidden[positions[k:k + _LOGPROB_CHUNK]]
                logits = self.model.lm_head(rows).float()
                logp = torch.log_softmax(logits, dim=-1)
                logprobs.extend(logp.gather(1, targets[k:k + _LOGPROB_CHUNK, None])[:, 0].cpu().tolist())
                if top_k:
                    values, indices = logp.topk(top_k, dim=-1)
                    for vals, idx in zip(values.cpu().tolist(), indices.cpu().tolist(), strict=True):
                        alternatives.append(tuple(
                            (self.tokenizer.decode([i]), v) for i, v in zip(idx, vals, strict=True)))
        if n_prefix == 0 and ids:  # no start token: the first token cannot be scored
            logprobs.insert(0, 0.0)
            if top_k:
                alternatives.insert(0, ())
        return logprobs, alternatives

    def _postprocess(self, text: str, pieces: list[bytes], logprobs: list[float],
                     alternatives: list[tuple]) -> ScoredText:
        from models.spans import token_char_spans

        spans = token_char_spans(text, pieces)
        tokens = []
        for start, end, lp, idx in merge_units(spans, logprobs):
            alts = alternatives[idx[0]] if alternatives else ()
            tokens.append(TokenScore(text[start:end], start, end, float(lp), alts))
        return ScoredText(text, tuple(tokens), self.info.name)

    def totals(self, texts: list[str], batch_size: int = 32) -> list[float]:
        """Total log-probability of each text (after the start token), several texts per forward pass.

        Cheaper than ``score`` for many short texts: one pass reads the weights once for a whole batch.
        ``batch_size`` counts texts; texts are sorted by length so padding stays small. The vocabulary head
        (151k columns for Qwen) runs only where a log-probability is still unknown: never on padding, and not
        on the beginning a text shares with the text before it (a window, then the same window after each
        correction), whose log-probabilities are the same and are taken from that text."""
        import torch

        from models.base import common_prefix, length_sorted_batches

        encoded = [[self._start_id, *self.tokenizer.encode(t, add_special_tokens=False)] for t in texts]
        # tokens [1, own[i]) of text i are predicted exactly as in text i - 1 (same tokens before and at them)
        own = [1] * len(encoded)
        for i in range(1, len(encoded)):
            own[i] = max(1, common_prefix(encoded[i - 1], encoded[i]))
        logprobs: list[list[float]] = [[] for _ in encoded]  # for tokens own[i] .. len - 1
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self._start_id
        for batch in length_sorted_batches([" " * len(e) for e in encoded], batch_size):
            width = max(len(encoded[i]) for i in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            rows, cols = [], []
            for row, i in enumerate(batch):
                ids[row, :len(encoded[i])] = torch.tensor(encoded[i])
                mask[row, :len(encoded[i])] = 1
                for token in range(own[i], len(encoded[i])):
                    rows.append(row)
                    cols.append(token - 1)  # position p predicts token p + 1
            if not rows:
                continue
            ids = ids.to(self.device)
            with self._lock, torch.inference_mode():
                hidden = self.model.model(input_ids=ids, attention_mask=mask.to(self.device)).last_hidden_state
                row_t, col_t = torch.tensor(rows, device=self.device), torch.tensor(cols, device=self.device)
                picked_rows, targets = hidden[row_t, col_t], ids[row_t, col_t + 1]
                values: list[float] = []
                for k in range(0, len(rows), _LOGPROB_CHUNK):
                    logits = self.model.lm_head(picked_rows[k:k + _LOGPROB_CHUNK]).float()
                    # the picked logit minus the log-normaliser: no second vocabulary-sized tensor
                    values += (logits.gather(1, targets[k:k + _LOGPROB_CHUNK, None])[:, 0]
                               - torch.logsumexp(logits, dim=-1)).cpu().tolist()
            at = 0
            for i in batch:
                n = len(encoded[i]) - own[i]
                logprobs[i] = values[at:at + n]
                at += n
        out: list[float] = []
        full: list[float] = []
        for i, seq in enumerate(encoded):
            full = full[:own[i] - 1] + logprobs[i]  # the shared beginning's, then its own
            assert len(full) == len(seq) - 1
            out.append(float(sum(full)))
        return out

    # -- Generator ----------------------------------------------------------------------------------
    def generate(self, messages: list[dict[str, str]], max_new_tokens: int = 256) -> str:
        import torch

        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        batch = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        with self._lock, torch.inference_mode():
            out = self.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                      pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
        return self.tokenizer.decode(out[0, batch["input_ids"].shape[1]:], skip_special_tokens=True).strip()


_BYTE_DECODER: dict[str, int] | None = None


def _bytes_of_bpe_token(token: str) -> bytes:
    """GPT-2 byte-level BPE token string → raw bytes (the reversible byte ↔ unicode map)."""
    global _BYTE_DECODER
    if _BYTE_DECODER is None:
        visible = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
            list(range(ord("®"), ord("ÿ") + 1))
        codes = visible[:]
        extra = 0
        for b in range(256):
            if b not in visible:
                visible.append(b)
                codes.append(256 + extra)
                extra += 1
        _BYTE_DECODER = {chr(c): b for b, c in zip(visible, codes, strict=True)}
    try:
        return bytes(_BYTE_DECODER[ch] for ch in token)
    except KeyError:
        return token.encode("utf-8")  # a special or added token written in plain text
