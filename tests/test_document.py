from __future__ import annotations

import json

import pytest

from pipeline.document import Alignment, Document, DocumentPair, Flag


def test_example_document_round_trips_through_json_without_loss(example_doc):
    text = example_doc.to_json()
    again = Document.from_json(text)
    assert again == example_doc
    assert again.to_json() == text


def test_round_trip_keeps_tuples_and_nested_types():
    doc = Document(id="d", language="zh", text="文本")
    doc.flags.append(Flag("f1", "garbled", "high", 3, (1, 2), "本", "odd", {"score": 1.5}, "文"))
    pair = DocumentPair(doc, Document(id="e", language="en", text="text"),
                        [Alignment((0,), (0, 1), 0.9)])
    again = DocumentPair.from_dict(json.loads(json.dumps(pair.to_dict())))
    assert again == pair
    assert isinstance(again.alignments[0].tgt, tuple)
    assert isinstance(again.zh.flags[0].span, tuple)


def test_unknown_field_in_json_is_rejected_not_dropped():
    data = Document(id="d", language="zh", text="x").to_dict()
    data["surprise"] = 1
    with pytest.raises(ValueError, match="surprise"):
        Document.from_dict(data)


def test_output_contract_fields_present(example_doc):
    data = example_doc.to_dict()
    for key in ("meta", "paragraphs", "sections", "footnotes", "summary", "toc", "structure_findings"):
        assert key in data
    para = data["paragraphs"][0]
    assert isinstance(para["number"], int) and para["section"] == "I"
    for sent in para["sentences"]:
        assert para["text"][sent["start"]:sent["end"]] == sent["text"]
    section = data["sections"][0]
    assert {"id", "level", "label", "title", "paragraphs"} <= set(section)
    assert {"marker", "text", "paragraph"} <= set(data["footnotes"][0])
