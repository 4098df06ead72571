"""The align stage on real bilingual fixtures (USE embedder: marked ``models``)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.runner import process_pair
from tests.conftest import SEGMENT_DATA

pytestmark = pytest.mark.models
ZH, EN = SEGMENT_DATA / "zh_report.txt", SEGMENT_DATA / "en_report.txt"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(scope="module")
def aligned(tmp_path_factory):
    out = tmp_path_factory.mktemp("align")
    assert main(["-q", "align", str(ZH), str(EN), "-o", str(out)]) == 0
    return out / "zh_report"


def _kinds(data):
    return [f["kind"] for f in data["structure_findings"]]


def test_faithful_pair_aligns_every_paragraph_one_to_one(aligned):
    data = json.loads((aligned / "alignment.json").read_text(encoding="utf-8"))
    body = [p for p in data["paragraphs"] if p["zh"] and p["zh"][0].startswith("p")]
    assert len(body) == 28 and all(p["zh"] == p["en"] and p["kind"] == "1-1" for p in body)
    assert _kinds(data) == []
    assert data["overall_score"] > 0.6
    assert data["counts"]["zh_sentences_unlinked"] == 0 and data["counts"]["en_sentences_unlinked"] == 0


def test_sentence_links_cover_both_sides_in_order(aligned):
    data = json.loads((aligned / "alignment.json").read_text(encoding="utf-8"))
    zh_ids = [i for s in data["sentences"] for i in s["zh_ids"]]
    en_ids = [i for s in data["sentences"] for i in s["en_ids"]]
    assert zh_ids == sorted(zh_ids) == list(range(len(zh_ids)))
    assert en_ids == sorted(en_ids) == list(range(len(en_ids)))


def test_tmx_is_valid_tmx_1_4(aligned):
    root = ET.parse(aligned / "alignment.tmx").getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    for attribute in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang",
                      "datatype"):
        assert header.get(attribute), attribute
    assert header.get("srclang") == "zh-CN"
    units = root.findall("body/tu")
    data = json.loads((aligned / "alignment.json").read_text(encoding="utf-8"))
    assert len(units) == sum(1 for s in data["sentences"] if s["zh_ids"] and s["en_ids"])
    for unit in units:
        tuvs = unit.findall("tuv")
        assert [t.get(XML_LANG) for t in tuvs] == ["zh-CN", "en"]
        assert all((t.find("seg").text or "").strip() for t in tuvs)
    # and translate-toolkit (what CAT tools' exchange libraries follow) reads it back
    from translate.storage import tmx

    store = tmx.tmxfile.parsefile(str(aligned / "alignment.tmx"))
    assert len(store.units) == len(units)


def test_tsv_has_one_row_per_link(aligned):
    lines = (aligned / "alignment.tsv").read_text(encoding="utf-8").splitlines()
    data = json.loads((aligned / "alignment.json").read_text(encoding="utf-8"))
    assert lines[0].split("\t") == ["id", "kind", "score", "zh_block", "en_block", "zh", "en"]
    assert len(lines) - 1 == len(data["sentences"])
    assert all(len(line.split("\t")) == 7 for line in lines)


def _pair(tmp_path, zh_text=None, en_text=None):
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text(zh_text or ZH.read_text(encoding="utf-8"), encoding="utf-8")
    en.write_text(en_text or EN.read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(overrides={"run.device": "cpu"})
    return process_pair(zh, config, en, stages=["ingest", "segment", "align"])


def test_missing_english_paragraph_is_reported(tmp_path):
    text = EN.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^5\. .*\n", "", text)
    pair = _pair(tmp_path, en_text=text)
    kinds = [(f.kind, f.paragraph) for f in pair.structure_findings]
    assert ("paragraph_extra_in_translation", 5) in kinds


def test_merged_paragraphs_are_reported(tmp_path):
    text = ZH.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^3\. ", "", text)  # paragraph 3 runs on as part of 2
    pair = _pair(tmp_path, zh_text=text)
    kinds = [(f.kind, f.paragraph) for f in pair.structure_findings]
    assert ("paragraph_merged", 2) in kinds


def test_split_paragraph_is_reported(tmp_path):
    text = EN.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^3\. ", "", text)  # the English has 2 and 3 as one paragraph; the Chinese keeps both
    pair = _pair(tmp_path, en_text=text)
    kinds = [(f.kind, f.paragraph) for f in pair.structure_findings]
    assert ("paragraph_split", 3) in kinds


def test_paragraph_that_lost_its_number_is_matched_by_content(tmp_path):
    text = ZH.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^7\. ", "", text)  # first paragraph of section II.A loses its number
    pair = _pair(tmp_path, zh_text=text)
    kinds = [(f.kind, f.paragraph) for f in pair.structure_findings]
    assert ("paragraph_unnumbered", 7) in kinds
    assert ("paragraph_missing_in_translation", 7) not in kinds


def test_unnumbered_documents_fall_back_to_content(tmp_path):
    strip = re.compile(r"(?m)^\d{1,2}\. (?=\S{8})")
    zh = strip.sub("", ZH.read_text(encoding="utf-8"))
    en = strip.sub("", EN.read_text(encoding="utf-8"))
    pair = _pair(tmp_path, zh, en)
    assert "numbering_unusable" in [f.kind for f in pair.structure_findings]
    sentence_links = [a for a in pair.alignments if a.level == "sentence"]
    linked = [a for a in sentence_links if a.src and a.tgt]
    assert len(linked) >= 0.9 * len(sentence_links)
    assert sum(a.score for a in linked) / len(linked) > 0.6


def test_unrelated_english_is_a_mismatch_with_a_warning(tmp_path, capsys):
    corpus = json.loads((SEGMENT_DATA.parent / "align" / "un_parallel.json").read_text(encoding="utf-8"))
    other = "\n\n".join(f"{p['number']}. " + " ".join(p["en"]) for p in corpus[3]["paragraphs"])
    en = tmp_path / "other.txt"
    en.write_text("Summary\n\nAn unrelated report.\n\nI. Introduction\n\n" + other + "\n", encoding="utf-8")
    code = main(["run", str(ZH), "--en", str(en), "--config", "fast", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: the English file does not look like the original" in err
    data = json.loads((tmp_path / "out" / "zh_report" / "alignment.json").read_text(encoding="utf-8"))
    assert data["overall_score"] < 0.3
    assert "pair_mismatch" in _kinds(data)


def test_swapped_languages_are_refused_in_one_line(tmp_path, capsys):
    code = main(["-q", "align", str(EN), str(ZH), "-o", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "not mainly Chinese" in err
