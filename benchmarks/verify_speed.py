"""Speed of the judge's re-scoring (``totals``) through llama.cpp: reusing a shared beginning vs a fresh cache.

The check stage re-scores each garbled candidate's window as written and after each local correction: about
nine texts in a row that begin alike. ``LlamaCppLM.totals`` evaluates only the tokens after the part a text
shares with the previous one (the KV cache beyond it is dropped); before, each text was scored from an empty
cache (``score``). This script checks the example document once with the default config, recording every
batch of windows the stage re-scores, then has the judge model (``[models.judge]``, llama.cpp) score the
first ``--texts`` of them both ways, alternating, ``--runs`` times. It reports medians, their ratio and the
largest difference between the two ways' totals (llama.cpp's quantised kernels round differently for
different batch sizes), and writes ``benchmarks/results/verify_speed.json``.

    .venv/bin/python -m benchmarks.verify_speed [--runs 3] [--texts 120]
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
        self.batches.append(list(texts))
        if hasattr(self.lm, "totals"):
            return self.lm.totals(texts)
        return [self.lm.score(t).total_logprob for t in texts]

    def score(self, *args: Any, **kwargs: Any) -> Any:
        return self.lm.score(*args, **kwargs)


def record() -> tuple[list[str], Any]:
    """Check the example once; the windows the scoring model re-scored, in order, and the judge model."""
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
    return [t for batch in lm.batches for t in batch], catalog.get_judge(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--texts", type=int, default=120)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    from benchmarks.machine import describe

    windows, judge = record()
    texts = windows[:args.texts]
    if not hasattr(judge, "totals") or not hasattr(judge, "_llm"):
        sys.exit("the judge is not the llama.cpp backend: nothing to compare")
    ways = {"reused": judge.totals, "fresh": lambda ts: [judge.score(t).total_logprob for t in ts]}
    times: dict[str, list[float]] = {way: [] for way in ways}
    values: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for way, run in ways.items():
            started = time.perf_counter()
            values[way] = run(texts)
            times[way].append(time.perf_counter() - started)
    med = {way: statistics.median(ts) for way, ts in times.items()}
    diffs = [abs(a - b) for a, b in zip(values["reused"], values["fresh"], strict=True)]
    result = {"judge": judge.info.name, "texts": len(texts), "windows_recorded": len(windows),
              "seconds": {way: [round(t, 2) for t in ts] for way, ts in times.items()},
              "median_seconds": {way: round(m, 2) for way, m in med.items()},
              "texts_per_second": {way: round(len(texts) / m, 2) for way, m in med.items()},
              "ratio_reused_to_fresh": round(med["reused"] / med["fresh"], 3),
              "max_abs_total_difference": round(max(diffs), 4),
              "median_abs_total_difference": round(statistics.median(diffs), 4),
              "command": "python -m benchmarks.verify_speed " + " ".join(sys.argv[1:]), "machine": describe()}
    print(json.dumps(result, indent=1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
