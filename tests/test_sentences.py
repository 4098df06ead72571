from __future__ import annotations

import pytest

from pipeline.sentences import split_sentences, tokenize


def sents(text, lang):
    return [text[s:e] for s, e in split_sentences(text, lang)]


def test_zh_splits_on_full_stops_and_keeps_quotes_whole():
    text = "他说：“必须行动。我们同意。”随后散会！会议结束了吗？是的。"
    assert sents(text, "zh") == ["他说：“必须行动。我们同意。”", "随后散会！", "会议结束了吗？", "是的。"]


def test_zh_brackets_kept_whole():
    text = "见报告（第一章。第二节）。下一句。"
    assert sents(text, "zh") == ["见报告（第一章。第二节）。", "下一句。"]


def test_zh_semicolon_splits_only_before_list_items():
    text = "办法是：将问题纳入主流；查明共同领域。决定：(a) 加倍努力；(b) 通过决定；和(c) 分享信息。"
    assert sents(text, "zh") == ["办法是：将问题纳入主流；查明共同领域。", "决定：(a) 加倍努力；", "(b) 通过决定；",
                                 "和(c) 分享信息。"]


def test_zh_unclosed_quote_does_not_swallow_the_rest():
    text = "他说：“必须行动。" + "这是后面很长的一句话，" * 50 + "结束。下一句。"
    assert sents(text, "zh")[-1] == "下一句。"


@pytest.mark.parametrize("abbrev", ["e.g.", "i.e.", "No.", "Mr.", "U.S.", "paras.", "Corr."])
def test_en_abbreviations_do_not_split(abbrev):
    text = f"The Board cited {abbrev} Smith and others in its decision. It agreed."
    assert len(sents(text, "en")) == 2


def test_en_resolution_reference_and_quote():
    text = ('In resolution 1325 (2000), the Council said “act now.” The Board agreed. '
            "See A/RES/61/16. Next (see para. 4).")
    assert sents(text, "en") == ["In resolution 1325 (2000), the Council said “act now.”", "The Board agreed.",
                                 "See A/RES/61/16.", "Next (see para. 4)."]


def test_en_lowercase_after_period_does_not_split():
    assert len(sents("The figure rose to 3.5 per cent. in 2006 it fell.", "en")) == 1


def test_offsets_point_into_text():
    text = "  第一句。 第二句！\n(a) 第三句；\n"
    for start, end in split_sentences(text, "zh"):
        assert text[start:end] == text[start:end].strip() and text[start:end]


def test_zh_tokens_protect_symbols_numbers_acronyms():
    text = "根据 A/RES/61/16 号决议和第 1325 (2000) 号决议，约 1 000 名 UNDP 工作人员在 2006/07 年增加了 50%。"
    tokens = tokenize(text, "zh")
    for protected in ("A/RES/61/16", "1325 (2000)", "1 000 名", "UNDP", "2006/07 年", "50%"):
        assert protected in tokens
    assert "决议" in tokens


def test_en_tokens():
    tokens = tokenize("The U.S. and E/2007/100, 1,000 staff-members.", "en")
    assert tokens == ["The", "U.S.", "and", "E/2007/100", ",", "1,000", "staff-members", "."]
