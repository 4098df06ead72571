"""Validate pipeline/resources/un_glossary.tsv, the data behind the terminology and name detectors.

The file is read here with plain string splitting, not through the product's loader, so that a malformed
file (a stray tab, a quote, a BOM) is caught as data damage rather than hidden by a forgiving parser.
Each check is a small function returning a list of problems; the synthetic-row tests at the bottom show
that every check does fire on the kind of mistake it exists for.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

GLOSSARY = Path(__file__).resolve().parent.parent / "pipeline" / "resources" / "un_glossary.tsv"
HEADER = ["en", "zh", "en_short", "zh_short", "variants", "kind", "source"]
KINDS = {"body", "agency", "department", "mission", "title", "term", "country", "instrument"}
MIN_ROWS = 300
MIN_VARIANT_SHARE = 0.6
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

# Entities the brief names explicitly; losing one of them silently would weaken the name detector.
REQUIRED_EN_SHORT = set(
    [
        "ACABQ",
        "CPC",
        "JIU",
        "OIOS",
        "ICSC",
        "ESCAP",
        "ECA",
        "ECLAC",
        "ESCWA",
        "ECE",
        "UNDP",
        "UNICEF",
        "UNFPA",
        "WFP",
        "UNHCR",
        "UNEP",
        "UN-Habitat",
        "UNODC",
        "UN-Women",
        "UNRWA",
        "UNCTAD",
        "ITC",
        "UNOPS",
        "UNITAR",
        "UNU",
        "FAO",
        "ILO",
        "WHO",
        "UNESCO",
        "IMF",
        "ICAO",
        "IMO",
        "ITU",
        "UPU",
        "WMO",
        "WIPO",
        "IFAD",
        "UNIDO",
        "UNWTO",
        "IAEA",
        "WTO",
        "OPCW",
        "CTBTO",
        "DPPA",
        "DPO",
        "DOS",
        "DMSPC",
        "DESA",
        "DGACM",
        "OCHA",
        "OHCHR",
        "OLA",
        "ODA",
        "DSS",
        "DGC",
        "OICT",
        "UNOG",
        "UNOV",
        "UNON",
        "MONUSCO",
        "UNMISS",
        "MINUSMA",
        "UNIFIL",
        "UNFICYP",
        "UNDOF",
        "MINURSO",
        "UNMIK",
        "UNISFA",
        "UNAMA",
        "UNAMI",
        "UNSOM",
    ]
)
REQUIRED_EN = {
    "Fifth Committee",
    "Board of Auditors",
    "Human Rights Council",
    "World Bank",
    "Secretary-General",
    "Member States",
    "peacekeeping operations",
    "gender mainstreaming",
    "least developed countries",
    "Sustainable Development Goals",
    "programme budget",
    "unliquidated obligations",
    "troop-contributing countries",
    "rule of law",
    "Democratic People's Republic of Korea",
    "Republic of Korea",
    "Côte d'Ivoire",
    "Türkiye",
    "Bolivia (Plurinational State of)",
    "Convention on the Rights of the Child",
    "Office for Disarmament Affairs",
}


def split_variants(field: str) -> list[str]:
    """A ``|``-separated column as a list (the variants, or the zh column's official forms); empty: none."""
    return field.split("|") if field else []


def read_raw(path: Path = GLOSSARY) -> tuple[list[str], list[list[str]]]:
    """Header and data rows, split on newlines and tabs only."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == "", "file must end with a single newline"
    lines = lines[:-1]
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]


def field_problems(rows: list[list[str]]) -> list[str]:
    """Shape and per-field content problems, one message per offending field."""
    problems = []
    for n, row in enumerate(rows, start=2):
        if len(row) != len(HEADER):
            problems.append(f"line {n}: {len(row)} fields, expected {len(HEADER)}")
            continue
        rec = dict(zip(HEADER, row, strict=True))
        for name, value in rec.items():
            if value != value.strip() or "  " in value or "\r" in value:
                problems.append(f"line {n}: stray whitespace in {name} {value!r}")
        for name in ("en", "zh", "kind", "source"):
            if not rec[name]:
                problems.append(f"line {n}: empty {name}")
        if rec["kind"] and rec["kind"] not in KINDS:
            problems.append(f"line {n}: kind {rec['kind']!r} not in {sorted(KINDS)}")
        if HAN.search(rec["en"]) or HAN.search(rec["en_short"]):
            problems.append(f"line {n}: Chinese characters in an English column")
        forms = split_variants(rec["zh"])
        if len(forms) != len(set(forms)):
            problems.append(f"line {n}: repeated official form")
        for name, value in [("zh", form) for form in forms] + [("zh_short", rec["zh_short"])]:
            if value and (not HAN.search(value) or LATIN.search(value) or value != value.strip()):
                problems.append(f"line {n}: {name} {value!r} must be Chinese text")
        if rec["zh_short"] and rec["zh_short"] in forms:
            problems.append(f"line {n}: zh_short repeats zh")
        variants = split_variants(rec["variants"])
        if len(variants) != len(set(variants)):
            problems.append(f"line {n}: repeated variant")
        for v in variants:
            if not v or v != v.strip() or not HAN.search(v) or LATIN.search(v):
                problems.append(f"line {n}: bad variant {v!r}")
            if v in (*forms, rec["zh_short"]):
                problems.append(f"line {n}: variant {v!r} is the official form")
    return problems


def uniqueness_problems(rows: list[list[str]]) -> list[str]:
    """Duplicated English terms, acronyms, Chinese renderings or variants across rows."""
    problems = []
    en_counts = Counter(r[0].casefold() for r in rows)
    problems += [f"duplicate en {en!r}" for en, c in en_counts.items() if c > 1]
    zh_counts = Counter(split_variants(r[1])[0] for r in rows if r[1])
    problems += [f"duplicate zh {zh!r}" for zh, c in zh_counts.items() if c > 1]
    short_counts = Counter(r[2] for r in rows if r[2])
    problems += [f"en_short {s!r} names more than one entry" for s, c in short_counts.items() if c > 1]
    variant_counts = Counter(v for r in rows for v in split_variants(r[4]))
    problems += [f"variant {v!r} listed under more than one entry" for v, c in variant_counts.items() if c > 1]
    return problems


def variant_conflicts(rows: list[list[str]]) -> list[str]:
    """Variants that equal or sit inside any official form, which would flag correct text."""
    official = {form for r in rows for form in (*split_variants(r[1]), r[3]) if form}
    problems = []
    for r in rows:
        for v in split_variants(r[4]):
            hits = sorted(form for form in official if v in form)
            if hits:
                problems.append(f"variant {v!r} of {r[0]!r} occurs inside official form(s) {hits}")
    return problems


@pytest.fixture(scope="module")
def raw() -> tuple[list[str], list[list[str]]]:
    return read_raw()


def test_file_is_plain_utf8_without_bom_or_crlf():
    data = GLOSSARY.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    data.decode("utf-8")


def test_header_is_exact(raw):
    header, _ = raw
    assert header == HEADER


def test_every_field_is_well_formed(raw):
    _, rows = raw
    assert field_problems(rows) == []


def test_terms_renderings_and_variants_are_unique(raw):
    _, rows = raw
    assert uniqueness_problems(rows) == []


def test_no_variant_would_flag_an_official_form(raw):
    _, rows = raw
    assert variant_conflicts(rows) == []


def test_size_and_variant_coverage(raw):
    _, rows = raw
    assert len(rows) >= MIN_ROWS
    with_variants = sum(1 for r in rows if r[4])
    assert with_variants / len(rows) >= MIN_VARIANT_SHARE


def test_every_kind_is_represented(raw):
    _, rows = raw
    assert {r[5] for r in rows} == KINDS


def test_entities_named_in_the_brief_are_present(raw):
    _, rows = raw
    assert REQUIRED_EN_SHORT - {r[2] for r in rows} == set()
    assert REQUIRED_EN - {r[0] for r in rows} == set()


# ---- the checks themselves must be able to fail


GOOD = ["Joint Inspection Unit", "联合检查组", "JIU", "联检组", "联合监察组", "body", "UNTERM"]


def test_field_check_catches_a_missing_source_and_unknown_kind():
    bad = [*GOOD[:5], "committee", ""]
    problems = field_problems([bad])
    assert any("empty source" in p for p in problems)
    assert any("kind 'committee'" in p for p in problems)


def test_field_check_catches_stray_whitespace_and_short_rows():
    padded = [GOOD[0] + " ", *GOOD[1:]]
    assert any("stray whitespace" in p for p in field_problems([padded]))
    assert any("6 fields" in p for p in field_problems([GOOD[:6]]))


def test_field_check_catches_a_variant_equal_to_the_short_form():
    bad = [*GOOD[:4], "联检组|联合监察组", *GOOD[5:]]
    assert any("is the official form" in p for p in field_problems([bad]))


def test_field_check_catches_latin_text_in_chinese_column():
    bad = [GOOD[0], "Joint Inspection Unit", *GOOD[2:]]
    assert any("must be Chinese text" in p for p in field_problems([bad]))


def test_field_check_reads_every_official_form_of_the_zh_column():
    assert field_problems([[GOOD[0], "联合检查组|检查组", *GOOD[2:]]]) == []
    assert any("must be Chinese text" in p for p in field_problems([[GOOD[0], "联合检查组|JIU", *GOOD[2:]]]))
    assert any("is the official form" in p for p in field_problems([[GOOD[0], "联合检查组|联合监察组", *GOOD[2:]]]))
    assert any("inside official form" in p for p in variant_conflicts([[*GOOD[:4], "检查组乙", *GOOD[5:]],
                                                                         [GOOD[0] + " 2", "甲|联合检查组乙", "", "",
                                                                          "", "body", "UNTERM"]]))


def test_uniqueness_check_catches_duplicate_english_ignoring_case():
    other = ["joint inspection unit", "另一个译名", "", "", "", "body", "UNTERM"]
    assert any("duplicate en" in p for p in uniqueness_problems([GOOD, other]))


def test_uniqueness_check_catches_an_acronym_shared_by_two_entries():
    other = ["Joint Implementation Unit", "联合执行股", "JIU", "", "", "body", "UNTERM"]
    assert any("en_short 'JIU'" in p for p in uniqueness_problems([GOOD, other]))


def test_conflict_check_catches_a_variant_inside_another_official_name():
    # "持续发展" is inside the official "可持续发展": listing it would flag every correct occurrence.
    sd = ["sustainable development", "可持续发展", "", "", "", "term", "UNTERM"]
    bad = ["durable development", "持久发展", "", "", "持续发展", "term", "UNTERM"]
    assert variant_conflicts([sd, bad]) != []
    assert variant_conflicts([sd, GOOD]) == []
