"""Writers for a processed pair: document JSON, and the alignment as JSON, TSV and TMX 1.4."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from pipeline.config import Config
from pipeline.document import DocumentPair


def write_outputs(pair: DocumentPair, out: Path, config: Config | None = None) -> list[Path]:
    """Everything the stages that ran produced; the report comes last so it can link the other files."""
    written = [atomic_write_json(out / "document.json", pair.zh.to_dict())]
    if pair.en is not None:
        written.append(atomic_write_json(out / "document.en.json", pair.en.to_dict()))
    if pair.en is not None and pair.alignments:
        data = alignment_json(pair)
        written.append(atomic_write_json(out / "alignment.json", data))
        written.append(atomic_write_text(out / "alignment.tsv", alignment_tsv(data)))
        written.append(atomic_write_bytes(out / "alignment.tmx", alignment_tmx(data)))
    if "check" in pair.zh.stages:
        from pipeline.check import flags_json

        written.append(atomic_write_json(out / "flags.json", flags_json(pair)))
    if "summarize" in pair.zh.stages:
        from pipeline.summarize import write_summaries

        written.extend(write_summaries(pair, out))
    if "report" in pair.zh.stages:
        from pipeline.report import write_report

        written.extend(write_report(pair, out, config or Config()))
    return written


def alignment_json(pair: DocumentPair) -> dict[str, Any]:
    """Paragraph and sentence pairs with ids, texts and scores, plus the structural diff."""
    from pipeline.align import blocks, sentence_texts

    assert pair.en is not None
    zh_blocks, en_blocks = blocks(pair.zh), blocks(pair.en)
    zh_sents, en_sents = sentence_texts(pair.zh), sentence_texts(pair.en)
    paragraphs = []
    for a in (a for a in pair.alignments if a.level == "paragraph"):
        paragraphs.append({
            "zh": [zh_blocks[i].key for i in a.src], "en": [en_blocks[j].key for j in a.tgt],
            "kind": f"{len(a.src)}-{len(a.tgt)}", "score": a.score,
        })
    sentences = []
    for k, a in enumerate(a for a in pair.alignments if a.level == "sentence"):
        sentences.append({
            "id": k + 1,
            "kind": f"{len(a.src)}-{len(a.tgt)}",
            "zh_ids": list(a.src), "en_ids": list(a.tgt),
            "zh_block": zh_sents[a.src[0]][0] if a.src else None,
            "en_block": en_sents[a.tgt[0]][0] if a.tgt else None,
            "zh": "".join(zh_sents[i][1] for i in a.src),
            "en": " ".join(en_sents[j][1] for j in a.tgt),
            "score": a.score,
        })
    linked = [s for s in sentences if s["zh_ids"] and s["en_ids"]]
    mean = sum(s["score"] for s in linked) / len(linked) if linked else 0.0
    return {
        "zh_document": pair.zh.id, "en_document": pair.en.id,
        "overall_score": round(mean, 4),
        "counts": {"paragraph_links": len(paragraphs), "sentence_links": len(sentences),
                   "zh_sentences_unlinked": sum(1 for s in sentences if not s["en_ids"]),
                   "en_sentences_unlinked": sum(1 for s in sentences if not s["zh_ids"])},
        "structure_findings": [f.__dict__ for f in pair.structure_findings],
        "paragraphs": paragraphs,
        "sentences": sentences,
    }


def alignment_tsv(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["id", "kind", "score", "zh_block", "en_block", "zh", "en"])
    for s in data["sentences"]:
        writer.writerow([s["id"], s["kind"], f"{s['score']:.4f}", s["zh_block"] or "", s["en_block"] or "",
                         _one_line(s["zh"]), _one_line(s["en"])])
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def alignment_tmx(data: dict[str, Any], min_score: float = 0.0) -> bytes:
    """TMX 1.4 (zh-CN → en) through translate-toolkit; one unit per linked sentence group."""
    from translate.storage import tmx

    store = tmx.tmxfile(sourcelanguage="zh-CN", targetlanguage="en")
    header = store.document.getroot().find("header")
    if header is not None:
        header.set("creationtool", "undoc")
        header.set("o-tmf", "undoc")
    for s in data["sentences"]:
        if not s["zh_ids"] or not s["en_ids"] or s["score"] < min_score:
            continue
        unit = store.addsourceunit(_one_line(s["zh"]))
        unit.target = _one_line(s["en"])
        unit.addnote(f"{s['zh_block']} ~ {s['en_block']}; score {s['score']:.3f}", origin="undoc")
    return bytes(store)
