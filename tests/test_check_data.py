"""Validate the clean corpora for the check stage in tests/data/check/.

``dev_parallel.json``, ``dev2_parallel.json`` and ``dev3_parallel.json`` are the tuning corpora;
``fresh_parallel.json`` and ``fresh2_parallel.json`` are the second and third held-out test corpora, written after
the detectors were tuned and never used for tuning. Each corpus is a defect-free reference into which defects are
injected, so a mistake in it (a number that differs between the two languages, a sentence left out of the links,
ASCII punctuation in the Chinese) would teach the detectors to accept exactly what they should flag. Each
validator returns a list of problems; the data tests, run once per corpus, assert that list is empty, and the
small unit tests below show that every validator does report a planted fault.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
DEV = DATA / "check" / "dev_parallel.json"
DEV_TERMS = DATA / "check" / "dev_parallel_terms.json"
FRESH = DATA / "check" / "fresh_parallel.json"
FRESH_TERMS = DATA / "check" / "fresh_parallel_terms.json"
DEV2 = DATA / "check" / "dev2_parallel.json"
DEV2_TERMS = DATA / "check" / "dev2_parallel_terms.json"
DEV3 = DATA / "check" / "dev3_parallel.json"
DEV3_TERMS = DATA / "check" / "dev3_parallel_terms.json"
FRESH2 = DATA / "check" / "fresh2_parallel.json"
FRESH2_TERMS = DATA / "check" / "fresh2_parallel_terms.json"
HELD_OUT = DATA / "align" / "un_parallel.json"
# name -> (corpus, glossary): the corpora the data tests below run on.
CORPORA = {"dev": (DEV, DEV_TERMS), "dev2": (DEV2, DEV2_TERMS), "dev3": (DEV3, DEV3_TERMS),
           "fresh": (FRESH, FRESH_TERMS), "fresh2": (FRESH2, FRESH2_TERMS)}

DOC_KEYS = {"id", "topic", "title_en", "title_zh", "paragraphs"}
PARA_KEYS = {"number", "chapter", "en", "zh", "links"}
CHAPTER_KEYS = {"label_en", "label_zh", "title_en", "title_zh"}
ROMAN = ["I.", "II.", "III.", "IV.", "V.", "VI."]
CHINESE_LABELS = ["一.", "二.", "三.", "四.", "五.", "六."]
MIN_SENTENCES, MAX_SENTENCES = 3, 6
MIN_ZH_CHARS = {"dev": 6000, "dev2": 6000, "dev3": 6000, "fresh": 6500, "fresh2": 6500}

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
FULL_WIDTH_PUNCT = "，。；：、（）《》“”！？"
MONTHS = {name: i for i, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
# Chinese groups thousands with spaces ("1 987", "3 200 万"); "多" may sit between the number and 万/亿 ("120 多万").
ZH_NUMBER = re.compile(r"(\d{1,3}(?: \d{3})+|\d+)(\.\d+)?(?: 多?([万亿]))?")
EN_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s+(million|billion))?")
MULTIPLIER = {None: 1, "万": 10**4, "亿": 10**8, "million": 10**6, "billion": 10**9}
# The official Chinese name of COVID-19 is "2019 冠状病毒病": its 2019 has no counterpart in the English.
ZH_NAME_WITH_NUMBER = re.compile(r"2019 (?=冠状病毒病)")


def load(path: Path = DEV) -> list[dict]:
    """Read a corpus file (a JSON list of documents)."""
    return json.loads(path.read_text(encoding="utf-8"))


def paragraphs(docs: list[dict]) -> Iterable[tuple[str, dict]]:
    """Yield (document id, paragraph) for every paragraph of every document."""
    for doc in docs:
        for para in doc["paragraphs"]:
            yield doc["id"], para


# --- validators: each returns a list of human-readable problems -------------------------------------------


def schema_problems(docs: list[dict]) -> list[str]:
    """Keys, paragraph numbering, chapter labels and sentence counts."""
    problems = []
    if not isinstance(docs, list) or len(docs) < 5:
        return ["the file must be a list of at least 5 documents"]
    ids = [doc.get("id") for doc in docs]
    if len(set(ids)) != len(ids):
        problems.append(f"duplicate document ids: {ids}")
    for doc in docs:
        if set(doc) != DOC_KEYS:
            problems.append(f"{doc.get('id')}: keys {sorted(doc)} != {sorted(DOC_KEYS)}")
            continue
        if not all(isinstance(doc[k], str) and doc[k].strip() for k in DOC_KEYS - {"paragraphs"}):
            problems.append(f"{doc['id']}: empty id, topic or title")
        numbers = [p.get("number") for p in doc["paragraphs"]]
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"{doc['id']}: paragraph numbers {numbers} do not run 1..N")
        chapters = [p["chapter"] for p in doc["paragraphs"] if "chapter" in p]
        if not doc["paragraphs"] or "chapter" not in doc["paragraphs"][0]:
            problems.append(f"{doc['id']}: the first paragraph must open a chapter")
        for i, chapter in enumerate(chapters):
            if set(chapter) != CHAPTER_KEYS:
                problems.append(f"{doc['id']}: chapter keys {sorted(chapter)}")
            elif (chapter["label_en"], chapter["label_zh"]) != (ROMAN[i], CHINESE_LABELS[i]):
                problems.append(f"{doc['id']}: chapter {i + 1} labelled {chapter['label_en']} / {chapter['label_zh']}")
        for para in doc["paragraphs"]:
            where = f"{doc['id']} ¶{para.get('number')}"
            if not set(para) <= PARA_KEYS or not {"number", "en", "zh", "links"} <= set(para):
                problems.append(f"{where}: keys {sorted(para)}")
                continue
            for side in ("en", "zh"):
                sentences = para[side]
                if not all(isinstance(s, str) and s.strip() for s in sentences):
                    problems.append(f"{where}: empty {side} sentence")
                if not MIN_SENTENCES <= len(sentences) <= MAX_SENTENCES:
                    want = f"{MIN_SENTENCES}-{MAX_SENTENCES}"
                    problems.append(f"{where}: {len(sentences)} {side} sentences (want {want})")
    return problems


def link_problems(docs: list[dict]) -> list[str]:
    """Links are [en_indices, zh_indices] runs, in order, covering every sentence of each side exactly once."""
    problems = []
    for doc_id, para in paragraphs(docs):
        where = f"{doc_id} ¶{para['number']}"
        en_seen: list[int] = []
        zh_seen: list[int] = []
        for link in para["links"]:
            if len(link) != 2 or not link[0] or not link[1]:
                problems.append(f"{where}: link {link} must have two non-empty sides")
                continue
            for side in link:
                if side != list(range(side[0], side[0] + len(side))) or len(side) > 2:
                    problems.append(f"{where}: link side {side} is not a run of 1-2 consecutive indices")
            en_seen += link[0]
            zh_seen += link[1]
        if en_seen != list(range(len(para["en"]))):
            problems.append(f"{where}: en indices covered {en_seen}, want 0..{len(para['en']) - 1} once each")
        if zh_seen != list(range(len(para["zh"]))):
            problems.append(f"{where}: zh indices covered {zh_seen}, want 0..{len(para['zh']) - 1} once each")
    return problems


def link_kinds(docs: list[dict]) -> dict[str, int]:
    """Count links by kind, e.g. {"1-1": 210, "1-2": 14}; the kind is en count - zh count."""
    kinds: dict[str, int] = {}
    for _, para in paragraphs(docs):
        for en, zh in para["links"]:
            kind = f"{len(en)}-{len(zh)}"
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def script_problems(docs: list[dict]) -> list[str]:
    """Chinese is over 90% Han per document and mostly Han per sentence; English is Latin with no Han at all."""
    problems = []
    for doc in docs:
        zh = "".join(s for p in doc["paragraphs"] for s in p["zh"])
        if len(HAN.findall(zh)) < 0.9 * len(HAN.findall(zh) + LATIN.findall(zh)):
            problems.append(f"{doc['id']}: under 90% of the letters in the Chinese are Han")
    for doc_id, para in paragraphs(docs):
        where = f"{doc_id} ¶{para['number']}"
        for s in para["zh"]:
            han, latin = len(HAN.findall(s)), len(LATIN.findall(s))
            if han <= latin or han < 8:
                problems.append(f"{where}: zh sentence is not mostly Han: {s!r}")
        for s in para["en"]:
            if HAN.search(s) or len(LATIN.findall(s)) < 0.6 * len(s.replace(" ", "")):
                problems.append(f"{where}: en sentence is not Latin text: {s!r}")
    return problems


def zh_typography_problems(docs: list[dict]) -> list[str]:
    """UN Chinese layout: full-width punctuation, ASCII brackets only in "(a)" labels, spaces around Latin/digits."""
    problems = []
    texts = [(f"{d['id']} title", d["title_zh"]) for d in docs]
    texts += [(f"{i} ¶{p['number']}", s) for i, p in paragraphs(docs) for s in p["zh"]]
    for where, s in texts:
        bare = re.sub(r"(?<![^；：\s])\([a-z]\) (?=\S)", "", s)
        if re.search(r"[,;:?!()]", bare):
            problems.append(f"{where}: ASCII punctuation in Chinese: {s!r}")
        if re.search(r"[\u4e00-\u9fff][A-Za-z0-9]|[A-Za-z0-9%][\u4e00-\u9fff]", s):
            problems.append(f"{where}: no space between Han and Latin/digits: {s!r}")
        if re.search(f" [{FULL_WIDTH_PUNCT}]|[{FULL_WIDTH_PUNCT}] ", s) or "  " in s or s != s.strip():
            problems.append(f"{where}: stray space: {s!r}")
        for match in re.finditer(" ", s):
            left, right = s[match.start() - 1], s[match.end()]
            if not (re.match(r"[A-Za-z0-9%)]", left) or re.match(r"[A-Za-z0-9]", right)):
                problems.append(f"{where}: space between two Han characters: {s!r}")
        if re.search(r"\d{5,}", s):
            problems.append(f"{where}: 5+ digit number without space grouping: {s!r}")
        for opening, closing in ("（）", "《》", "“”"):
            if s.count(opening) != s.count(closing):
                problems.append(f"{where}: unbalanced {opening}{closing}: {s!r}")
        if where.endswith("title"):
            continue
        if s[-1] not in "。！？" or re.search("[。！？].", s):
            problems.append(f"{where}: a zh sentence must end, and only end, with 。！？: {s!r}")
    return problems


def en_typography_problems(docs: list[dict]) -> list[str]:
    """One sentence per element, ASCII punctuation, balanced brackets and quotes."""
    problems = []
    for doc_id, para in paragraphs(docs):
        where = f"{doc_id} ¶{para['number']}"
        for s in para["en"]:
            if s[-1] not in ".!?" or re.search(r"[a-z)][.!?] +[A-Z]", s):
                problems.append(f"{where}: an en sentence must end, and only end, with .!?: {s!r}")
            if re.search(f"[{FULL_WIDTH_PUNCT}]", s) or "  " in s or s != s.strip():
                problems.append(f"{where}: full-width punctuation or stray space: {s!r}")
            if s.count("(") != s.count(")") or s.count('"') % 2:
                problems.append(f"{where}: unbalanced brackets or quotes: {s!r}")
    return problems


def zh_numbers(text: str) -> set[Decimal]:
    """Values of the Arabic numbers in Chinese text, 万/亿 applied ("2 500 万" -> 25000000)."""
    text = ZH_NAME_WITH_NUMBER.sub("", text)
    values = set()
    for whole, fraction, unit in ZH_NUMBER.findall(text):
        values.add((Decimal(whole.replace(" ", "") + fraction) * MULTIPLIER[unit or None]).normalize())
    return values


def en_numbers(text: str) -> set[Decimal]:
    """Values of the Arabic numbers in English text, million/billion applied ("$2.4 billion" -> 2400000000)."""
    values = set()
    for whole, fraction, unit in EN_NUMBER.findall(text):
        values.add((Decimal(whole.replace(",", "") + fraction) * MULTIPLIER[unit or None]).normalize())
    return values


def en_months(text: str) -> set[Decimal]:
    """Month numbers of English month names: "30 June 2021" is printed "2021 年 6 月 30 日" in Chinese."""
    return {Decimal(number) for name, number in MONTHS.items() if re.search(rf"\b{name}\b", text)}


def number_problems(docs: list[dict]) -> list[str]:
    """Within each link, the Chinese numbers equal the English ones (month names count as their number)."""
    problems = []
    for doc_id, para in paragraphs(docs):
        for en_idx, zh_idx in para["links"]:
            en = " ".join(para["en"][i] for i in en_idx)
            zh = " ".join(para["zh"][i] for i in zh_idx)
            zh_values, en_values = zh_numbers(zh), en_numbers(en)
            extra = zh_values - en_values - en_months(en)
            missing = en_values - zh_values
            if extra or missing:
                problems.append(f"{doc_id} ¶{para['number']} link {en_idx}-{zh_idx}: only in zh "
                                f"{sorted(map(str, extra))}, only in en {sorted(map(str, missing))}")
    return problems


def shared_text_problems(docs: list[dict], held_out: list[dict], n: int = 15,
                         other: str = "the held-out set") -> list[str]:
    """``docs`` shares no Chinese sentence and no run of ``n`` English words with ``held_out`` (named ``other``).

    Shorter runs are allowed: official names and closing formulas ("may wish to take note of the present
    report") recur in any two UN reports.
    """
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    held_zh = {s for _, p in paragraphs(held_out) for s in p["zh"]}
    held_en = set().union(*(shingles(s) for _, p in paragraphs(held_out) for s in p["en"]))
    problems = []
    for doc_id, para in paragraphs(docs):
        for s in para["zh"]:
            if s in held_zh:
                problems.append(f"{doc_id} ¶{para['number']}: zh sentence also in {other}: {s!r}")
        for s in para["en"]:
            common = shingles(s) & held_en
            if common:
                problems.append(f"{doc_id} ¶{para['number']}: {' '.join(sorted(common)[0])!r} also in {other}")
    return problems


def term_problems(docs: list[dict], terms: dict[str, list[dict]]) -> list[str]:
    """Every glossary entry occurs in its document, short forms in the "Full Name (ABBR)" / "全称（简称）" pattern."""
    problems = []
    by_id = {doc["id"]: doc for doc in docs}
    if set(terms) != set(by_id):
        return [f"term lists for {sorted(terms)}, documents {sorted(by_id)}"]
    for doc_id, entries in terms.items():
        en = " ".join(s for p in by_id[doc_id]["paragraphs"] for s in p["en"])
        zh = "".join(s for p in by_id[doc_id]["paragraphs"] for s in p["zh"]).replace("《", "").replace("》", "")
        for entry in entries:
            if set(entry) != {"en", "zh", "en_short", "zh_short"}:
                problems.append(f"{doc_id}: entry keys {sorted(entry)}")
                continue
            if entry["en"].lower() not in en.lower() and not (entry["en_short"] and entry["en_short"] in en):
                problems.append(f"{doc_id}: {entry['en']!r} not in the English")
            if entry["zh"] not in zh and not (entry["zh_short"] and entry["zh_short"] in zh):
                problems.append(f"{doc_id}: {entry['zh']!r} not in the Chinese")
            if entry["en_short"] and f"{entry['en']} ({entry['en_short']})".lower() not in en.lower():
                problems.append(f"{doc_id}: no first mention {entry['en']} ({entry['en_short']})")
            if entry["zh_short"] and f"{entry['zh']}（{entry['zh_short']}）" not in zh:
                problems.append(f"{doc_id}: no first mention {entry['zh']}（{entry['zh_short']}）")
    return problems


# --- the data ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return load()


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(request) -> tuple[str, list[dict]]:
    """(name, documents) of each clean corpus in turn: the three tuning sets and the two fresh held-out sets."""
    return request.param, load(CORPORA[request.param][0])


def test_schema_matches_the_align_corpus(corpus):
    _, docs = corpus
    assert schema_problems(docs) == []
    held_out = load(HELD_OUT)
    assert set(docs[0]) == set(held_out[0])
    assert {k for _, p in paragraphs(docs) for k in p} == {k for _, p in paragraphs(held_out) for k in p}


def test_links_cover_every_sentence_once(corpus):
    assert link_problems(corpus[1]) == []


def test_links_are_mostly_one_to_one_with_some_merges_and_splits(corpus):
    kinds = link_kinds(corpus[1])
    total = sum(kinds.values())
    assert set(kinds) <= {"1-1", "1-2", "2-1", "2-2"}
    assert 0.7 * total <= kinds["1-1"] <= 0.95 * total
    assert kinds.get("1-2", 0) >= 5 and kinds.get("2-1", 0) >= 5


def test_scripts(corpus):
    assert script_problems(corpus[1]) == []


def test_enough_chinese_text(corpus):
    name, docs = corpus
    chars = sum(len(HAN.findall(s)) for _, p in paragraphs(docs) for s in p["zh"])
    assert chars >= MIN_ZH_CHARS[name]


def test_zh_typography(corpus):
    assert zh_typography_problems(corpus[1]) == []


def test_en_typography(corpus):
    assert en_typography_problems(corpus[1]) == []


def test_numbers_agree_within_every_link(corpus):
    assert number_problems(corpus[1]) == []


def test_no_text_shared_with_the_held_out_set_or_the_other_corpus(corpus):
    """Each corpus is disjoint from un_parallel.json and from every other corpus of tests/data/check/."""
    name, docs = corpus
    others = {"the held-out set": load(HELD_OUT)}
    others |= {f"the {other} corpus": load(CORPORA[other][0]) for other in CORPORA if other != name}
    for other_name, other_docs in others.items():
        assert shared_text_problems(docs, other_docs, other=other_name) == []
        assert not {d["id"] for d in docs} & {d["id"] for d in other_docs}
        assert not {d["title_en"] for d in docs} & {d["title_en"] for d in other_docs}
        assert not {d["title_zh"] for d in docs} & {d["title_zh"] for d in other_docs}


def test_glossary_entries_occur_in_their_documents(corpus):
    name, docs = corpus
    terms = json.loads(CORPORA[name][1].read_text(encoding="utf-8"))
    assert term_problems(docs, terms) == []
    assert sum(len(v) for v in terms.values()) >= 60


# --- the validators catch planted faults ---------------------------------------------------------------------


def _first_link_with_numbers(docs: list[dict]) -> tuple[dict, int]:
    for _, para in paragraphs(docs):
        for link in para["links"]:
            if zh_numbers(para["zh"][link[1][0]]):
                return para, link[1][0]
    raise AssertionError("no Chinese sentence with a number")


def test_number_check_reports_a_changed_number(dev):
    docs = copy.deepcopy(dev)
    para, i = _first_link_with_numbers(docs)
    para["zh"][i] = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), para["zh"][i], count=1)
    assert len(number_problems(docs)) == 1


@pytest.mark.parametrize(("zh", "en", "ok"), [
    ("支出为 2.494 亿美元。", "Expenditure was $249.4 million.", True),
    ("共 2 500 万美元。", "A total of $25 million.", True),
    ("120 多万发弹药。", "More than 1.2 million rounds.", True),
    ("2021 年 6 月 30 日，占 61%。", "On 30 June 2021, 61 per cent.", True),
    ("2019 冠状病毒病（COVID-19）大流行。", "The COVID-19 pandemic.", True),
    ("共 250 万美元。", "A total of $25 million.", False),
    ("截至 2021 年 7 月 30 日。", "As at 30 June 2021.", False),
    ("其中 61% 派驻外地。", "Of those, 71 per cent were in the field.", False),
])
def test_number_check_on_small_pairs(zh, en, ok):
    docs = [{"id": "t", "paragraphs": [{"number": 1, "en": [en], "zh": [zh], "links": [[[0], [0]]]}]}]
    assert (number_problems(docs) == []) is ok


def test_link_check_reports_a_dropped_or_doubled_sentence(dev):
    docs = copy.deepcopy(dev)
    docs[0]["paragraphs"][0]["links"].pop()
    docs[1]["paragraphs"][0]["links"][0][1] = [0, 1]
    problems = link_problems(docs)
    assert len(problems) == 2 and "en indices" in problems[0] and "zh indices" in problems[1]


@pytest.mark.parametrize("bad", [
    "根据第 75/125 号决议,提交本报告。",
    "根据第75/125 号决议提交本报告。",
    "根据第 75/125 号决议提交本报告 。",
    "预算为 113000 美元，已提交本报告。",
    "本报告（见 A/76/7 提交。",
    "本报告已经提交。并已分发。",
    "根据 (第 75/125 号) 决议提交本报告。",
    "根据第 75/125 号决议提交 本报告。",
])
def test_zh_typography_check_reports_layout_faults(bad):
    docs = [{"id": "t", "title_zh": "标题", "paragraphs": [{"number": 1, "zh": [bad]}]}]
    assert zh_typography_problems(docs)


def test_zh_typography_check_accepts_un_layout():
    good = "秘书长建议会员国：(a) 批准《公约》；(b) 提供 2 500 万美元，即 96.6% 的“BSAFE”经费（A/76/7）。"
    docs = [{"id": "t", "title_zh": "第 1973（2011）号决议", "paragraphs": [{"number": 1, "zh": [good]}]}]
    assert zh_typography_problems(docs) == []


def test_shared_text_check_reports_copied_sentences(dev):
    held_out = load(HELD_OUT)
    docs = copy.deepcopy(dev)
    docs[0]["paragraphs"][0]["en"][0] = held_out[0]["paragraphs"][0]["en"][0]
    docs[0]["paragraphs"][0]["zh"][0] = held_out[0]["paragraphs"][0]["zh"][0]
    assert len(shared_text_problems(docs, held_out)) == 2


def test_schema_check_reports_bad_numbering_and_sentence_counts(dev):
    docs = copy.deepcopy(dev)
    docs[0]["paragraphs"][1]["number"] = 5
    docs[1]["paragraphs"][0]["en"] = docs[1]["paragraphs"][0]["en"][:2]
    problems = schema_problems(docs)
    assert any("do not run 1..N" in p for p in problems) and any("2 en sentences" in p for p in problems)


def test_glossary_check_reports_a_term_missing_from_its_document(dev):
    terms = json.loads(DEV_TERMS.read_text(encoding="utf-8"))
    first = next(iter(terms))
    terms[first][0] = {"en": "Trusteeship Council", "zh": "托管理事会", "zh_short": None, "en_short": None}
    terms[first][1] = dict(terms[first][1], zh_short="简称", en_short="ABBR")
    problems = term_problems(dev, terms)
    assert len(problems) == 4 and all(p.startswith(first) for p in problems)
