"""Alignment quality and speed. Writes benchmarks/results/align.json.

Quality (strict and lax F1 as vecalign's score.py defines them), for the embedding aligner and, in the
same run, a Gale–Church length-only baseline on the same DP:
  * un_numbered: the hand-written UN-style corpus (tests/data/align), paragraphs numbered, through the
    full align stage (structure first, sentences inside each paragraph pair);
  * un_unnumbered: the same corpus with numbering removed, each document one block (content only);
  * hsk: HSK sentence pairs arranged into pseudo-documents with deletions, insertions and merges
    (test seeds 2..; the aligner's costs were chosen on seed 1).
Paragraph accuracy where numbering is intact. Speed and peak memory: aligning document pairs of 1k,
2k and 4k HSK sentences per side with the default embedder, each in a fresh process.

    .venv/bin/python benchmarks/align.py [--sizes 1000,2000,4000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "align.json"


def _stage_links(config, pair, numbered: bool):
    """Run the real align stage on a labelled pair; returns (sentence links, paragraph alignments)."""
    from benchmarks.aligndata import un_as_documents
    from pipeline.align import Align
    from pipeline.document import DocumentPair

    zh, en = un_as_documents(pair, numbered=numbered)
    doc_pair = DocumentPair(zh, en)
    Align(config)(doc_pair)
    sentences = [(a.src, a.tgt) for a in doc_pair.alignments if a.level == "sentence"]
    return sentences, [a for a in doc_pair.alignments if a.level == "paragraph"]


def quality(config) -> dict:
    from benchmarks.aligndata import hsk_documents, un_documents
    from pipeline.dp_align import align_lengths, score_alignments

    out: dict = {"embedder": config.models.embedder.backend,
                 "window_embeddings": config.stages.align.window_embeddings}
    un = un_documents()
    golds = [p.gold for p in un]
    # 1. numbered: structure first, sentences inside each paragraph pair
    tests, para_ok, para_total = [], 0, 0
    for pair in un:
        links, paragraphs = _stage_links(config, pair, numbered=True)
        tests.append(links)
        para_total += len(paragraphs)
        para_ok += sum(1 for a in paragraphs if len(a.src) == 1 and a.src == a.tgt)
    baseline = [[(s, t) for s, t, _ in align_lengths([len(x) for x in p.zh], [len(x) for x in p.en])] for p in un]
    out["un_numbered"] = {**_round(score_alignments(golds, tests)), "documents": len(un),
                          "gold_links": sum(len(g) for g in golds), "paragraph_accuracy": para_ok / para_total,
                          "paragraphs": para_total}
    out["un_gale_church"] = _round(score_alignments(golds, baseline))
    # 2. numbering removed: each document one block, content only
    out["un_unnumbered"] = _round(score_alignments(golds, [_stage_links(config, p, False)[0] for p in un]))
    # 3. HSK pseudo-documents, held-out seeds
    hsk = hsk_documents(6, 150, seed=2) + hsk_documents(6, 150, seed=3)
    h_gold = [p.gold for p in hsk]
    h_test = [_stage_links(config, p, False)[0] for p in hsk]
    h_base = [[(s, t) for s, t, _ in align_lengths([len(x) for x in p.zh], [len(x) for x in p.en])] for p in hsk]
    kinds: dict[str, int] = {}
    for g in h_gold:
        for s, t in g:
            kinds[f"{len(s)}-{len(t)}"] = kinds.get(f"{len(s)}-{len(t)}", 0) + 1
    out["hsk"] = {**_round(score_alignments(h_gold, h_test)), "documents": len(hsk), "gold_link_kinds": kinds}
    out["hsk_gale_church"] = _round(score_alignments(h_gold, h_base))
    for key, ours in (("un", out["un_numbered"]["f1_strict"]), ("hsk", out["hsk"]["f1_strict"])):
        base = out[f"{key}_gale_church"]["f1_strict"]
        out[f"{key}_f1_strict_ratio_to_gale_church"] = round(ours / base, 3) if base else None
    return out


def _round(scores: dict) -> dict:
    return {k: round(v, 4) for k, v in scores.items()}


def speed_child(size: int) -> dict:
    from benchmarks.aligndata import hsk_documents
    from models.catalog import get_embedder
    from pipeline.config import load_config
    from pipeline.dp_align import score_alignments

    config = load_config()
    get_embedder(config).encode(["预热"])  # load outside the timed region
    pair = hsk_documents(1, size, seed=7)[0]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    links, _ = _stage_links(config, pair, numbered=False)
    seconds = time.perf_counter() - started
    return {"sentences_zh": len(pair.zh), "sentences_en": len(pair.en), "total_seconds": seconds,
            "f1_strict": score_alignments([pair.gold], [links])["f1_strict"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_before_mb": rss_before}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,4000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(speed_child(args.child)))
        return
    from pipeline.config import load_config

    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if not args.skip_quality:
        started = time.perf_counter()
        results["quality"] = quality(load_config())
        results["quality"]["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(results["quality"], indent=1))
    rows = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        runs = []
        for _ in range(args.runs):
            proc = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True,
                                  check=True)
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        row = {"size": size, **{k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]},
               "total_seconds_all": [round(r["total_seconds"], 2) for r in runs]}
        rows.append(row)
        print(json.dumps(row))
    if rows:
        base = rows[0]
        for row in rows:
            row["seconds_per_sentence_vs_first"] = round(
                (row["total_seconds"] / row["size"]) / max(base["total_seconds"] / base["size"], 1e-9), 2)
            row["extra_mb_per_1k_sentences"] = round(
                (row["peak_rss_mb"] - row["rss_before_mb"]) / (row["size"] / 1000), 1)
        results["speed"] = rows
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    from benchmarks.machine import describe  # after the sys.path set-up above
    results["machine"] = describe()
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
