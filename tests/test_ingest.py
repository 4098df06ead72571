from __future__ import annotations

import codecs

import pytest

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest import Ingest, new_document, normalize

ZH = (
    "联合国系统行政首长协调理事会审议了全系统协调一致问题，并且同意进一步加强合作。\n"
    "2. 协调会强调必须加强工作人员的能力。\n"
)
EN = "The Board reviewed system-wide coherence and agreed to strengthen cooperation further.\n"


def ingest(path, language="zh", **cfg):
    return Ingest(IngestConfig(**cfg))(new_document(path, language))


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
     ("utf-16-be", codecs.BOM_UTF16_BE), ("gbk", b""), ("gb18030", b"")],
)
def test_reads_every_supported_encoding(tmp_path, encoding, prefix):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(prefix + ZH.encode(encoding))
    doc = ingest(path)
    assert doc.text == ZH
    assert doc.language == "zh"


def test_gb18030_only_characters_survive(tmp_path):
    text = ZH + "㐀䶵 are rare Han characters outside GBK.\n"
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode("gb18030"))
    assert "㐀䶵" in ingest(path).text


def test_bomless_utf16_is_recognised(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(EN.encode("utf-16-le"))
    assert ingest(path, "en").text == EN


def test_normalisation_keeps_full_width_punctuation_and_composes_nfc():
    raw = "行政首长协调会（协调会）：同意，“一个联合国”。\r\nCafe\u0301\rline\fnext  \n"
    text = normalize(raw)
    assert "（协调会）：同意，“一个联合国”。" in text
    assert "Café" in text and "\r" not in text and "\f" not in text
    assert "line\n\nnext\n" in text


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n\n \t\n", "empty"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe\x00" * 20, "binary"),
        ("Caf\u00e9 r\u00e9sum\u00e9 na\u00efve fa\u00e7ade".encode("latin-1") * 5, "undecodable"),
        (ZH.encode("utf-8")[:-2], "truncated"),
        (EN.encode("utf-8") * 3, "not mainly Chinese"),
        ("これは日本語の文書です。国際連合の報告書を読みます。".encode() * 3, "Japanese"),
        (b"12345 67890 ... !!! ---", "too little text"),
    ],
    ids=["empty", "whitespace", "binary", "latin1", "truncated-utf8", "english-for-zh", "japanese", "no-letters"],
)
def test_refuses_bad_chinese_input_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        ingest(path)
    assert "\n" not in str(info.value)


def test_refuses_chinese_where_english_is_expected(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_text(ZH * 3, encoding="utf-8")
    with pytest.raises(InputError, match="not mainly English"):
        ingest(path, "en")


def test_refuses_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        ingest(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="folder"):
        ingest(tmp_path)


def test_refuses_file_over_size_limit_and_names_the_setting(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(ZH * 100, encoding="utf-8")
    with pytest.raises(InputError, match=r"max_bytes"):
        ingest(path, max_bytes=1000)


def test_auto_language_detects_both(tmp_path):
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text(ZH, encoding="utf-8")
    en.write_text(EN, encoding="utf-8")
    assert ingest(zh, "auto").language == "zh"
    assert ingest(en, "auto").language == "en"
