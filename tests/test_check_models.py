"""The check stage with the real models (USE embedder for alignment, Qwen 0.5B for surprisal): marked ``models``.

Uses the segmentation fixtures (zh_report.txt and its English original), written for undoc, with defects
written into a copy of the Chinese by the test itself.
"""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from tests.conftest import SEGMENT_DATA

pytestmark = pytest.mark.models
ZH, EN = SEGMENT_DATA / "zh_report.txt", SEGMENT_DATA / "en_report.txt"


def _corrupt(text: str) -> tuple[str, str, str]:
    """In paragraph 1 of the body: insert nonsense characters after “秘书长” and change the first year."""
    import re

    body = text.index("\n1. ")
    at = text.index("秘书长", body) + 3
    text = text[:at] + "蚌雳鳌" + text[at:]
    year = re.compile(r"(?<!\d)(20\d\d)(?= 年)").search(text, body)
    assert year is not None
    new_year = str(int(year.group(1)) + 3)
    return text[:year.start()] + new_year + text[year.end():], "蚌雳鳌", new_year


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    text, garble, year = _corrupt(ZH.read_text(encoding="utf-8"))
    zh = folder / "zh_report.txt"
    zh.write_text(text, encoding="utf-8")
    assert main(["-q", "check", str(zh), "--en", str(EN), "-o", str(folder / "out")]) == 0
    data = json.loads((folder / "out" / "zh_report" / "flags.json").read_text(encoding="utf-8"))
    return data, garble, year


def test_inserted_nonsense_is_flagged_as_garbled(checked):
    data, garble, _ = checked
    garbled = [f for f in data["flags"] if f["type"] == "garbled"]
    # the flagged span may take in a neighbouring character; it must overlap the inserted ones
    assert any(f["paragraph"] == 1 and set(f["text"]) & set(garble) for f in garbled), garbled


def test_changed_year_is_flagged_against_the_english(checked):
    data, _, year = checked
    assert any(f["type"] == "number" and year in f["text"] for f in data["flags"])


def test_flags_point_at_their_text_and_paragraph_risk_is_set(checked):
    data, _, _ = checked
    doc_flags = data["flags"]
    assert doc_flags and all(f["end"] > f["start"] for f in doc_flags)
    assert data["risk"] is not None and 0 < data["risk"] <= 1
    risky = {p["index"] for p in data["paragraph_risk"] if p["risk"] > 0}
    assert {f["index"] for f in doc_flags} == risky
