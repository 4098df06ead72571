"""Speed of the check's re-scoring (``totals``), each model against the way it worked before.

The check stage re-scores each garbled candidate's window as written and after each local correction: about
nine texts in a row that begin alike. This script checks the example document once with the default config,
recording every window the scoring model re-scores, then times, alternating, ``--runs`` times:

- ``judge`` (``[models.judge]``, llama.cpp) on the first ``--texts`` windows: ``LlamaCppLM.totals`` evaluates
  only the tokens after the part a text shares with the previous one (``reused``), against scoring each text
  from an empty cache as before (``fresh``);
- ``lm`` (``[models.lm]``, transformers) on all the windows: ``TransformersCausalLM.totals`` runs the vocabulary
  head only where a log-probability is still unknown (``reused``), against the head on every position, padding
  included, as before (``fresh``).

Medians, their ratio and the largest difference between the two ways' totals are printed and written to
``benchmarks/results/verify_speed.json`` (``--only`` re-measures one part and keeps the other's result).

    .venv/bin/python -m benchmarks.verify_speed [--runs 3] [--texts 120] [--only lm|judge]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "verify_speed.json"
EXAMPLE = ROOT / "examples" / "000_6b377cc800ff2fee.txt"


class Recorder:
    """Passes calls through to the model and keeps every batch of texts handed to ``totals``."""

    def __init__(self, lm: Any) -> None:
        self.lm, self.info, self.batches = lm, lm.info, []

    def totals(self, texts: list[str]) -> list[float]:
        from pipeline.check import _totals

        self.batches.append(list(texts))
        return _totals(self.lm, texts)

    def score(self, *args: Any, **kwargs: Any) -> Any:
        return self.lm.score(*args, **kwargs)


def record() -> tuple[list[list[str]], Any, Any]:
    """Check the example once; the batches of windows the scoring model re-scored, that model, and the judge."""
    import models.catalog as catalog
    from pipeline.check import Check
    from pipeline.config import load_config
    from pipeline.runner import process_pair

    config = load_config()
    lm = Recorder(catalog.get_language_model(config))
    original = catalog.get_language_model
    catalog.get_language_model = lambda _c: lm
    try:
        Check(config)(process_pair(EXAMPLE, config, stages=["ingest", "segment"]))
    finally:
        catalog.get_language_model = original
    return lm.batches, lm.lm, catalog.get_judge(config)


def full_head(model: Any, texts: list[str], batch_size: int = 32) -> list[float]:
    """The transformers totals as they were: every text padded into length-sorted batches and the vocabulary
    head run on every position."""
    import torch

    from models.base import length_sorted_batches

    encoded = [[model._start_id, *model.tokenizer.encode(t, add_special_tokens=False)] for t in texts]
    out = [0.0] * len(texts)
    pad = model.tokenizer.pad_token_id if model.tokenizer.pad_token_id is not None else model._start_id
    for batch in length_sorted_batches([" " * len(e) for e in encoded], batch_size):
        width = max(len(encoded[i]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, :len(encoded[i])] = torch.tensor(encoded[i])
            mask[row, :len(encoded[i])] = 1
        with torch.inference_mode():
            logits = model.model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            picked = (logits.gather(2, ids[:, 1:, None])[:, :, 0] - torch.logsumexp(logits, dim=-1)) * mask[:, 1:]
            sums = picked.sum(dim=1).tolist()
        for row, i in enumerate(batch):
            out[i] = float(sums[row])
    return out


def compare(ways: dict[str, Any], batches: list[list[str]], runs: int) -> dict[str, Any]:
    """Time each way over the batches, alternating; medians, ratio and the largest difference in totals."""
    times: dict[str, list[float]] = {way: [] for way in ways}
    values: dict[str, list[float]] = {}
    for _ in range(runs):
        for way, run in ways.items():
            started = time.perf_counter()
            values[way] = [v for batch in batches for v in run(batch)]
            times[way].append(time.perf_counter() - started)
    med = {way: statistics.median(ts) for way, ts in times.items()}
    diffs = [abs(a - b) for a, b in zip(values["reused"], values["fresh"], strict=True)]
    texts = sum(len(b) for b in batches)
    return {"texts": texts, "seconds": {way: [round(t, 2) for t in ts] for way, ts in times.items()},
            "median_seconds": {way: round(m, 2) for way, m in med.items()},
            "texts_per_second": {way: round(texts / m, 2) for way, m in med.items()},
            "ratio_reused_to_fresh": round(med["reused"] / med["fresh"], 3),
            "max_abs_total_difference": round(max(diffs), 4),
            "median_abs_total_difference": round(statistics.median(diffs), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--texts", type=int, default=120)
    parser.add_argument("--only", choices=("lm", "judge"), default=None)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    from benchmarks.machine import describe

    batches, lm, judge = record()
    out = Path(args.out)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if args.only and out.exists() else {}
    if args.only != "judge":
        if not hasattr(lm, "model"):
            sys.exit("the scoring model is not the transformers backend: nothing to compare")
        result["lm"] = {"model": lm.info.name, "batches": len(batches),
                        **compare({"reused": lm.totals, "fresh": lambda ts: full_head(lm, ts)}, batches, args.runs)}
    if args.only != "lm":
        if not hasattr(judge, "_llm"):
            sys.exit("the judge is not the llama.cpp backend: nothing to compare")
        texts = [t for batch in batches for t in batch][:args.texts]
        result["judge"] = {"model": judge.info.name, **compare(
            {"reused": judge.totals, "fresh": lambda ts: [judge.score(t).total_logprob for t in ts]},
            [texts], args.runs)}
    result["command"] = "python -m benchmarks.verify_speed " + " ".join(sys.argv[1:])
    result["machine"] = describe()
    print(json.dumps(result, indent=1))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
