"""The CLI: outputs where promised, one-line errors and non-zero exits, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.cli import main
from tests.conftest import EXAMPLE, SEGMENT_DATA


def test_run_writes_document_and_run_record(tmp_path, capsys):
    # the fast config runs every stage without the language model (model-free suite)
    assert main(["run", str(EXAMPLE), "--config", "fast", "-o", str(tmp_path)]) == 0
    out = tmp_path / EXAMPLE.stem
    data = json.loads((out / "document.json").read_text(encoding="utf-8"))
    assert len(data["paragraphs"]) == 73
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["config"]["run"]["stages"] == ["ingest", "segment", "align", "check", "summarize", "report"]
    for name in ("flags.json", "summaries.json", "summaries.md", "report.html", "report.md"):
        assert (out / name).stat().st_size > 0, name
    assert record["models"]["versions"]["jieba"] == "0.42.1"
    assert record["models"]["lm"]["sha256"]
    err = capsys.readouterr().err
    assert "wrote" in err and "align: skipped (no English original)" in err


def test_run_with_english_writes_both(tmp_path):
    zh, en = SEGMENT_DATA / "zh_report.txt", SEGMENT_DATA / "en_report.txt"
    assert main(["-q", "run", str(zh), "--en", str(en), "--config", "fast", "-o", str(tmp_path)]) == 0
    en_doc = json.loads((tmp_path / "zh_report" / "document.en.json").read_text(encoding="utf-8"))
    assert en_doc["language"] == "en" and len(en_doc["paragraphs"]) == 28


def test_segment_with_lang(tmp_path, capsys):
    assert main(["--quiet", "segment", str(SEGMENT_DATA / "en_report.txt"), "--lang", "en", "-o", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
    data = json.loads((tmp_path / "en_report" / "document.json").read_text(encoding="utf-8"))
    assert data["meta"]["symbol"] == "A/64/150"


@pytest.mark.parametrize(
    "make, args, message",
    [
        (None, ["run", "{missing}"], "file not found"),
        (b"", ["run", "{file}"], "empty"),
        (b"\x00\x01\x02" * 100, ["segment", "{file}"], "binary"),
        (b"The Board met and agreed on the review of its functions." * 3, ["run", "{file}"],
         "not mainly Chinese"),
        ("委员会会议审议了报告并同意加强协调。".encode() * 3, ["run", "{example}", "--en", "{file}"],
         "not mainly English"),
        (None, ["run", "{example}", "--config", "nope"], "unknown config"),
    ],
    ids=["missing", "empty", "binary", "wrong-language", "english-side-chinese", "bad-config"],
)
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, capsys, make, args, message):
    path = tmp_path / "input.txt"
    if make is not None:
        path.write_bytes(make)
    argv = [a.format(file=path, missing=tmp_path / "missing.txt", example=EXAMPLE) for a in args]
    code = main(["-q", *argv, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.startswith("undoc: error:") and message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("document.json"))


def test_cuda_without_gpu_is_a_clear_error_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("models.device.cuda_available", lambda: False)
    code = main(["-q", "run", str(EXAMPLE), "--device", "cuda", "-o", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 4 and err == ("undoc: error: device 'cuda' requested but no CUDA GPU is usable here; "
                                 "use --device cpu or auto")
    assert not any(tmp_path.iterdir())


def test_console_script_version_and_no_traceback(tmp_path):
    exe = [sys.executable, "-m", "pipeline.cli"]
    done = subprocess.run([*exe, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("undoc ")
    done = subprocess.run([*exe, "segment", str(tmp_path / "none.txt")], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_unexpected_error_is_one_line_unless_debug(tmp_path, capsys, monkeypatch):
    import pipeline.runner as runner

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "run_pipeline", broken)
    assert main(["run", str(EXAMPLE), "-o", str(tmp_path)]) == 70
    assert "internal error: RuntimeError: boom" in capsys.readouterr().err
    with pytest.raises(RuntimeError):
        main(["--debug", "run", str(EXAMPLE), "-o", str(tmp_path)])
