"""Defect injector: corrupts copies of clean bilingual UN-style documents with labelled defects.

Input: a parallel corpus in the ``tests/data/align/un_parallel.json`` schema (documents → numbered
paragraphs → English and Chinese sentences + gold links). Output: for each (document, seed), the
Chinese paragraphs with defects written in, the untouched English, and one label per defect: type,
paragraph index, [start, end) in the corrupted paragraph text, the text there and how it was made.

At most one defect per paragraph, so labels never overlap. Kinds (chosen at random among those that
apply to the paragraph):

- garbled: ``insert`` 2-3 characters drawn from the corpus; ``swap`` two characters of a word;
  ``replace`` one character of a word by another; ``duplicate`` a character or word; ``negation``
  (不 inserted before a verb after 将/已/应/可/会/能/正在).
- number: change an Arabic digit, a Chinese numeral, a percentage, a date's day or month, 万↔亿, a
  resolution number (the English keeps the original).
- terminology / name: an official rendering replaced by a non-standard variant from the glossary
  (``variant``), or by the official rendering of another body of the same kind (``wrong_entity``).
- omission: a whole sentence (from paragraphs with ≥2 sentences) or a clause between two commas
  removed; the label spans the sentence before the gap (paragraph-level match).
- addition: a Chinese sentence from another document inserted.
- form: a full-width comma or bracket turned half-width; a closing bracket or quote deleted (label: its
  opener); 3-6 words of the aligned English left untranslated.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline import numbers as num
from pipeline.glossary import Glossary, load_glossary

ROOT = Path(__file__).resolve().parent.parent
TEST_CORPUS = ROOT / "tests" / "data" / "align" / "un_parallel.json"
DEV_CORPUS = ROOT / "tests" / "data" / "check" / "dev_parallel.json"
DEV2_CORPUS = ROOT / "tests" / "data" / "check" / "dev2_parallel.json"
"""More tuning documents (dev16-dev20, session 11), in their own file so that the injected copies of dev1-dev15
(the injector draws from the whole file) and the scorer fitted on them stay exactly reproducible."""
DEV3_CORPUS = ROOT / "tests" / "data" / "check" / "dev3_parallel.json"
"""Tuning documents dev21-dev25 (session 12), in their own file for the same reason."""
FRESH_CORPUS = ROOT / "tests" / "data" / "check" / "fresh_parallel.json"
"""A second held-out corpus, written after the detectors were tuned (``tests/data/check/README.md``)."""
FRESH2_CORPUS = ROOT / "tests" / "data" / "check" / "fresh2_parallel.json"
"""A third held-out corpus, written in session 11 after all tuning and never used for it (same README)."""
TYPES = ("garbled", "number", "terminology", "omission", "addition", "form")
WEIGHTS = {"garbled": 3, "number": 2, "terminology": 2, "omission": 1, "addition": 1, "form": 1}
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Label:
    type: str
    kind: str
    index: int
    start: int
    end: int
    text: str
    original: str = ""


@dataclass
class Corrupted:
    name: str
    seed: int
    zh: list[list[str]]
    """Chinese sentences per paragraph, after injection."""
    en: list[list[str]]
    labels: list[Label]

    def to_dict(self) -> dict:
        return {"name": self.name, "seed": self.seed, "labels": [asdict(x) for x in self.labels]}


def clean(doc: dict) -> Corrupted:
    """The document as written (seed 0, no labels): the clean text every false-flag rate is counted on."""
    return Corrupted(doc["id"], 0, [list(p["zh"]) for p in doc["paragraphs"]],
                     [list(p["en"]) for p in doc["paragraphs"]], [])


def load_corpus(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def char_pool(corpus: list[dict]) -> list[str]:
    """Every Chinese character of the corpus, with repetition (draws follow corpus frequency)."""
    return [c for doc in corpus for p in doc["paragraphs"] for s in p["zh"] for c in s if HAN.match(c)]


def inject(doc: dict, seed: int, corpus: list[dict], glossary: Glossary | None = None,
           rate: float = 0.85, weights: dict[str, int] | None = None) -> Corrupted:
    """One corrupted copy of ``doc``: each paragraph gets a defect with probability ``rate``; ``weights``
    (default ``WEIGHTS``) says how often each type is tried first (training data for one detector can ask
    for that type alone: the others are then only used where it cannot be made)."""
    weights = weights or WEIGHTS
    rng = random.Random(f"{doc['id']}:{seed}")
    glossary = glossary or load_glossary()
    pool = char_pool(corpus)
    others = [s for d in corpus if d["id"] != doc["id"] for p in d["paragraphs"] for s in p["zh"] if len(s) > 15]
    zh = [list(p["zh"]) for p in doc["paragraphs"]]
    en = [list(p["en"]) for p in doc["paragraphs"]]
    labels: list[Label] = []
    for index, para in enumerate(doc["paragraphs"]):
        if rng.random() > rate:
            continue
        order = rng.choices(TYPES, weights=[weights.get(t, 0) for t in TYPES], k=12)
        order += [t for t in TYPES if t not in order]
        for kind in order:
            made = _INJECTORS[kind](zh[index], en[index], para, rng, pool, others, glossary)
            if made is not None:
                sent, start, end, sub, original = made
                offset = sum(len(s) for s in zh[index][:sent])
                text = "".join(zh[index])[offset + start:offset + end]
                labels.append(Label(_label_type(kind, sub, glossary), sub, index, offset + start, offset + end,
                                    text, original))
                break
    return Corrupted(doc["id"], seed, zh, en, labels)


def _label_type(kind: str, sub: str, glossary: Glossary) -> str:
    if kind == "terminology":
        return "name" if sub.startswith("name:") else "terminology"
    return kind


# Each injector edits ``sents`` in place and returns (sentence index, start, end, sub-kind, original text),
# offsets into the edited sentence, or None when the paragraph offers nothing to corrupt.

def _han_positions(text: str) -> list[int]:
    guard = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z0-9/().,%\s]+", text)]
    return [i for i, c in enumerate(text) if HAN.match(c) and not any(s <= i < e for s, e in guard)]


def _garbled(sents, en, para, rng, pool, others, glossary):
    import jieba

    k = rng.randrange(len(sents))
    s = sents[k]
    sub = rng.choice(["insert", "insert", "swap", "replace", "duplicate", "negation"])
    words, pos = [], 0
    for w in jieba.lcut(s, HMM=False):
        words.append((pos, w))
        pos += len(w)
    han_words = [(p, w) for p, w in words if all(HAN.match(c) for c in w)]
    if sub == "insert":
        spots = [i for i in _han_positions(s) if i > 0]
        if not spots:
            return None
        at = rng.choice(spots)
        junk = "".join(rng.choice(pool) for _ in range(rng.choice([2, 3])))
        sents[k] = s[:at] + junk + s[at:]
        return k, at, at + len(junk), sub, ""
    if sub == "swap":
        cands = [(p, w) for p, w in han_words if len(w) == 2 and w[0] != w[1]]
        if not cands:
            return None
        p, w = rng.choice(cands)
        sents[k] = s[:p] + w[::-1] + s[p + 2:]
        return k, p, p + 2, sub, w
    if sub == "replace":
        cands = [(p, w) for p, w in han_words if len(w) >= 2]
        if not cands:
            return None
        p, w = rng.choice(cands)
        j = rng.randrange(len(w))
        new = rng.choice([c for c in pool[:5000] if c != w[j]])
        sents[k] = s[:p + j] + new + s[p + j + 1:]
        return k, p + j, p + j + 1, sub, w[j]
    if sub == "duplicate":
        cands = [(p, w) for p, w in han_words if len(w) <= 2]
        if not cands:
            return None
        p, w = rng.choice(cands)
        sents[k] = s[:p + len(w)] + w + s[p + len(w):]
        return k, p + len(w), p + 2 * len(w), sub, ""
    spots = [m.end() for m in re.finditer(r"(?:将|已|应|可|会|能|正在)(?=[\u4e00-\u9fff]{2})", s)]
    if not spots:
        return None
    at = rng.choice(spots)
    sents[k] = s[:at] + "不" + s[at:]
    return k, at, at + 1, sub, ""


def _number(sents, en, para, rng, pool, others, glossary):
    cands = [(k, m) for k, s in enumerate(sents) for m in num.zh_mentions(s) if not m.soft]
    if not cands:
        return None
    k, m = rng.choice(cands)
    s = sents[k]
    text = m.text
    new = None
    if m.kind == "symbol":
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if digits:
            i = digits[-1]
            new = text[:i] + str((int(text[i]) + rng.randint(1, 8)) % 10) + text[i + 1:]
    elif m.kind == "date":
        parts = re.findall(r"\d+", text)
        if len(parts) >= 2:
            last = parts[-1]
            bump = str(int(last) + 1) if int(last) < 28 else str(int(last) - 1)
            i = text.rfind(last)
            new = text[:i] + bump + text[i + len(last):]
        elif parts:
            i = text.find(parts[0])
            new = text[:i] + str(int(parts[0]) + rng.choice([-1, 1])) + text[i + len(parts[0]):]
    elif ("万" in text or "亿" in text) and rng.random() < 0.4:
        new = text.replace("万", "亿") if "万" in text else text.replace("亿", "万")
    else:
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if digits:
            i = rng.choice(digits)
            new = text[:i] + str((int(text[i]) + rng.randint(1, 8)) % 10) + text[i + 1:]
            if new.lstrip()[:1] == "0":
                new = None
        else:
            zh_digits = [i for i, c in enumerate(text) if c in "一二三四五六七八九"]
            if zh_digits:
                i = rng.choice(zh_digits)
                new = text[:i] + rng.choice([c for c in "二三四五六七八九" if c != text[i]]) + text[i + 1:]
    if not new or new == text:
        return None
    sents[k] = s[:m.start] + new + s[m.end:]
    return k, m.start, m.start + len(new), m.kind, text


def _terminology(sents, en, para, rng, pool, others, glossary):
    found = []
    for k, s in enumerate(sents):
        for entry in glossary.entries:
            if len(entry.zh) < 2:
                continue
            for m in re.finditer(re.escape(entry.zh), s):
                found.append((k, m.start(), m.end(), entry))
    if not found:
        return None
    k, a, b, entry = rng.choice(found)
    same_kind = [e for e in glossary.entries if e.kind == entry.kind and e.zh != entry.zh and entry.zh not in e.zh
                 and e.zh not in entry.zh]
    if entry.variants and (rng.random() < 0.7 or not same_kind):
        new = rng.choice(entry.variants)
        sub = "variant"
    elif same_kind:
        new = rng.choice(same_kind).zh
        sub = "wrong_entity"
    else:
        return None
    prefix = "name:" if entry.flag_type == "name" else "term:"
    s = sents[k]
    sents[k] = s[:a] + new + s[b:]
    return k, a, a + len(new), prefix + sub, entry.zh


def _omission(sents, en, para, rng, pool, others, glossary):
    if len(sents) >= 2 and rng.random() < 0.6:
        k = rng.randrange(len(sents))
        removed = sents.pop(k)
        near = k - 1 if k > 0 else 0
        return near, 0, len(sents[near]), "sentence", removed
    clauses = [(k, m.start(), m.end()) for k, s in enumerate(sents)
               for m in re.finditer(r"，[^，。；]{10,}(?=，)", s)]
    if not clauses:
        return None
    k, a, b = rng.choice(clauses)
    removed = sents[k][a:b]
    sents[k] = sents[k][:a] + sents[k][b:]
    return k, 0, len(sents[k]), "clause", removed


def _addition(sents, en, para, rng, pool, others, glossary):
    extra = rng.choice(others)
    k = rng.randrange(len(sents) + 1)
    sents.insert(k, extra)
    return k, 0, len(extra), "sentence", ""


def _form(sents, en, para, rng, pool, others, glossary):
    sub = rng.choice(["half_width", "unbalanced", "english"])
    k = rng.randrange(len(sents))
    s = sents[k]
    if sub == "half_width":
        spots = [i for i, c in enumerate(s) if c in "，（）；：" and 0 < i < len(s) - 1]
        if not spots:
            return None
        i = rng.choice(spots)
        sents[k] = s[:i] + {"，": ",", "（": "(", "）": ")", "；": ";", "：": ":"}[s[i]] + s[i + 1:]
        return k, i, i + 1, sub, s[i]
    if sub == "unbalanced":
        pairs = [(m.start(), m.end() - 1) for m in re.finditer(r"[（“《][^（）“”《》]*[）”》]", s)]
        if not pairs:
            return None
        a, b = rng.choice(pairs)
        sents[k] = s[:b] + s[b + 1:]
        return k, a, a + 1, sub, s[b]
    words = re.findall(r"[A-Za-z]+", " ".join(en))
    lower = [i for i, w in enumerate(words) if w.islower() and len(w) > 3]
    spots = [m.end() for m in re.finditer(r"，", s)]
    if not lower or not spots:
        return None
    i = rng.choice(lower)
    phrase = " ".join(words[i:i + rng.randint(3, 6)])
    at = rng.choice(spots)
    sents[k] = s[:at] + phrase + s[at:]
    return k, at, at + len(phrase), sub, ""


_INJECTORS = {"garbled": _garbled, "number": _number, "terminology": _terminology, "omission": _omission,
              "addition": _addition, "form": _form}
