"""Batch throughput, peak memory per worker, and the overhead of the batch layer.

50 synthetic UN-style document pairs (``benchmarks/batchdata.py``, no bad files) run with the fast config's
stages (ingest, segment without word segmentation, align with the USE embedder):

- ``local_1`` / ``local_2``: ``run_batch`` with 1 and 2 local worker processes;
- ``ray_2``: ``run_batch --engine ray`` with 2 actors on a local Ray instance (started before the clock
  starts; its start-up time is reported apart);
- ``sequential``: the same documents through ``run_pipeline`` one after the other in one process (models
  loaded once): the work without the batch layer;
- ``cli``: ``undoc run`` as a separate command per document (models loaded every time), on the first
  ``--cli-docs`` documents only, extrapolated per document.

``sequential`` and ``cli`` run with one BLAS thread and ``[models] threads`` = the CPU count, as a single
batch worker does (``pipeline/batch_engines.py``), so that they differ from ``local_1`` by the batch layer only.

Every mode runs in a fresh child process, so each loads its models itself and its peak memory is its own.
Wall times include model loading. The batch layer's overhead is measured on ``local_1``, where one worker
runs the documents serially: its wall time minus the sum of the documents' own times (``process_one`` from
start to finish), i.e. discovery and hashing, starting the worker, passing jobs and records, the index.
Comparing ``local_1`` with ``sequential`` directly is also reported, but on a shared machine the load moves
between the two runs. Writes benchmarks/results/batch.json (``--merge``: rerun some modes, keep the rest).

    .venv/bin/python benchmarks/batch.py [--docs 50] [--modes local_1,local_2,ray_2,sequential,cli] [--cli-docs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "batch.json"
MODES = ("local_1", "local_2", "ray_2", "sequential", "cli")
CONFIG = "fast"
ONE_BLAS_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""What a batch worker sets; the modes without the batch layer get it too, so they differ only by the layer."""


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def child(mode: str, data: Path, out: Path) -> dict:
    """One measurement, in this (fresh) process."""
    from pipeline.batch import run_batch
    from pipeline.config import load_config

    config = load_config(CONFIG)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    result: dict = {"mode": mode, "documents": len(manifest["docs"])}
    if mode == "sequential":
        from pipeline.runner import run_pipeline

        os.environ.update(ONE_BLAS_THREAD)  # as a batch worker has it (numpy is not imported yet)
        config = load_config(CONFIG, {"models.threads": os.cpu_count() or 1})

        seconds = []
        started = time.perf_counter()
        for doc in manifest["docs"]:
            t = time.perf_counter()
            run_pipeline(doc["zh_path"], config, doc["en_path"], out)
            seconds.append(time.perf_counter() - t)
        result.update(wall_s=round(time.perf_counter() - started, 2), ok=len(seconds), sum_doc_s=round(sum(seconds), 2),
                      first_doc_s=round(seconds[0], 2), median_doc_s=round(statistics.median(seconds[1:]), 3),
                      peak_rss_mb={"process": _peak_mb()})
        return result
    engine, workers = mode.split("_")
    workers_n = int(workers)
    if engine == "ray":
        import ray

        t = time.perf_counter()
        ray.init(num_cpus=workers_n, include_dashboard=False, log_to_driver=False)
        result["ray_start_s"] = round(time.perf_counter() - t, 2)
    started = time.perf_counter()
    batch = run_batch(data / "zh", config, out, en_dir=data / "en", engine=engine, workers=workers_n)
    wall = time.perf_counter() - started
    by_worker: dict[int, list] = {}
    for record in sorted(batch.records, key=lambda r: r.finished or ""):
        by_worker.setdefault(record.worker["pid"], []).append(record)
    result.update(
        wall_s=round(wall, 2), ok=sum(r.status == "ok" for r in batch.records), workers=workers_n,
        sum_doc_s=round(sum(r.seconds for r in batch.records), 2),
        docs_per_worker=sorted(len(v) for v in by_worker.values()),
        first_doc_s=[round(v[0].seconds, 2) for v in by_worker.values()],
        median_doc_s=round(statistics.median(r.seconds for v in by_worker.values() for r in v[1:]), 3),
        peak_rss_mb={"driver": _peak_mb(), **{f"worker_{i + 1}": max(r.worker["peak_rss_mb"] for r in v)
                                              for i, v in enumerate(by_worker.values())}},
    )
    if engine == "ray":
        import ray

        ray.shutdown()
    return result


def run_cli(data: Path, out: Path, count: int) -> dict:
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    seconds = []
    for doc in manifest["docs"][:count]:
        t = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "undoc"), "-q", "run", doc["zh_path"], "--en", doc["en_path"],
                        "--config", CONFIG, "-o", str(out)], check=True, env={**os.environ, **ONE_BLAS_THREAD})
        seconds.append(time.perf_counter() - t)
    per_doc = statistics.median(seconds)
    return {"mode": "cli", "documents_run": count, "median_doc_s": round(per_doc, 2),
            "extrapolated_wall_s": round(per_doc * len(manifest["docs"]), 1),
            "peak_rss_mb": {"process": _peak_mb(resource.RUSAGE_CHILDREN)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--cli-docs", type=int, default=5)
    parser.add_argument("--merge", action="store_true", help="keep the other modes of the last results file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "cli":  # in a child too, so that the peak memory of its children is theirs alone
        print(json.dumps(run_cli(args.data, args.out, args.cli_docs)))
        return
    if args.child:
        print(json.dumps(child(args.child, args.data, args.out)))
        return
    from benchmarks.batchdata import write_batch

    modes = [m for m in args.modes.split(",") if m]
    from benchmarks.machine import describe  # after the sys.path set-up above
    results: dict = {"config": CONFIG, "stages": None, "documents": args.docs, "machine": describe(), "modes": {}}
    if args.merge and RESULTS.exists():
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
        if results.get("documents") != args.docs:
            parser.error(f"--merge: {RESULTS} holds a run on {results.get('documents')} documents, not {args.docs}")
    with tempfile.TemporaryDirectory(prefix="undoc-batch-bench-") as tmp:
        data = Path(tmp) / "data"
        made = write_batch(data, args.docs, bad=False)
        (data / "manifest.json").write_text(json.dumps(made.manifest()), encoding="utf-8")
        results["sentences_zh"] = sum(d.sentences_zh for d in made.docs)
        results["sentences_en"] = sum(d.sentences_en for d in made.docs)
        for mode in modes:
            out = Path(tmp) / f"out-{mode}"
            print(f"running {mode} ...", file=sys.stderr, flush=True)
            load = [round(x, 2) for x in os.getloadavg()]
            proc = subprocess.run([sys.executable, __file__, "--child", mode, "--data", str(data), "--out", str(out),
                                   "--cli-docs", str(args.cli_docs)], check=True, capture_output=True, text=True)
            results["modes"][mode] = {**json.loads(proc.stdout.strip().splitlines()[-1]), "load_average_before": load}
            print(json.dumps(results["modes"][mode]), file=sys.stderr, flush=True)
    from pipeline.config import load_config

    results["stages"] = list(load_config(CONFIG).run.stages)
    for row in results["modes"].values():
        if "wall_s" in row:
            row["docs_per_min"] = round(60 * row["ok"] / row["wall_s"], 1)
    seq, one = results["modes"].get("sequential"), results["modes"].get("local_1")
    if one:  # one worker works serially: what the wall time holds beyond the documents' own time is the layer's
        extra = one["wall_s"] - one["sum_doc_s"]
        results["batch_overhead"] = {"seconds": round(extra, 2), "per_document_s": round(extra / args.docs, 3),
                                     "percent_of_wall": round(100 * extra / one["wall_s"], 1)}
        if seq:
            results["batch_overhead"]["wall_vs_sequential_s"] = round(one["wall_s"] - seq["wall_s"], 2)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
