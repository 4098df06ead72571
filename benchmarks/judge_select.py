"""Choose the judge's settings on several groups of tuning documents at once, from ``judge_grid`` dumps.

Each group (for example dev6-dev15 and dev16-dev20) has a baseline dump (the run the current defaults come from) and
a candidate dump (the same documents checked with a changed setting, such as ``judge_edits``). Every point of
``judge_from`` x ``judge_min_gain`` x ``judge_min_gain_swap`` is scored on the candidate dumps: garbled F1 per group
and pooled (counts added over the groups), and clean false flags per 1,000 characters per group. The rule:

- a point is eligible when every group stays within ``--max-clean`` false flags per 1,000 clean characters;
- the best eligible point by pooled F1 is adopted only if pooled F1 gains at least ``--min-gain`` over the baseline
  point (``--base``, scored on the baseline dumps) and no group loses more than ``--max-loss``.

Prints the baseline, the best points and the decision, and writes them to ``benchmarks/results/judge_select.json``.
Dumps made with every stray-negation candidate kept (``--set '{"stages.check.negation_min_gain": -1e9}'``) are
read at ``--negation-min-gain`` (the shipped 8 nats, say); ``--judge-from`` restricts the grid to one ``judge_from``.
Speed is not judged here: time the chosen point with ``python -m benchmarks.check --speed-only --speed-baseline``.

    python -m benchmarks.judge_select --group dev6-15 base_a.json new_a.json --group dev16-20 base_b.json new_b.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "judge_select.json"


def score(groups: dict[str, list[dict]], judge_from: float, min_gain: float, swap_gain: float) -> dict[str, Any]:
    """One point: garbled F1 and clean false flags per group, and F1 of the groups' counts added together."""
    from benchmarks.judge_grid import clean_rate, counts, prf

    per = {name: counts(docs, judge_from, min_gain, swap_gain) for name, docs in groups.items()}
    pooled = {k: sum(c[k] for c in per.values()) for k in next(iter(per.values()))}
    return {"judge_from": judge_from, "min_gain": min_gain, "swap_gain": swap_gain,
            "pooled_f1": round(prf(pooled)[2], 4),
            "groups": {name: {"f1": round(prf(c)[2], 4), "clean_false_per_1000": clean_rate(c), **c}
                       for name, c in per.items()}}


def with_negation_threshold(docs: list[dict], min_gain: float) -> list[dict]:
    """The dumps as the check would have written them with ``negation_min_gain`` = ``min_gain``: stray-negation
    flags whose judge gain falls short are dropped (the dump kept them all)."""
    return [{**d, "flags": [f for f in d["flags"] if f["rule"] != "stray_negation"
                            or (f["judge_gain"] is not None and f["judge_gain"] >= min_gain)]} for d in docs]


def select(base: dict[str, list[dict]], new: dict[str, list[dict]], at: tuple[float, float, float],
           max_clean: float = 0.5, min_gain: float = 0.01, max_loss: float = 0.005,
           froms: tuple[float, ...] | None = None) -> dict[str, Any]:
    from benchmarks.judge_grid import FROMS, GAINS, SWAP_GAINS

    baseline = score(base, *at)
    points = [score(new, f, g, s) for f in (froms or FROMS) for g in GAINS for s in SWAP_GAINS]
    eligible = [p for p in points if all(g["clean_false_per_1000"] is not None and g["clean_false_per_1000"]
                                         <= max_clean for g in p["groups"].values())]
    eligible.sort(key=lambda p: -p["pooled_f1"])
    best = eligible[0] if eligible else None
    adopt = best is not None and best["pooled_f1"] >= baseline["pooled_f1"] + min_gain and all(
        best["groups"][name]["f1"] >= baseline["groups"][name]["f1"] - max_loss for name in base)
    return {"baseline": baseline, "best": eligible[:10], "adopt": adopt,
            "rule": {"max_clean_per_1000": max_clean, "min_pooled_gain": min_gain, "max_group_loss": max_loss}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", nargs=3, action="append", metavar=("NAME", "BASE_DUMP", "NEW_DUMP"), required=True)
    parser.add_argument("--base", default="0.4,12,8", help="judge_from,min_gain,swap_gain of the baseline")
    parser.add_argument("--max-clean", type=float, default=0.5)
    parser.add_argument("--min-gain", type=float, default=0.01)
    parser.add_argument("--max-loss", type=float, default=0.005)
    parser.add_argument("--note", default="", help="what the candidate dumps changed")
    parser.add_argument("--negation-min-gain", type=float, default=None,
                        help="read dumps that kept every stray-negation candidate at this threshold")
    parser.add_argument("--judge-from", type=float, default=None, help="search only this judge_from")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.machine import describe

    def load(path: str) -> list[dict]:
        docs = json.loads(Path(path).read_text(encoding="utf-8"))
        return docs if args.negation_min_gain is None else with_negation_threshold(docs, args.negation_min_gain)

    base = {name: load(b) for name, b, _ in args.group}
    new = {name: load(n) for name, _, n in args.group}
    at = tuple(float(x) for x in args.base.split(","))
    froms = (args.judge_from,) if args.judge_from is not None else None
    result = select(base, new, at, args.max_clean, args.min_gain, args.max_loss, froms)
    print("baseline", json.dumps(result["baseline"]))
    for row in result["best"]:
        print(json.dumps(row))
    print("adopt" if result["adopt"] else "not adopted")
    result.update({"note": args.note, "command": "python -m benchmarks.judge_select " + " ".join(sys.argv[1:]),
                   "machine": describe()})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
