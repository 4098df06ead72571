"""Hand-written UN-style documents (tests/data/segment) against their written ground truth."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES

NAMES = list(FIXTURES)


def _main_paragraphs(doc):
    return [p for p in doc.paragraphs if p.number is not None and not (p.section or "").startswith("Annex")]


@pytest.mark.parametrize("name", NAMES)
def test_paragraph_numbers(fixture_docs, name):
    doc, exp = fixture_docs[name]
    assert [p.number for p in _main_paragraphs(doc)] == exp["paragraph_numbers"]
    assert all(p.number is not None for p in doc.paragraphs)


@pytest.mark.parametrize("name", NAMES)
def test_heading_tree(fixture_docs, name):
    doc, exp = fixture_docs[name]
    chapters = [s for s in doc.sections if s.kind == "chapter"]
    assert [(c.label, c.title, c.paragraphs[0], c.paragraphs[-1]) for c in chapters] == [
        (c["label"], c["title"], c["first"], c["last"]) for c in exp["chapters"]]
    sections = [s for s in doc.sections if s.level == 2]
    assert [(s.label, s.title, s.paragraphs[0], s.paragraphs[-1]) for s in sections] == [
        (s["label"], s["title"], s["first"], s["last"]) for s in exp["sections"]]
    subs = [s for s in doc.sections if s.level == 3]
    assert [(s.label, s.title, s.paragraphs[0], s.paragraphs[-1]) for s in subs] == [
        (s["label"], s["title"], s["first"], s["last"]) for s in exp["subheadings"]]


@pytest.mark.parametrize("name", NAMES)
def test_cut_paragraphs_rejoined_exactly(fixture_docs, name):
    doc, exp = fixture_docs[name]
    for number, text in exp["cut_paragraphs"].items():
        para = next(p for p in _main_paragraphs(doc) if p.number == int(number))
        assert para.text == text, number


@pytest.mark.parametrize("name", NAMES)
def test_footnotes(fixture_docs, name):
    doc, exp = fixture_docs[name]
    assert [(f.marker, f.text, f.paragraph) for f in doc.footnotes] == [
        (f["marker"], f["text"], f["paragraph"]) for f in exp["footnotes"]]


@pytest.mark.parametrize("name", NAMES)
def test_sub_items(fixture_docs, name):
    doc, exp = fixture_docs[name]
    got = {str(p.number): [i.label for i in p.items] for p in _main_paragraphs(doc) if p.items}
    assert got == exp["sub_items"]


@pytest.mark.parametrize("name", NAMES)
def test_summary_and_toc_counts(fixture_docs, name):
    doc, exp = fixture_docs[name]
    assert len(doc.summary) == exp["summary_paragraphs"]
    assert len(doc.toc) == exp["toc_entries"]
    if "summary_texts" in exp:
        assert [p.text for p in doc.summary] == exp["summary_texts"]


@pytest.mark.parametrize("name", NAMES)
def test_meta(fixture_docs, name):
    doc, exp = fixture_docs[name]
    meta = doc.meta
    for key in ("symbol", "date", "language", "original_language", "session", "agenda_item", "title",
                "agenda_title", "organ"):
        if key in exp["meta"]:
            assert getattr(meta, key) == exp["meta"][key], key
    if "report_type" in exp["meta"]:
        assert meta.subtitle == exp["meta"]["report_type"]


@pytest.mark.parametrize("name", NAMES)
def test_sentences(fixture_docs, name):
    doc, exp = fixture_docs[name]
    paragraphs = doc.paragraphs
    for number, sentences in exp["sentences"].items():
        para = next(p for p in paragraphs if p.number == int(number))
        assert [s.text for s in para.sentences] == sentences, number


def test_missing_paragraph_is_reported(fixture_docs):
    doc, _ = fixture_docs["zh_noisy"]
    kinds = [(f.kind, f.paragraph) for f in doc.structure_findings]
    assert kinds == [("paragraph_missing", 6)]


def test_annex_restarts_numbering_without_findings(fixture_docs):
    doc, exp = fixture_docs["zh_noisy"]
    annex = [s for s in doc.sections if s.kind == "annex"]
    assert [(a.id, a.title) for a in annex] == [("Annex", exp["annex"]["title"])]
    assert [p.number for p in doc.paragraphs if p.section == "Annex"] == exp["annex"]["paragraph_numbers"]


def test_running_header_and_page_number_between_halves_are_dropped(fixture_docs):
    doc, exp = fixture_docs["zh_noisy"]
    para = next(p for p in doc.paragraphs if p.number == 4)
    assert len(para.spans) == 2
    assert para.text == exp["cut_paragraphs"]["4"]
    between = doc.text[para.spans[0][1]:para.spans[1][0]]
    assert all(noise in between for noise in exp["noise_lines"])


@pytest.mark.parametrize("name", ["zh_report", "en_report"])
def test_toc_agrees_with_body(fixture_docs, name):
    doc, _ = fixture_docs[name]
    assert doc.structure_findings == []
    assert all(e.section for e in doc.toc)
