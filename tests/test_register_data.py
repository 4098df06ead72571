"""The shipped UN register list (pipeline/resources/un_register.tsv): format and the rules it was built by."""

from __future__ import annotations

import csv
import re

from pipeline.detect_garbled import word_logfreq
from pipeline.glossary import load_glossary
from pipeline.register import BUILTIN, COLUMNS, load_register, register_mentions

CATEGORIES = {"formula", "procedure", "management", "finance", "personnel", "programme", "statistics", "rights",
              "peace", "legal"}


def _rows() -> list[dict]:
    text = BUILTIN.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text and text.endswith("\n")
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def test_register_rows_are_well_formed_and_sourced():
    rows = _rows()
    assert len(rows) >= 250
    words = [r["zh"] for r in rows]
    assert len(words) == len(set(words))
    for row in rows:
        assert all(row[c] == row[c].strip() and row[c] for c in COLUMNS), row
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,}", row["zh"]), row
        assert row["category"] in CATEGORIES, row
    assert len(load_register()) == len(rows)


def test_register_words_are_rare_in_general_chinese_and_never_a_non_standard_form():
    """Only words a general model may find odd belong here (common words would only hide real damage next
    to them), and the list must never shelter a form the glossary calls non-standard, nor repeat an official
    form the glossary already guards."""
    glossary = load_glossary()
    official = {form for entry in glossary.entries for form in entry.accepted}
    variants = {v for entry in glossary.entries for v in entry.variants}
    for row in _rows():
        word = row["zh"]
        assert word_logfreq(word) < 1.5, word
        assert word not in official, word
        assert not [v for v in variants if v in word], word


def test_register_mentions_find_every_occurrence_longest_first():
    words = ("不妨", "职等", "改叙", "叙级")
    text = "大会不妨决定将员额改叙级，按职等。不妨"
    found = [text[a:b] for a, b in register_mentions(words, text)]
    assert found == ["不妨", "改叙", "叙级", "职等", "不妨"]
    assert register_mentions((), text) == []
