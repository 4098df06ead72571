"""Batch processing: pairing rules, per-document records, resume, bad documents, workers, index, export.

Everything runs the model-free stages (ingest, segment without word segmentation) on synthetic UN-style
documents from ``benchmarks/batchdata.py``; the Ray engine is tested in ``test_batch_ray.py``.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmarks.batchdata import BAD_ERRORS, write_batch
from pipeline import batch_engines
from pipeline.batch import (
    BATCH_FAILED_EXIT,
    STATUS_FILE,
    BatchRecord,
    config_hash,
    current_record,
    format_eta,
    process_one,
    run_batch,
    term_renderings,
)
from pipeline.batch_index import index_html, outlier_counts, term_variants
from pipeline.batch_pairing import Job, discover, strip_name, symbol_from_name
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.document import Document, DocumentPair, Flag

ROOT = Path(__file__).resolve().parent.parent
TINY = {"run.stages": ["ingest", "segment"], "stages.segment.tokenize": False}


@pytest.fixture(scope="module")
def tiny():
    return load_config("default", TINY)


@pytest.fixture
def batch(tmp_path):
    return write_batch(tmp_path / "in", count=6, bad=True)


def _index(out: Path) -> dict[str, dict[str, str]]:
    with (out / "index.csv").open(encoding="utf-8") as handle:
        return {row["doc_id"]: row for row in csv.DictReader(handle)}


# -- pairing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("same_dir", [False, True], ids=["en-dir", "same-dir"])
def test_every_synthetic_pair_is_found_by_the_rule_its_names_allow(tmp_path, same_dir):
    made = write_batch(tmp_path, count=9, same_dir=same_dir, bad=True)
    found = discover(made.input_dir, None if same_dir else made.en_dir)
    jobs = {Path(j.zh).name: j for j in found.jobs}
    assert len(jobs) == 9 + len(BAD_ERRORS)
    for doc in made.docs:
        job = jobs[doc.zh_path.name]
        assert job.en == str(doc.en_path.resolve()), doc.scheme
        assert job.paired_by == ("name" if doc.scheme == "name" else "symbol")
        assert job.symbol == doc.symbol
        assert job.error is None
    for name in BAD_ERRORS:
        assert jobs[name].en is None and jobs[name].error is None  # processed, so they fail with their own error


def test_language_tags_and_symbols_in_file_names():
    assert strip_name(Path("foo.zh.txt")) == ("foo", "zh")
    assert strip_name(Path("A_64_298-E.pdf")) == ("A_64_298", "en")
    assert strip_name(Path("report_CHI.txt")) == ("report", "zh")
    assert strip_name(Path("chapter.txt")) == ("chapter", None)
    assert strip_name(Path("zh.txt")) == ("zh", None)
    assert symbol_from_name("A_64_298") == "A/64/298"
    assert symbol_from_name("E_CN.6_2010_2") == "E/CN.6/2010/2"
    assert symbol_from_name("doc002") is None
    assert symbol_from_name("report_2009") is None


def test_name_pairing_is_refused_when_the_symbols_disagree(tmp_path):
    made = write_batch(tmp_path / "src", count=2, bad=False, schemes=("content",))
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "foo.zh.txt").write_bytes(made.docs[0].zh_path.read_bytes())  # prints A/65/201
    (folder / "foo.en.txt").write_bytes(made.docs[1].en_path.read_bytes())  # prints A/66/202
    found = discover(folder)
    (job,) = [j for j in found.jobs if j.error is None]
    assert job.en is None
    (orphan,) = [j for j in found.jobs if j.error]
    assert Path(orphan.zh).name == "foo.en.txt" and "English" in orphan.error


def test_unpaired_english_in_en_dir_is_ignored_and_chinese_there_noted(tmp_path):
    made = write_batch(tmp_path, count=3, bad=False)
    (made.en_dir / "extra-original.txt").write_bytes(made.docs[1].en_path.read_bytes().replace(b"A/66/202", b"A/9/9"))
    (made.en_dir / "stray.txt").write_bytes(made.docs[0].zh_path.read_bytes())
    found = discover(made.input_dir, made.en_dir)
    assert [j.error for j in found.jobs] == [None, None, None]
    assert found.unused_english == 1
    assert any("stray.txt" in note for note in found.notes)


def test_two_inputs_with_one_output_folder_clash(tmp_path):
    made = write_batch(tmp_path, count=1, bad=False, schemes=("content",))
    clash = made.input_dir / (made.docs[0].zh_path.stem + ".text")
    clash.write_bytes(made.docs[0].zh_path.read_bytes())
    jobs = discover(made.input_dir, made.en_dir).jobs
    assert [j.doc_id for j in jobs] == [made.docs[0].doc_id] * 2
    assert sum(1 for j in jobs if j.error and "rename" in j.error) == 1


def _docx(path: Path, text: str) -> None:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(str(path))


def test_word_files_are_told_apart_and_paired_by_content_then_cached(tmp_path, tiny, monkeypatch):
    made = write_batch(tmp_path / "src", count=2, bad=False, schemes=("content",))
    folder = tmp_path / "docs"
    folder.mkdir()
    _docx(folder / "first.docx", made.docs[1].zh_path.read_text(encoding="utf-8"))  # no language tag in the names
    _docx(folder / "second.docx", made.docs[1].en_path.read_text(encoding="utf-8"))
    _docx(folder / "third.docx", made.docs[0].zh_path.read_text(encoding="utf-8"))
    out = tmp_path / "out"
    result = run_batch(folder, tiny, out, workers=0)
    by_file = {Path(r.zh).name: r for r in result.records}
    assert set(by_file) == {"first.docx", "third.docx"}
    assert by_file["first.docx"].en == str(folder / "second.docx") and by_file["first.docx"].paired_by == "symbol"
    assert by_file["third.docx"].en is None and result.exit_code == 0

    import pipeline.batch_pairing

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(pipeline.batch_pairing, "extract", no_conversion)
    again = discover(folder, cache=json.loads((out / ".pairing-cache.json").read_text(encoding="utf-8")))
    assert [(Path(j.zh).name, j.en and Path(j.en).name) for j in again.jobs] == [
        ("first.docx", "second.docx"), ("third.docx", None)]


def test_missing_input_folder_and_empty_folder_are_input_errors(tmp_path, tiny):
    from pipeline.errors import InputError

    with pytest.raises(InputError, match="not found"):
        run_batch(tmp_path / "nope", tiny, tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no documents"):
        run_batch(tmp_path / "empty", tiny, tmp_path / "out")


# -- one document --------------------------------------------------------------------------------------------


def _job(doc) -> Job:
    found = discover(doc.zh_path.parent, doc.en_path.parent)
    return next(j for j in found.jobs if Path(j.zh).name == doc.zh_path.name)


def test_process_one_writes_outputs_then_status_with_hashes(batch, tiny, tmp_path):
    job = _job(batch.docs[1])
    record = process_one(job, tiny, tmp_path / "out", ["ingest", "segment"])
    folder = tmp_path / "out" / job.doc_id
    assert record.status == "ok" and record.error is None
    assert record.document == batch.docs[1].symbol
    assert set(record.outputs) == {"document.json", "document.en.json", "run.json"}
    status = json.loads((folder / STATUS_FILE).read_text(encoding="utf-8"))
    assert status["input_hashes"] == {"zh": job.zh_sha256, "en": job.en_sha256}
    assert status["config_hash"] == config_hash(tiny, ["ingest", "segment"])
    assert status["worker"]["pid"] == os.getpid()
    doc = json.loads((folder / "document.json").read_text(encoding="utf-8"))
    assert len(doc["paragraphs"]) == batch.docs[1].paragraphs
    assert current_record(tmp_path / "out", job, record.config_hash) is not None


def test_bad_document_becomes_a_failed_record_with_its_one_line_error(batch, tiny, tmp_path):
    jobs = {Path(j.zh).name: j for j in discover(batch.input_dir, batch.en_dir).jobs}
    for name, phrase in BAD_ERRORS.items():
        record = process_one(jobs[name], tiny, tmp_path, ["ingest", "segment"])
        assert record.status == "failed" and record.error_type == "InputError"
        assert phrase in record.error and "\n" not in record.error
        saved = json.loads((tmp_path / jobs[name].doc_id / STATUS_FILE).read_text(encoding="utf-8"))
        assert saved["status"] == "failed" and saved["error"] == record.error


def test_unexpected_exception_is_recorded_as_internal_error(batch, tiny, tmp_path, monkeypatch):
    import pipeline.runner

    def broken(*args, **kwargs):
        raise RuntimeError("stage blew up\nsecond line")

    monkeypatch.setattr(pipeline.runner, "process_pair", broken)
    record = process_one(_job(batch.docs[0]), tiny, tmp_path, ["ingest", "segment"])
    assert record.status == "failed" and record.error_type == "internal"
    assert record.error == "internal error: RuntimeError: stage blew up second line"


def test_a_document_killed_before_status_json_is_not_complete(batch, tiny, tmp_path, monkeypatch):
    import pipeline.runner

    job = _job(batch.docs[0])
    first = process_one(job, tiny, tmp_path, ["ingest", "segment"])
    assert current_record(tmp_path, job, first.config_hash) is not None

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies after the outputs, before status.json

    monkeypatch.setattr(pipeline.runner, "write_run_record", killed)
    with pytest.raises(KeyboardInterrupt):
        process_one(job, tiny, tmp_path, ["ingest", "segment"])
    assert not (tmp_path / job.doc_id / STATUS_FILE).exists()
    assert current_record(tmp_path, job, first.config_hash) is None


# -- the batch -----------------------------------------------------------------------------------------------


def test_batch_records_bad_documents_and_exits_nonzero(batch, tiny, tmp_path):
    result = run_batch(batch.input_dir, tiny, tmp_path / "out", en_dir=batch.en_dir, workers=0)
    assert result.exit_code == BATCH_FAILED_EXIT
    assert {Path(r.zh).name for r in result.failed} == set(BAD_ERRORS)
    index = _index(tmp_path / "out")
    assert len(index) == 6 + len(BAD_ERRORS)
    for doc in batch.docs:
        row = index[doc.doc_id]
        assert row["status"] == "ok" and row["document"] == doc.symbol and row["flags_total"] == "0"
        assert row["en_file"] == str(doc.en_path.resolve())
    for name, phrase in BAD_ERRORS.items():
        row = index[name.removesuffix(".txt")]
        assert row["status"] == "failed" and phrase in row["error"]


def test_all_good_batch_exits_zero(tmp_path, tiny):
    made = write_batch(tmp_path / "in", count=3, bad=False)
    result = run_batch(made.input_dir, tiny, tmp_path / "out", en_dir=made.en_dir, workers=0)
    assert result.exit_code == 0 and len(result.records) == 3


def test_rerun_skips_current_documents_and_redoes_changed_ones(batch, tiny, tmp_path):
    out = tmp_path / "out"
    first = run_batch(batch.input_dir, tiny, out, en_dir=batch.en_dir, workers=0)
    assert first.processed == 9 and first.reused == 0
    mtimes = {d.doc_id: (out / d.doc_id / "document.json").stat().st_mtime_ns for d in batch.docs}

    again = run_batch(batch.input_dir, tiny, out, en_dir=batch.en_dir, workers=0)
    assert again.reused == 6 and again.processed == len(BAD_ERRORS)  # failed documents are retried
    assert {d.doc_id: (out / d.doc_id / "document.json").stat().st_mtime_ns for d in batch.docs} == mtimes
    assert [r.status for r in again.records] == [r.status for r in first.records]

    changed = batch.docs[2]
    changed.en_path.write_text(changed.en_path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (out / batch.docs[4].doc_id / "run.json").unlink()
    third = run_batch(batch.input_dir, tiny, out, en_dir=batch.en_dir, workers=0)
    redone = {r.doc_id for r in third.records if not r.reused and r.status == "ok"}
    assert redone == {changed.doc_id, batch.docs[4].doc_id}

    other = load_config("default", {**TINY, "stages.segment.max_heading_chars_zh": 30})
    fourth = run_batch(batch.input_dir, other, out, en_dir=batch.en_dir, workers=0)
    assert fourth.reused == 0 and fourth.processed == 9


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "worker"])
def test_interrupted_batch_keeps_what_was_done_and_resumes(batch, tiny, tmp_path, workers):
    out = tmp_path / "out"
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if sum(1 for x in lines if x.startswith("[")) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as interrupted:
        run_batch(batch.input_dir, tiny, out, en_dir=batch.en_dir, workers=workers, progress=progress)
    # the workers are stopped at once, not when the traceback (still held here) is collected
    assert interrupted.traceback and not [
        p for p in multiprocessing.active_children() if p.name == "undoc-batch-worker"]
    index = _index(out)
    assert len(index) == 9
    assert [row["status"] for row in index.values()].count("pending") == 6
    done_ok = {k for k, row in index.items() if row["status"] == "ok"}
    resumed = run_batch(batch.input_dir, tiny, out, en_dir=batch.en_dir, workers=0)
    assert {r.doc_id for r in resumed.records if r.reused} == done_ok
    assert sum(1 for r in resumed.records if r.status == "ok") == 6


def test_batch_killed_with_sigkill_loses_nothing_written(tmp_path):
    made = write_batch(tmp_path / "in", count=16, bad=False)
    config = tmp_path / "tiny.toml"
    config.write_text('[run]\nstages = ["ingest", "segment"]\n[stages.segment]\ntokenize = false\n', encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline.cli", "-q", "batch", str(made.input_dir), "--en-dir", str(made.en_dir),
           "-o", str(out), "--config", str(config)]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(out.glob(f"*/{STATUS_FILE}"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its worker, mid-document
    proc.wait()
    complete = {p.parent.name for p in out.glob(f"*/{STATUS_FILE}")}
    assert len(complete) >= 3
    for name in complete:
        for output in json.loads((out / name / STATUS_FILE).read_text(encoding="utf-8"))["outputs"]:
            json.loads((out / name / output).read_text(encoding="utf-8"))  # whole files, never half ones
    assert (out / "index.csv").exists()
    config_obj = load_config(config)
    resumed = run_batch(made.input_dir, config_obj, out, en_dir=made.en_dir, workers=0)
    assert {r.doc_id for r in resumed.records if r.reused} == complete
    assert resumed.exit_code == 0 and len(resumed.records) == 16
    assert not list(out.glob("*/.*.tmp"))


def test_local_workers_are_long_lived_processes(tmp_path, tiny):
    made = write_batch(tmp_path / "in", count=6, bad=False)
    two = run_batch(made.input_dir, tiny, tmp_path / "two", en_dir=made.en_dir, workers=2)
    pids = [r.worker["pid"] for r in two.records]
    assert len(set(pids)) <= 2 and os.getpid() not in pids
    assert max(pids.count(p) for p in set(pids)) >= 3  # a worker process is reused for several documents
    assert all(r.status == "ok" for r in two.records)
    assert not [p for p in multiprocessing.active_children() if p.name == "undoc-batch-worker"]


def test_a_worker_that_dies_costs_only_its_document(tmp_path, tiny):
    made = write_batch(tmp_path / "in", count=2, bad=False)
    good = discover(made.input_dir, made.en_dir).jobs
    fifo = tmp_path / "hangs.txt"
    os.mkfifo(fifo)  # reading it blocks forever: the worker is busy until killed
    hang = Job("hangs", str(fifo), None, "0" * 64)

    def kill_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:  # succeeds once the worker is reading the FIFO, i.e. busy with the job
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                time.sleep(0.01)
        (worker,) = [p for p in multiprocessing.active_children() if p.name == "undoc-batch-worker"]
        os.kill(worker.pid, signal.SIGKILL)
        os.close(writer)

    killer = threading.Thread(target=kill_worker)
    killer.start()
    records = list(batch_engines.run("local", [hang, *good], tiny, tmp_path / "out", ["ingest", "segment"], 1))
    killer.join()
    by_id = {r.doc_id: r for r in records}
    assert by_id["hangs"].status == "failed" and "SIGKILL" in by_id["hangs"].error
    assert [by_id[j.doc_id].status for j in good] == ["ok", "ok"]


def test_a_script_without_main_guard_gets_one_clear_error(tmp_path):
    made = write_batch(tmp_path / "in", count=2, bad=False)
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from pipeline.batch import run_batch\nfrom pipeline.config import load_config\n"
        f"run_batch({str(made.input_dir)!r}, load_config('default', {TINY!r}), {str(tmp_path / 'out')!r}, "
        f"en_dir={str(made.en_dir)!r}, workers=1)\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "PipelineError: a batch worker process could not start" in proc.stderr
    assert 'if __name__ == "__main__"' in proc.stderr


# -- the CLI ---------------------------------------------------------------------------------------------------


def test_cli_batch_progress_lines_and_exit_status(batch, tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text('[run]\nstages = ["ingest", "segment"]\n[stages.segment]\ntokenize = false\n', encoding="utf-8")
    out = tmp_path / "out"
    argv = ["batch", str(batch.input_dir), "--en-dir", str(batch.en_dir), "-o", str(out), "--config", str(config),
            "--workers", "2"]
    assert main(argv) == BATCH_FAILED_EXIT
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if re.match(r"undoc: \[\d+/9\] ", line)]
    assert len(lines) == 9
    ok_line = re.compile(r"undoc: \[\d/9\] A/\d+/\d+ ok \d+\.\ds · \d+\.\d docs/min · ETA \d+[sm]")
    failed_line = re.compile(r"undoc: \[\d/9\] (empty|binary|japanese) FAILED \d+\.\ds · .* — .+")
    assert sum(bool(ok_line.fullmatch(line)) for line in lines) == 6
    assert sum(bool(failed_line.fullmatch(line)) for line in lines) == len(BAD_ERRORS)
    assert "6 ok, 3 failed of 9" in err
    assert (out / "index.html").exists()
    for path in [p for p in batch.input_dir.iterdir() if p.name in BAD_ERRORS]:
        path.unlink()
    assert main(["-q", *argv]) == 0  # every remaining document is current
    err = capsys.readouterr().err
    assert err.startswith("undoc: batch: 6 ok, 0 failed of 6 (6 skipped as current)")


def test_format_eta():
    assert [format_eta(s) for s in (0, 42.4, 90, 540, 3600, 5000)] == ["0s", "42s", "2m", "9m", "1h00m", "1h23m"]


# -- terminology across documents -----------------------------------------------------------------------------


def _flag(i: int, en: str, zh: str) -> Flag:
    return Flag(f"t{i}", "terminology", "medium", 1, (0, 2), zh, "term", {"en_term": en, "zh_rendering": zh})


def test_term_renderings_reads_flag_evidence_and_the_document_list():
    zh = Document("d", "zh", "")
    zh.flags = [_flag(1, "Member  States", "成员国"), _flag(2, "Member States", "成员国"),
                Flag("x", "number", "high", 1, (0, 1), "1", "n", {"en_term": 5})]
    pair = DocumentPair(zh, flags=[zh.flags[0], _flag(3, "Secretariat", "秘书处")])
    zh.terms = [("General Assembly", "大会"), {"en_term": "Member States", "zh_rendering": "会员 国"},
                {"en": "Secretariat", "zh": "秘书处"}, ("bad",)]
    assert term_renderings(pair) == [("Member States", "成员国"), ("Secretariat", "秘书处"),
                                     ("General Assembly", "大会"), ("Member States", "会员国")]


def _record(doc: str, terms: list[list[str]], status: str = "ok") -> BatchRecord:
    return BatchRecord(doc_id=doc.replace("/", "_"), document=doc, status=status, zh=f"/in/{doc}.txt", terms=terms)


def test_terms_rendered_differently_across_documents_are_reported():
    records = [
        _record("A/1", [["Member States", "会员国"], ["Secretariat", "秘书处"]]),
        _record("A/2", [["member  states", "会员国"]]),
        _record("A/3", [["Member States", "成员国"], ["Secretariat", "秘书处"]]),
        _record("A/4", [["Security Council", "安理会"], ["Security Council", "安全理事会"]]),  # within one document
        _record("A/5", [["Member States", "成员们"]], status="failed"),
    ]
    variants = term_variants(records)
    assert [v.en_term for v in variants] == ["Member States"]
    (variant,) = variants
    assert variant.preferred == "会员国"
    assert variant.renderings == [("会员国", ["A/1", "A/2"]), ("成员国", ["A/3"])]
    assert outlier_counts(variants) == {"A/3": 1}


def test_index_html_escapes_document_text():
    record = _record("<script>alert(1)</script>", [["Member <b>States</b>", "会员国"]])
    other = _record("A/2", [["Member <b>States</b>", "成员国"]])
    html = index_html([record, other], term_variants([record, other]), {}, {
        "config_name": "x", "engine": "local", "workers": 1, "notes": ["<i>note</i>"], "started": "t",
        "updated": "t"})
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Member &lt;b&gt;States&lt;/b&gt;" in html and "&lt;i&gt;note&lt;/i&gt;" in html


# -- dataset export ---------------------------------------------------------------------------------------------


def test_export_dataset_rows_and_flags_load_back(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    import datasets

    from benchmarks.aligndata import un_as_documents, un_documents
    from pipeline.batch_export import export_dataset
    from pipeline.document import Alignment
    from pipeline.outputs import write_outputs

    source = un_documents()[0]
    zh, en = un_as_documents(source)
    pair = DocumentPair(zh, en, [Alignment(z, e, 0.9) for z, e in source.gold])
    target = zh.paragraphs[1].sentences[1]  # the flagged sentence: second sentence of the second paragraph
    global_id = len(zh.paragraphs[0].sentences) + 1
    zh.flags = [Flag("n1", "number", "high", 2, (target.start + 1, target.start + 3), target.text[1:3], "number",
                     {"en": "42"}, None, index=1),
                Flag("g1", "garbled", "low", None, (0, 0), "", "document-level", {})]
    zh.stages = ["ingest", "segment", "align"]
    write_outputs(pair, tmp_path / "out" / "doc1", None)
    records = [BatchRecord(doc_id="doc1", document="A/65/201", status="ok", zh="/in/doc1.txt"),
               BatchRecord(doc_id="bad", document="bad", status="failed", zh="/in/bad.txt")]
    summary = export_dataset(tmp_path / "out", tmp_path / "ds", records)
    assert summary == {"path": str(tmp_path / "ds"), "documents": 1, "sentences": len(source.gold), "flags": 2}

    sentences = datasets.load_dataset("parquet", data_files=str(tmp_path / "ds" / "sentences" / "*.parquet"),
                                      split="train", cache_dir=str(tmp_path / "hf-cache"))
    assert len(sentences) == len(source.gold)
    flagged = [row for row in sentences if row["flags"]]
    assert len(flagged) == 1 and flagged[0]["flags"] == ["number"] and global_id in flagged[0]["zh_ids"]
    assert target.text in flagged[0]["zh"] and flagged[0]["doc_id"] == "doc1"
    flags = datasets.load_dataset(str(tmp_path / "ds"), "flags", split="train", cache_dir=str(tmp_path / "hf-cache"))
    by_id = {row["flag_id"]: row for row in flags}
    assert by_id["n1"]["zh_sentence_ids"] == [global_id] and by_id["n1"]["link_ids"] == [flagged[0]["link_id"]]
    assert json.loads(by_id["n1"]["evidence"]) == {"en": "42"}
    assert by_id["g1"]["zh_sentence_ids"] == [] and by_id["g1"]["paragraph"] is None
