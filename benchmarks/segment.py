"""Throughput and peak memory of ingest + segment, on the example and on a synthetic 100x document.

Each measurement runs in a fresh child process (so peak RSS belongs to that size alone), several times;
medians are reported. The synthetic document repeats the example's body with paragraphs and chapters
renumbered, so its structure stays valid. Writes benchmarks/results/segment.json.

    .venv/bin/python benchmarks/segment.py [--runs 3] [--scales 1,10,100]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "000_6b377cc800ff2fee.txt"
RESULTS = ROOT / "benchmarks" / "results" / "segment.json"
CN = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """Chinese numeral for 1..999 (十一, 二十, 一百零五)."""
    out = ""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    if hundreds:
        out += CN[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else CN[tens]) + "十"
    if ones:
        out += CN[ones]
    return out


def synthetic(scale: int) -> str:
    """The example's front matter and summary, then its body ``scale`` times, renumbered."""
    text = EXAMPLE.read_text(encoding="utf-8")
    toc_at = text.index("\n目录\n")
    body_at = text.index("\n一. 导言\n", toc_at + 10)
    head, body = text[:toc_at], text[body_at:]
    copies = []
    for k in range(scale):
        def para(m: re.Match[str], k: int = k) -> str:
            return f"{int(m.group(1)) + 73 * k}."

        def chapter(m: re.Match[str], k: int = k) -> str:
            return cn_numeral("一二三四五".index(m.group(1)) + 1 + 5 * k) + "."

        part = re.sub(r"(?m)^(\d{1,3})\.(?= [^\n]*[。，,：；])", para, body)
        part = re.sub(r"(?m)^([一二三四五])\.(?= )", chapter, part)
        copies.append(part)
    return head + "".join(copies)


def measure_child(path: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from pipeline.config import load_config
    from pipeline.ingest import new_document
    from pipeline.runner import Pipeline
    from pipeline.sentences import tokenize

    tokenize("预热分词词典", "zh")  # load jieba's dictionary outside the timed region
    pipeline = Pipeline.build(load_config(), ["ingest", "segment"])  # imports outside it too
    tracemalloc.start()
    started = time.perf_counter()
    doc = pipeline(new_document(path, "zh"))
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "chars": len(doc.text),
        "paragraphs": len(doc.paragraphs),
        "seconds": seconds,
        "traced_peak_mb": traced_peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_child(args.child)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            path = Path(tmp) / f"synthetic_{scale}.txt"
            path.write_text(EXAMPLE.read_text(encoding="utf-8") if scale == 1 else synthetic(scale),
                            encoding="utf-8")
            runs = []
            for _ in range(args.runs):
                out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True,
                                     text=True, check=True)
                runs.append(json.loads(out.stdout))
            seconds = statistics.median(r["seconds"] for r in runs)
            row = {
                "scale": scale,
                "chars": runs[0]["chars"],
                "paragraphs": runs[0]["paragraphs"],
                "median_seconds": round(seconds, 3),
                "all_seconds": [round(r["seconds"], 3) for r in runs],
                "chars_per_second": round(runs[0]["chars"] / seconds),
                "median_traced_peak_mb": round(statistics.median(r["traced_peak_mb"] for r in runs), 1),
                "median_max_rss_mb": round(statistics.median(r["max_rss_mb"] for r in runs), 1),
            }
            rows.append(row)
            print(f"scale {scale:4d}: {row['chars']:>10,} chars {row['paragraphs']:>6} paras "
                  f"{row['median_seconds']:8.2f} s  {row['chars_per_second']:>9,} chars/s  "
                  f"traced peak {row['median_traced_peak_mb']:7.1f} MB  max RSS {row['median_max_rss_mb']:7.1f} MB")
    base = rows[0]
    for row in rows:
        row["time_per_char_vs_scale_1"] = round(
            (row["median_seconds"] / row["chars"]) / (base["median_seconds"] / base["chars"]), 2)
        row["traced_mb_per_char_vs_scale_1"] = round(
            (row["median_traced_peak_mb"] / row["chars"]) / (base["median_traced_peak_mb"] / base["chars"]), 2)
    print("time per character relative to the example:",
          ", ".join(f"x{r['scale']}: {r['time_per_char_vs_scale_1']}" for r in rows))
    print("traced memory per character relative to the example:",
          ", ".join(f"x{r['scale']}: {r['traced_mb_per_char_vs_scale_1']}" for r in rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    from benchmarks.machine import describe  # after the sys.path set-up above
    record = {"benchmark": "segment", "runs": args.runs, "machine": describe(), "rows": rows}
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
