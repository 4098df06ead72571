"""The judge's two settings (``[stages.check] judge_from``, ``judge_min_gain``) over a grid, from one run of the check.

The tuning corpus is checked once with ``judge_from`` at the grid's lowest value and no minimum gain, so every
candidate the scorer rates that high is judged and becomes a flag with its probability and judge gain; each grid
point then keeps the flags it would have kept. Garbled precision, recall, F1 and false flags per 1,000 clean
characters are printed for every point and written to ``benchmarks/results/judge_grid.json``.

With ``--rows`` (the candidates saved by ``benchmarks/train_garbled.py --rows``) and ``--folds``, each group of
documents is checked by a final scorer fitted without that group's documents (the screen is the given scorer's),
so a scorer fitted on the whole tuning corpus can be judged out of fold.
``--max-verify`` checks with another ``[stages.check] max_verify`` (the cap on re-scored candidates per document);
``--docs`` restricts the run to some documents (the injector still draws from the whole corpus).
Each flag's correction is recorded, so ``judge_min_gain_swap`` (the threshold when the judge prefers a swap into a
dictionary word) is also tried over ``SWAP_GAINS`` at ``--at`` (judge_from,min_gain); ``--swap-gain`` applies one
value to the main grid; ``--set`` passes other config overrides to the run. A reused ``--dump`` is the run it was
made with: ``--max-verify``, ``--scorer``, ``--docs`` and ``--set`` then change nothing.

    python -m benchmarks.judge_grid --scorer /tmp/garbled_model.json --rows /tmp/rows.json \\
        --folds dev6,dev7,dev8,dev9,dev10 dev11,dev12,dev13,dev14,dev15 --cache /tmp/lmcache_dev.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "judge_grid.json"
FROMS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
GAINS = (6.0, 8.0, 10.0, 12.0, 14.0, 16.0)
SWAP_GAINS = (4.0, 6.0, 8.0, 10.0, 12.0)


def kept(flag: dict, judge_from: float, min_gain: float, swap_gain: float | None = None) -> bool:
    """Whether a flag of the low-threshold run survives these settings (rule-based flags always do); a flag
    whose correction is a swap needs ``swap_gain`` when given (``judge_min_gain_swap``)."""
    if flag["rule"] != "lm":
        return True
    need = swap_gain if swap_gain is not None and flag.get("edit") == "swap" else min_gain
    return (flag["probability"] is not None and flag["probability"] >= judge_from
            and flag["judge_gain"] is not None and flag["judge_gain"] >= need)


def counts(docs: list[dict], judge_from: float, min_gain: float, swap_gain: float | None = None) -> dict[str, int]:
    """At one point: flags kept on the corrupted documents, true ones, labels found, labels, and false flags and
    characters of the clean texts (seed 0)."""
    c = {"flags": 0, "true": 0, "found": 0, "labels": 0, "clean": 0, "clean_chars": 0}
    for d in docs:
        keep = [f for f in d["flags"] if kept(f, judge_from, min_gain, swap_gain)]
        if d["seed"] == 0:
            c["clean"] += len(keep)
            c["clean_chars"] += d["chars"]
            continue
        c["flags"] += len(keep)
        c["true"] += sum(1 for f in keep if f["labels"])
        c["labels"] += len(d["labels"])
        c["found"] += len({k for f in keep for k in f["labels"]})
    return c


def prf(c: dict[str, int]) -> tuple[float, float, float]:
    """Precision, recall and F1 of :func:`counts`."""
    p = c["true"] / c["flags"] if c["flags"] else 0.0
    r = c["found"] / c["labels"] if c["labels"] else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def clean_rate(c: dict[str, int]) -> float | None:
    """False flags per 1,000 characters of the clean texts in :func:`counts` (None without clean text)."""
    return round(c["clean"] * 1000 / c["clean_chars"], 3) if c["clean_chars"] else None


def point(docs: list[dict], judge_from: float, min_gain: float, swap_gain: float | None = None) -> dict[str, Any]:
    """Garbled P/R/F1 over the corrupted documents, false flags per 1,000 characters of the clean ones (seed 0)."""
    c = counts(docs, judge_from, min_gain, swap_gain)
    p, r, f = prf(c)
    return {"judge_from": judge_from, "min_gain": min_gain, "swap_gain": swap_gain, "precision": round(p, 3),
            "recall": round(r, 3), "f1": round(f, 3), "flags": c["flags"], "labels": c["labels"],
            "clean_false_per_1000": clean_rate(c)}


def grid(docs: list[dict], froms: tuple[float, ...] = FROMS, gains: tuple[float, ...] = GAINS,
         swap_gain: float | None = None) -> list[dict]:
    return [point(docs, f, g, swap_gain) for f in froms for g in gains]


def swap_grid(docs: list[dict], judge_from: float, min_gain: float) -> list[dict]:
    """``judge_min_gain_swap`` over ``SWAP_GAINS`` at one point (needs a dump that records each flag's edit)."""
    return [point(docs, judge_from, min_gain, s) for s in SWAP_GAINS]


def fold_scorers(rows_path: Path, scorer_path: Path, folds: list[list[str]], out_dir: Path) -> dict[str, Path]:
    """One final scorer per fold, fitted on the saved candidates of every other document; the screen is shared."""
    from benchmarks.train_garbled import trees_model
    from pipeline.detect_garbled import FINAL_FEATURES

    rows = json.loads(rows_path.read_text(encoding="utf-8"))
    full = json.loads(scorer_path.read_text(encoding="utf-8"))
    cands = [r for r in rows if r.get("verified")]
    paths = {}
    for k, held in enumerate(folds):
        model = trees_model([r for r in cands if r["doc"] not in held], FINAL_FEATURES, full["final"]["threshold"])
        path = out_dir / f"fold{k}.json"
        path.write_text(json.dumps({"trained": {"without": held}, "screen": full["screen"], "final": model.to_dict()}),
                        encoding="utf-8")
        for doc in held:
            paths[doc] = path
    return paths


def collect(scorers: dict[str, str], seeds: list[int], judge_from: float, cache: Path | None,
            overrides: dict[str, Any] | None = None, corpus_path: Path | None = None) -> list[dict]:
    """Check each document (clean, then each seed) of ``corpus_path`` (the tuning corpus by default) with its
    scorer; keep the garbled flags and labels."""
    from benchmarks.check import build_pair, cached_models, lands_on
    from benchmarks.inject import DEV_CORPUS, clean, inject, load_corpus
    from pipeline.align import Align
    from pipeline.check import Check, flags_json
    from pipeline.config import load_config

    corpus = load_corpus(corpus_path or DEV_CORPUS)
    out: list[dict] = []
    low = {**(overrides or {}), "stages.check.judge_from": judge_from, "stages.check.judge_min_gain": -1e9,
           "stages.check.judge_min_gain_swap": -1e9}
    stages: dict[str, tuple[Align, Check]] = {}
    with cached_models(load_config(None, low), cache) as (lm, judge):
        for doc in corpus:
            if doc["id"] not in scorers:
                continue
            scorer = scorers[doc["id"]]
            if scorer not in stages:
                config = load_config(None, {**low, "stages.check.garbled_model": scorer})
                stages[scorer] = Align(config), Check(config)
            align, check = stages[scorer]
            for seed in [0, *seeds]:
                c = clean(doc) if seed == 0 else inject(doc, seed, corpus)
                pair = build_pair(c, doc.get("title_zh", ""), doc.get("title_en", ""))
                align(pair)
                check(pair)
                labels = [lab.__dict__ for lab in c.labels if lab.type == "garbled"]
                flags = []
                for f in flags_json(pair)["flags"]:
                    if f["type"] != "garbled":
                        continue
                    ev = f["evidence"]
                    flags.append({"rule": ev.get("rule"), "probability": ev.get("probability"),
                                  "judge_gain": ev.get("judge_gain"), "text": f["text"], "edit": ev.get("edit"),
                                  "labels": [k for k, lab in enumerate(labels) if lands_on(f, lab)]})
                out.append({"doc": doc["id"], "seed": seed, "chars": sum(len(p.text) for p in pair.zh.paragraphs),
                            "labels": [lab["kind"] for lab in labels], "flags": flags})
            print(f"{doc['id']}: {lm.calls} LM calls, {judge.calls if judge else 0} judge calls", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorer", default="", help="a fitted garbled scorer (default: the shipped one)")
    parser.add_argument("--rows", default=None, help="train_garbled --rows output: fit out-of-fold scorers from it")
    parser.add_argument("--folds", nargs="*", default=[],
                        help="comma-separated document ids, one group per fold (needs --rows and --scorer)")
    parser.add_argument("--corpus", choices=("dev", "dev2", "dev3"), default="dev",
                        help="dev: dev_parallel.json (dev1-dev15); dev2: dev2_parallel.json (dev16-dev20); "
                             "dev3: dev3_parallel.json (dev21-dev25)")
    parser.add_argument("--docs", default="", help="comma-separated document ids (default: all, or the folds')")
    parser.add_argument("--seeds", default="1,2,3,4")
    parser.add_argument("--cache", default=None, help="JSON file that keeps LM scores between tuning runs")
    parser.add_argument("--max-verify", type=int, default=None, help="override [stages.check] max_verify")
    parser.add_argument("--set", default="", help="JSON config overrides for the run")
    parser.add_argument("--dump", default=None, help="save the flags, or reuse them when the file exists")
    parser.add_argument("--swap-gain", type=float, default=None,
                        help="judge_min_gain_swap in the main grid (default: swaps need min_gain like the rest)")
    parser.add_argument("--at", default="0.4,12", help="judge_from,min_gain of the judge_min_gain_swap grid")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.inject import DEV2_CORPUS, DEV3_CORPUS, DEV_CORPUS, load_corpus
    from benchmarks.machine import describe
    from pipeline.detect_garbled import load_scorer

    started = time.perf_counter()
    corpus_path = {"dev": DEV_CORPUS, "dev2": DEV2_CORPUS, "dev3": DEV3_CORPUS}[args.corpus]
    dump = Path(args.dump) if args.dump else None
    if dump is not None and dump.exists():
        docs = json.loads(dump.read_text(encoding="utf-8"))
    else:
        if args.folds:
            if not (args.rows and args.scorer):
                parser.error("--folds needs --rows and --scorer")
            work = Path(tempfile.mkdtemp(prefix="undoc-folds-"))
            scorers = {d: str(p) for d, p in fold_scorers(Path(args.rows), Path(args.scorer),
                                                           [f.split(",") for f in args.folds], work).items()}
        else:
            ids = args.docs.split(",") if args.docs else [d["id"] for d in load_corpus(corpus_path)]
            scorers = {d: args.scorer for d in ids}
        overrides = json.loads(args.set) if args.set else {}
        if args.max_verify is not None:
            overrides["stages.check.max_verify"] = args.max_verify
        docs = collect(scorers, [int(s) for s in args.seeds.split(",")], min(FROMS),
                       Path(args.cache) if args.cache else None, overrides, corpus_path)
        if dump is not None:
            dump.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    groups = {"all": docs}
    for fold in args.folds:
        ids = set(fold.split(","))
        groups[fold] = [d for d in docs if d["doc"] in ids]
    grids = {name: grid(group, swap_gain=args.swap_gain) for name, group in groups.items()}
    for row in grids["all"]:
        print(json.dumps(row))
    at_from, at_gain = (float(x) for x in args.at.split(","))
    swaps = {name: swap_grid(group, at_from, at_gain) for name, group in groups.items()}
    for row in swaps["all"]:
        print("swap", json.dumps(row))
    result = {"corpus": args.corpus, "scorer": args.scorer or "shipped", "scorer_trained": load_scorer(args.scorer)[2],
              "out_of_fold": bool(args.folds), "seeds": args.seeds, "grid": grids, "swap_grid": swaps,
              "seconds": round(time.perf_counter() - started, 1),
              "command": "python -m benchmarks.judge_grid " + " ".join(sys.argv[1:]), "machine": describe()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
