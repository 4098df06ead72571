"""Shared fixtures: the embedded example and the hand-written UN-style documents, segmented once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.document import Document
from pipeline.runner import run_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "000_6b377cc800ff2fee.txt"
SEGMENT_DATA = ROOT / "tests" / "data" / "segment"
FIXTURES = {"zh_report": "zh", "en_report": "en", "zh_noisy": "zh"}


@pytest.fixture(scope="session")
def example_doc() -> Document:
    return run_file(EXAMPLE, "zh", load_config())


@pytest.fixture(scope="session")
def fixture_docs() -> dict[str, tuple[Document, dict]]:
    out = {}
    for name, lang in FIXTURES.items():
        doc = run_file(SEGMENT_DATA / f"{name}.txt", lang, load_config())
        expected = json.loads((SEGMENT_DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
        out[name] = (doc, expected)
    return out
