"""Check-stage accuracy and speed.

Accuracy: clean bilingual UN-style documents are corrupted by ``benchmarks/inject.py`` (several seeds);
the check stage runs on each corrupted copy with the English original aligned by the real aligner, and
its flags are matched against the labels: precision, recall and F1 per type. The same documents
uncorrupted give the false flags per 1,000 Chinese characters. The word-frequency baseline
(``detect_garbled.rare_runs`` alone) is scored for ``garbled`` in the same run.

A flag matches a label when it is in the same paragraph, of the same type (``terminology`` and ``name``
count as one family for matching) and, except for omissions and additions (paragraph level), its span
overlaps the label's.

Speed: the whole check (LM load included) on the example document with the default config, median of
``--runs`` runs, and characters per second.

    python -m benchmarks.check                 # held-out test corpus (un_parallel.json), seeds 1-4
    python -m benchmarks.check --corpus fresh  # second held-out corpus (key accuracy_fresh)
    python -m benchmarks.check --corpus fresh2 # third held-out corpus (key accuracy_fresh2)
    python -m benchmarks.check --corpus dev    # tuning corpus (key accuracy_dev)
    python -m benchmarks.check --corpus dev2   # more tuning documents, dev16-dev20 (key accuracy_dev2)
    python -m benchmarks.check --corpus dev3   # more tuning documents, dev21-dev25 (key accuracy_dev3)
    python -m benchmarks.check --speed-only
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.inject import (
    DEV2_CORPUS,
    DEV3_CORPUS,
    DEV_CORPUS,
    FRESH2_CORPUS,
    FRESH_CORPUS,
    TEST_CORPUS,
    Corrupted,
    clean,
    inject,
    load_corpus,
)
from benchmarks.machine import describe
from pipeline.document import Document, DocumentPair, Paragraph, Section, Sentence

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "check.json"
EXAMPLE = ROOT / "examples" / "000_6b377cc800ff2fee.txt"
FAMILY = {"terminology": "term", "name": "term"}
BASELINE_THRESHOLDS = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
"""Rarity scores tried for the word-frequency baseline (``detect_garbled.rare_runs``)."""


class CachedLM:
    """Wraps a LanguageModel so repeated texts (clean paragraphs shared by every seed) are scored once."""

    def __init__(self, lm: Any, path: Path | None = None) -> None:
        self.lm = lm
        self.info = lm.info
        self.cache: dict[tuple, Any] = {}
        self.calls = 0
        self.path = path
        if path is not None and path.exists():
            self.cache = json_to_cache(json.loads(path.read_text(encoding="utf-8")))

    def save(self) -> None:
        """Keep the scores for the next tuning run (plain JSON written by this script, never a pickle)."""
        if self.path is not None:
            self.path.write_text(json.dumps(cache_to_json(self.cache), ensure_ascii=False), encoding="utf-8")

    def totals(self, texts: list[str]) -> list[float]:
        todo = [t for t in dict.fromkeys(texts) if ("totals", t) not in self.cache]
        if todo:
            self.calls += 1
            values = self.lm.totals(todo) if hasattr(self.lm, "totals") else \
                [self.lm.score(t).total_logprob for t in todo]
            for t, v in zip(todo, values, strict=True):
                self.cache[("totals", t)] = v
        return [self.cache[("totals", t)] for t in texts]

    def score(self, text: str, context: str = "", top_k: int = 0) -> Any:
        key = (text, context, top_k)
        if key not in self.cache:
            self.calls += 1
            self.cache[key] = self.lm.score(text, context=context, top_k=top_k)
        return self.cache[key]


def cache_to_json(cache: dict[tuple, Any]) -> list:
    rows = []
    for key, value in cache.items():
        if key[0] == "totals":
            rows.append(["t", key[1], value])
        else:
            tokens = [[t.text, t.start, t.end, t.logprob, [list(a) for a in t.alternatives]] for t in value.tokens]
            rows.append(["s", key[0], key[1], key[2], value.model, tokens])
    return rows


def json_to_cache(rows: list) -> dict[tuple, Any]:
    from models.base import ScoredText, TokenScore

    cache: dict[tuple, Any] = {}
    for row in rows:
        if row[0] == "t":
            cache[("totals", row[1])] = row[2]
        else:
            _, text, context, top_k, model, tokens = row
            cache[(text, context, top_k)] = ScoredText(text, tuple(
                TokenScore(t[0], t[1], t[2], t[3], tuple(tuple(a) for a in t[4])) for t in tokens), model)
    return cache


@contextmanager
def cached_models(config: Any, cache: Path | None) -> Iterator[tuple[CachedLM, CachedLM | None]]:
    """The check stage's language model and judge (None when the config turns it off) behind score caches,
    handed to the stage through the catalog while the block runs; the caches are saved when it ends. The judge's
    scores are kept in a file of their own: the same window scores differently there."""
    import models.catalog as catalog

    catalog.get_embedder(config)
    lm = CachedLM(catalog.get_language_model(config), cache)
    judge = CachedLM(catalog.get_judge(config), cache.with_name(cache.stem + ".judge.json") if cache else None) \
        if config.stages.check.judge else None
    original = catalog.get_language_model, catalog.get_judge
    catalog.get_language_model = lambda _config: lm  # the check stage asks the catalog for its models
    catalog.get_judge = lambda _config: judge
    try:
        yield lm, judge
    finally:
        catalog.get_language_model, catalog.get_judge = original
        lm.save()
        if judge is not None:
            judge.save()


def build_pair(c: Corrupted, title_zh: str, title_en: str) -> DocumentPair:
    docs = []
    for lang, paras, title in (("zh", c.zh, title_zh), ("en", c.en, title_en)):
        joiner = "" if lang == "zh" else " "
        paragraphs = []
        for k, sents in enumerate(paras):
            text, spans = "", []
            for s in sents:
                if text:
                    text += joiner
                spans.append((len(text), len(text) + len(s)))
                text += s
            paragraphs.append(Paragraph(k + 1, "I", text, sentences=[Sentence(s, a, b) for s, (a, b)
                                                                      in zip(sents, spans, strict=True)]))
        doc = Document(id=f"{c.name}-{c.seed}-{lang}", language=lang, text="\n".join(p.text for p in paragraphs),
                       paragraphs=paragraphs)
        doc.meta.title = title
        doc.sections = [Section("I", 1, "chapter", "I.", "", None, [p.number for p in paragraphs])]
        docs.append(doc)
    return DocumentPair(docs[0], docs[1])


def match(flags: list[dict], labels: list[dict]) -> tuple[Counter, Counter, Counter, list[dict]]:
    """(true-positive flags per type, flags per type, labels found per type, missed labels)."""
    tp, total, found = Counter(), Counter(), Counter()
    hit = [False] * len(labels)
    for f in flags:
        total[f["type"]] += 1
        ok = False
        for i, lab in enumerate(labels):
            if FAMILY.get(lab["type"], lab["type"]) != FAMILY.get(f["type"], f["type"]):
                continue
            if lands_on(f, lab):
                ok = True
                hit[i] = True
        if ok:
            tp[f["type"]] += 1
    for i, lab in enumerate(labels):
        if hit[i]:
            found[lab["type"]] += 1
    return tp, total, found, [lab for i, lab in enumerate(labels) if not hit[i]]


def lands_on(flag: dict, lab: dict) -> bool:
    """Whether a flag points at a label in its paragraph: omissions and additions anywhere in it, everything else
    by overlapping spans."""
    return lab["index"] == flag["index"] and (lab["type"] in ("omission", "addition")
                                              or (flag["start"] < lab["end"] and lab["start"] < flag["end"]))


def hits_any(flag: dict, labels: list[dict]) -> bool:
    """Whether a flag lands on any injected defect, whatever its type: what a reviewer sees as a useful flag.
    A term flag on a sentence whose body name was garbled, or a number flag on an omitted clause, points the
    reviewer at real damage although the per-type precision counts it as false."""
    return any(lands_on(flag, lab) for lab in labels)


def prf(tp: int, flagged: int, found: int, labelled: int) -> dict[str, Any]:
    p = tp / flagged if flagged else None
    r = found / labelled if labelled else None
    f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
    return {"precision": _r(p), "recall": _r(r), "f1": _r(f1), "flags": flagged, "labels": labelled,
            "true_flags": tp, "labels_found": found}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def run_accuracy(corpus_path: Path, seeds: list[int], config_overrides: dict | None = None,
                 verbose: bool = False, cache: Path | None = None, params: Any = None,
                 keep_all: bool = False) -> dict[str, Any]:
    from pipeline.align import Align
    from pipeline.check import Check, flags_json, protected_spans
    from pipeline.config import load_config
    from pipeline.detect_garbled import rare_runs

    config = load_config(None, config_overrides or {})
    corpus = load_corpus(corpus_path)
    with cached_models(config, cache) as (lm, judge):
        align, check = Align(config), Check(config)
        if params is not None:
            check.params = params
        check.keep_all = keep_all
        all_flags: list[dict] = []
        labels_by_type, tp_all, flags_all, found_all, any_all = Counter(), Counter(), Counter(), Counter(), Counter()
        baseline: dict[float, Counter] = {t: Counter() for t in BASELINE_THRESHOLDS}
        missed: list[dict] = []
        false_flags: list[dict] = []
        kinds = Counter()
        started = time.perf_counter()
        chars = 0
        for seed in seeds:
            for doc in corpus:
                c = inject(doc, seed, corpus)
                pair = build_pair(c, doc.get("title_zh", ""), doc.get("title_en", ""))
                align(pair)
                check(pair)
                flags = flags_json(pair)["flags"]
                labels = [lab.__dict__ for lab in c.labels]
                chars += sum(len(p.text) for p in pair.zh.paragraphs)
                for lab in labels:
                    labels_by_type[lab["type"]] += 1
                    kinds[f"{lab['type']}:{lab['kind']}"] += 1
                tp, total, found, miss = match(flags, labels)
                tp_all.update(tp)
                flags_all.update(total)
                found_all.update(found)
                missed += [{**m, "doc": c.name, "seed": seed} for m in miss]
                for f in flags:
                    t, _, _, _ = match([f], labels)
                    if hits_any(f, labels):
                        any_all[f["type"]] += 1
                    all_flags.append({"doc": c.name, "seed": seed, "type": f["type"], "text": f["text"],
                                      "evidence": f["evidence"], "true": bool(t)})
                    if not t:
                        false_flags.append({"doc": c.name, "seed": seed, "type": f["type"], "text": f["text"],
                                            "rule": f["evidence"].get("rule"), "message": f["message"]})
                # baseline: rare single-character runs flagged as garbled, at every threshold of the sweep
                runs = [(i, s) for i, para in enumerate(pair.zh.paragraphs)
                        for s in rare_runs(para.text, protected_spans(para.text))]
                for threshold in BASELINE_THRESHOLDS:
                    base = [{"type": "garbled", "index": i, "start": s.start, "end": s.end}
                            for i, s in runs if s.score >= threshold]
                    btp, btotal, bfound, _ = match(base, [lab for lab in labels if lab["type"] == "garbled"])
                    baseline[threshold] += Counter({"tp": btp["garbled"], "flags": btotal["garbled"],
                                                    "found": bfound["garbled"]})
        seconds = time.perf_counter() - started
        # clean text: every flag is a false flag
        clean_flags: Counter = Counter()
        clean_chars = 0
        clean_examples = []
        for doc in corpus:
            pair = build_pair(clean(doc), doc.get("title_zh", ""), doc.get("title_en", ""))
            align(pair)
            check(pair)
            clean_chars += sum(len(p.text) for p in pair.zh.paragraphs)
            for f in pair.zh.flags:
                clean_flags[f.type] += 1
                clean_examples.append({"doc": doc["id"], "type": f.type, "text": f.text, "message": f.message,
                                       "evidence": f.evidence})
    per_type = {}
    for t in ("garbled", "number", "terminology", "name", "omission", "addition", "form"):
        per_type[t] = prf(tp_all[t], flags_all[t], found_all[t], labels_by_type[t])
    fam_tp = tp_all["terminology"] + tp_all["name"]
    per_type["terminology+name"] = prf(fam_tp, flags_all["terminology"] + flags_all["name"],
                                       found_all["terminology"] + found_all["name"],
                                       labels_by_type["terminology"] + labels_by_type["name"])
    for t, row in per_type.items():
        on_any = sum(any_all[k] for k in (("terminology", "name") if t == "terminology+name" else (t,)))
        row["precision_any_defect"] = _r(on_any / row["flags"]) if row["flags"] else None
    result = {
        "corpus": str(corpus_path.relative_to(ROOT)),
        "seeds": seeds,
        "documents": len(corpus) * len(seeds),
        "labelled_defects": sum(labels_by_type.values()),
        "labels_by_kind": dict(sorted(kinds.items())),
        "recall_by_kind": {k: round(1 - sum(1 for m in missed if f"{m['type']}:{m['kind']}" == k) / n, 3)
                           for k, n in sorted(kinds.items())},
        "chinese_chars_checked": chars,
        "per_type": per_type,
        "baseline_garbled_word_frequency": _baseline(baseline, labels_by_type["garbled"]),
        "clean": {"chinese_chars": clean_chars, "false_flags": dict(clean_flags),
                  "false_flags_per_1000_chars": {t: round(n * 1000 / clean_chars, 3) for t, n in clean_flags.items()},
                  "false_flags_per_1000_chars_all": round(sum(clean_flags.values()) * 1000 / clean_chars, 3)},
        "seconds_corrupted_runs": round(seconds, 1),
        "lm_calls": lm.calls,
        "judge_calls": judge.calls if judge is not None else 0,
    }
    if verbose:
        result["missed"] = missed
        result["false_flags_on_corrupted"] = false_flags
        result["clean_flags"] = clean_examples
        result["all_flags"] = all_flags
    return result


def _baseline(counts: dict[float, Counter], labels: int) -> dict[str, Any]:
    """The baseline at its best threshold (chosen on these very labels: an upper bound for it) and the sweep."""
    sweep = {f"{t:g}": prf(c["tp"], c["flags"], c["found"], labels) for t, c in counts.items()}
    best = max(sweep.items(), key=lambda kv: kv[1]["f1"] or 0.0)
    return {**best[1], "threshold": float(best[0]), "threshold_chosen_on": "these labels (best F1 of the sweep)",
            "sweep": sweep}


def run_speed(runs: int, baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole check on the example (ingest and segment first, not timed), LM load included in run 1. Each
    run is followed by one with the judge off, so the judge's cost is a ratio measured under the same load;
    with ``baseline`` (config overrides, e.g. earlier defaults) a third run each round gives that ratio too."""
    import models.catalog as catalog
    from pipeline.check import Check
    from pipeline.config import load_config
    from pipeline.runner import process_pair

    configs = {"on": load_config(), "off": load_config(None, {"stages.check.judge": False})}
    if baseline:
        configs["baseline"] = load_config(None, baseline)
    times: dict[str, list[float]] = {name: [] for name in configs}
    first = None
    chars = flags = 0
    for k in range(runs):
        for name, config in configs.items():
            pair = process_pair(EXAMPLE, config, stages=["ingest", "segment"])
            if k == 0 and name == "on":
                catalog.clear()
            started = time.perf_counter()
            Check(config)(pair)
            elapsed = time.perf_counter() - started
            if k == 0 and name == "on":
                first = elapsed
            times[name].append(elapsed)
            if name == "on":
                chars = sum(len(p.text) for p in pair.zh.paragraphs)
                flags = len(pair.zh.flags)
    median = statistics.median(times["on"])
    off = statistics.median(times["off"])
    compared: dict[str, Any] = {}
    if baseline:
        base = statistics.median(times["baseline"])
        compared = {"baseline": {"overrides": baseline, "seconds": [round(t, 1) for t in times["baseline"]],
                                 "median_seconds": round(base, 1)},
                    "ratio_to_baseline": round(median / base, 3)}
    return {"document": EXAMPLE.name, "chinese_chars": chars, "runs": runs,
            "seconds": [round(t, 1) for t in times["on"]],
            "first_run_with_model_load": round(first or 0, 1), "median_seconds": round(median, 1),
            "chars_per_second": round(chars / median, 1), "flags": flags,
            "without_judge": {"seconds": [round(t, 1) for t in times["off"]], "median_seconds": round(off, 1)},
            "ratio_to_without_judge": round(median / off, 3), "goal_seconds": 90, **compared}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("test", "fresh", "fresh2", "dev", "dev2", "dev3"), default="test")
    parser.add_argument("--seeds", default="1,2,3,4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--speed-baseline", default="",
                        help="config overrides (JSON) timed alternately as a baseline, "
                             "e.g. '{\"stages.check.max_verify\": 16}'")
    parser.add_argument("--accuracy-only", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="also list missed labels and false flags")
    parser.add_argument("--out", default=None)
    parser.add_argument("--keep-all", action="store_true",
                        help="tuning: verify every LM candidate (no cap) and keep each as a flag, whatever its gain")
    parser.add_argument("--max-verify", type=int, default=None, help="override [stages.check] max_verify")
    parser.add_argument("--cache", default=None, help="JSON file that keeps LM scores between tuning runs")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for the models (0: all cores)")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    if not args.speed_only:
        path = {"test": TEST_CORPUS, "fresh": FRESH_CORPUS, "fresh2": FRESH2_CORPUS, "dev": DEV_CORPUS,
                "dev2": DEV2_CORPUS, "dev3": DEV3_CORPUS}[args.corpus]
        key = "accuracy" if args.corpus == "test" else f"accuracy_{args.corpus}"
        seeds = [int(s) for s in args.seeds.split(",")]
        overrides = {"models.threads": args.threads} if args.threads else {}
        if args.max_verify is not None:
            overrides["stages.check.max_verify"] = args.max_verify
        if args.keep_all:
            overrides["stages.check.max_verify"] = 1000
        result[key] = run_accuracy(path, seeds, overrides, verbose=args.verbose,
                                          cache=Path(args.cache) if args.cache else None, keep_all=args.keep_all)
        hidden = ("missed", "false_flags_on_corrupted", "clean_flags", "all_flags")
        shown = {k: v for k, v in result[key].items() if k not in hidden}
        print(json.dumps(shown, ensure_ascii=False, indent=1))
    if not args.accuracy_only:
        result["speed"] = run_speed(args.runs, json.loads(args.speed_baseline) if args.speed_baseline else None)
        print(json.dumps(result["speed"], indent=1))
    for part in result.values():
        part["command"] = "python -m benchmarks.check " + " ".join(sys.argv[1:])
        part["machine"] = describe()
    out = Path(args.out) if args.out else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(out.read_text()) if out.exists() and out == RESULTS else {}
    existing.update(result)
    out.write_text(json.dumps(existing, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
