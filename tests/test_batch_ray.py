"""``undoc batch --engine ray`` on a local Ray instance (2 CPUs, started and shut down by the engine)."""

from __future__ import annotations

import csv
import os

import pytest

from benchmarks.batchdata import BAD_ERRORS, write_batch
from pipeline.batch import BATCH_FAILED_EXIT, run_batch
from pipeline.config import load_config

pytestmark = pytest.mark.ray


def test_ray_engine_processes_the_batch_like_the_local_one(tmp_path):
    ray = pytest.importorskip("ray")
    config = load_config("default", {"run.stages": ["ingest", "segment"], "stages.segment.tokenize": False})
    made = write_batch(tmp_path / "in", count=5, bad=True)
    assert not ray.is_initialized()
    result = run_batch(made.input_dir, config, tmp_path / "ray", en_dir=made.en_dir, engine="ray", workers=2)
    assert not ray.is_initialized()  # the engine shut down the instance it started
    assert result.exit_code == BATCH_FAILED_EXIT
    by_file = {os.path.basename(r.zh): r for r in result.records}
    for doc in made.docs:
        record = by_file[doc.zh_path.name]
        assert record.status == "ok" and record.en == str(doc.en_path.resolve()) and record.document == doc.symbol
    for name, phrase in BAD_ERRORS.items():
        assert by_file[name].status == "failed" and phrase in by_file[name].error
    pids = {r.worker["pid"] for r in result.records}
    assert os.getpid() not in pids and len(pids) <= 2  # two actors, each reused
    local = run_batch(made.input_dir, config, tmp_path / "local", en_dir=made.en_dir, workers=0)
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local") and len(_rows(tmp_path / "ray")) == len(local.records)
    for doc in made.docs:
        ray_doc = (tmp_path / "ray" / doc.doc_id / "document.json").read_text(encoding="utf-8")
        local_doc = (tmp_path / "local" / doc.doc_id / "document.json").read_text(encoding="utf-8")
        assert ray_doc == local_doc


def _rows(out):
    with (out / "index.csv").open(encoding="utf-8") as handle:
        return {r["doc_id"]: (r["status"], r["document"], r["error"]) for r in csv.DictReader(handle)}
