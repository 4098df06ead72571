"""Labelled alignment data: the hand-written UN-style corpus and HSK sentence pairs arranged into
pseudo-documents with controlled deletions, insertions and merges. Shared by benchmarks and tests.

Gold links use (zh indices, en indices): Chinese is the source side everywhere in undoc.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import Document, Paragraph, Section, Sentence

ROOT = Path(__file__).resolve().parent.parent
UN_CORPUS = ROOT / "tests" / "data" / "align" / "un_parallel.json"

Link = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass
class AlignedPair:
    name: str
    zh: list[str]
    en: list[str]
    gold: list[Link]
    zh_paragraphs: list[list[int]] = field(default_factory=list)
    en_paragraphs: list[list[int]] = field(default_factory=list)


def un_documents() -> list[AlignedPair]:
    """The UN-style corpus: one pair per document, gold links re-indexed over the whole document."""
    corpus = json.loads(UN_CORPUS.read_text(encoding="utf-8"))
    out = []
    for doc in corpus:
        zh, en, gold, zp, ep = [], [], [], [], []
        for para in doc["paragraphs"]:
            z0, e0 = len(zh), len(en)
            zp.append(list(range(z0, z0 + len(para["zh"]))))
            ep.append(list(range(e0, e0 + len(para["en"]))))
            zh += para["zh"]
            en += para["en"]
            for en_idx, zh_idx in para["links"]:
                gold.append((tuple(z0 + i for i in zh_idx), tuple(e0 + i for i in en_idx)))
        out.append(AlignedPair(doc["id"], zh, en, gold, zp, ep))
    return out


def un_as_documents(pair: AlignedPair, numbered: bool = True) -> tuple[Document, Document]:
    """Document models for one corpus pair; ``numbered=False`` drops paragraph numbers and headings and
    makes each side one unnumbered block, so alignment must work from content alone."""
    docs = []
    for lang, sents, paras in (("zh", pair.zh, pair.zh_paragraphs), ("en", pair.en, pair.en_paragraphs)):
        joiner = "" if lang == "zh" else " "
        groups = paras if numbered else [list(range(len(sents)))]
        paragraphs = []
        for k, idx in enumerate(groups):
            text, spans = "", []
            for i in idx:
                if text:
                    text += joiner
                spans.append((len(text), len(text) + len(sents[i])))
                text += sents[i]
            paragraphs.append(Paragraph(number=k + 1 if numbered else None, section="I" if numbered else None,
                                        text=text, sentences=[Sentence(sents[i], s, e) for i, (s, e)
                                                              in zip(idx, spans, strict=True)]))
        doc = Document(id=f"{pair.name}-{lang}", language=lang, text="\n".join(p.text for p in paragraphs),
                       paragraphs=paragraphs)
        if numbered:
            doc.sections = [Section("I", 1, "chapter", "I.", "", None, [p.number for p in paragraphs])]
        docs.append(doc)
    return docs[0], docs[1]


def hsk_pairs() -> list[tuple[str, str]]:
    from hsk_sentences_audio import load_sentences

    out = []
    for row in load_sentences():
        zh = row["chinese"] if isinstance(row, dict) else row.chinese
        tr = row["translation"] if isinstance(row, dict) else row.translation
        if tr and tr.get("en"):
            out.append((zh, tr["en"]))
    return out


def hsk_documents(count: int, size: int, seed: int = 0, p_del: float = 0.04, p_ins: float = 0.04,
                  p_merge_zh: float = 0.06, p_merge_en: float = 0.06) -> list[AlignedPair]:
    """Pseudo-documents of ``size`` HSK pairs: a Chinese sentence dropped (deletion: gold 0-1 on the
    English side), an English one dropped (insertion), two Chinese or two English sentences joined
    into one (2-1 / 1-2 merges). Sentences are drawn without replacement within a document."""
    pool = hsk_pairs()
    rng = random.Random(seed)
    docs = []
    for d in range(count):
        picks = rng.sample(pool, size) if size <= len(pool) else [rng.choice(pool) for _ in range(size)]
        zh, en, gold = [], [], []
        i = 0
        while i < len(picks):
            r = rng.random()
            z, e = picks[i]
            if r < p_del:
                en.append(e)
                gold.append(((), (len(en) - 1,)))
            elif r < p_del + p_ins:
                zh.append(z)
                gold.append(((len(zh) - 1,), ()))
            elif r < p_del + p_ins + p_merge_zh and i + 1 < len(picks):
                z2, e2 = picks[i + 1]
                zh.append(z + z2)
                en += [e, e2]
                gold.append(((len(zh) - 1,), (len(en) - 2, len(en) - 1)))
                i += 1
            elif r < p_del + p_ins + p_merge_zh + p_merge_en and i + 1 < len(picks):
                z2, e2 = picks[i + 1]
                zh += [z, z2]
                en.append(e + " " + e2)
                gold.append(((len(zh) - 2, len(zh) - 1), (len(en) - 1,)))
                i += 1
            else:
                zh.append(z)
                en.append(e)
                gold.append(((len(zh) - 1,), (len(en) - 1,)))
            i += 1
        docs.append(AlignedPair(f"hsk-{seed}-{d}", zh, en, gold))
    return docs
