"""Synthetic batches of UN-style Chinese/English document files for batch tests and the batch benchmark.

Each document is laid out the way PDF-extracted UN reports look (front matter, chapters, numbered
paragraphs, one line per paragraph) and is built from the hand-written corpus in
``tests/data/align/un_parallel.json``: document ``k`` uses corpus document ``k % 6`` (every fifth one joins
two corpus documents, so sizes vary), with its own symbol, date and agenda item. The three naming schemes
exercise every pairing rule of ``pipeline/batch.py``:

- ``symbol``: both files are named after the symbol (``A_65_201.txt``); the Chinese text prints no symbol;
- ``content``: unrelated file names; both texts print the symbol under "United Nations" / "联合国";
- ``name``: ``doc007.zh.txt`` / ``doc007.en.txt``; only the English text prints the symbol.

Bad inputs (``bad=True``): an empty file, a binary file and a Japanese text, each with the error
``undoc`` must report. Nothing here is copied from a UN document; see tests/data/align/README.md.

    .venv/bin/python benchmarks/batchdata.py OUT_DIR [--count 50] [--same-dir] [--bad]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UN_CORPUS = ROOT / "tests" / "data" / "align" / "un_parallel.json"
SCHEMES = ("symbol", "content", "name")
ZH_NUMERALS = "一二三四五六七八九十"
EN_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ZH_TOPICS = {"doc1": "维持和平行动经费的筹措", "doc2": "孕产妇保健", "doc3": "防治荒漠化", "doc4": "难民儿童的教育",
             "doc5": "信息和通信技术战略", "doc6": "人权条约机构"}
"""Agenda-item titles for the Chinese headers (the corpus has English topics only); written for undoc."""
BAD_INPUTS = {
    "empty.txt": b"  \n\n",
    "binary.txt": bytes(range(256)) * 8,
    "japanese.txt": ("国際連合の報告書です。これは日本語の文章であり、中国語ではありません。" * 4).encode("utf-8"),
}
BAD_ERRORS = {"empty.txt": "empty", "binary.txt": "binary", "japanese.txt": "Japanese"}
"""A phrase the one-line error of each bad input must contain."""


@dataclass
class SyntheticDoc:
    """One generated pair: where its files are, the symbol, how it should pair and what it holds."""

    doc_id: str
    symbol: str
    scheme: str
    zh_path: Path
    en_path: Path
    paragraphs: int
    sentences_zh: int
    sentences_en: int


@dataclass
class SyntheticBatch:
    input_dir: Path
    en_dir: Path
    docs: list[SyntheticDoc] = field(default_factory=list)
    bad: dict[str, str] = field(default_factory=dict)
    """Bad input file name -> phrase its error must contain."""

    def manifest(self) -> dict:
        return {"input_dir": str(self.input_dir), "en_dir": str(self.en_dir), "bad": self.bad,
                "docs": [{**d.__dict__, "zh_path": str(d.zh_path), "en_path": str(d.en_path)} for d in self.docs]}


def corpus() -> list[dict]:
    return json.loads(UN_CORPUS.read_text(encoding="utf-8"))


def _paragraphs(k: int, docs: list[dict]) -> tuple[list[dict], dict]:
    """Paragraphs of synthetic document ``k`` (renumbered from 1, chapters relabelled) and its title source."""
    sources = [docs[k % len(docs)]]
    if k % 5 == 4:
        sources.append(docs[(k + 1) % len(docs)])
    out, chapter = [], 0
    for src in sources:
        for para in src["paragraphs"]:
            para = dict(para)
            if "chapter" in para:
                chapter += 1
                para["chapter"] = {**para["chapter"], "label_en": f"{EN_NUMERALS[chapter - 1]}.",
                                   "label_zh": f"{ZH_NUMERALS[chapter - 1]}."}
            para["number"] = len(out) + 1
            out.append(para)
    return out, sources[0]


def document_texts(k: int, symbol: str, zh_symbol: bool, en_symbol: bool = True,
                   docs: list[dict] | None = None) -> tuple[str, str, list[dict]]:
    """The Chinese and English texts of synthetic document ``k``, and its paragraphs."""
    docs = docs if docs is not None else corpus()
    paras, title = _paragraphs(k, docs)
    rng = random.Random(k)
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), 2010 + k % 3
    item = 20 + rng.randint(0, 120)
    session = 65 + k % 3
    zh_session = {65: "第六十五届会议", 66: "第六十六届会议", 67: "第六十七届会议"}[session]
    en_session = {65: "Sixty-fifth session", 66: "Sixty-sixth session", 67: "Sixty-seventh session"}[session]
    en = ["United Nations"] + ([symbol] if en_symbol else []) + [
        "", "General Assembly", "Distr.: General", f"{day} {MONTHS[month - 1]} {year}", "", "Original: English", "",
        en_session, f"Item {item} of the provisional agenda", title["topic"].capitalize(), "", title["title_en"], "",
        "Report of the Secretary-General", ""]
    zh = ["联合国"] + ([symbol] if zh_symbol else []) + [
        "", "大会", "Distr.: General", f"{day} {MONTHS[month - 1]} {year}", "Chinese", "Original: English", "",
        zh_session, f"临时议程项目 {item}", ZH_TOPICS.get(title["id"], "发展问题"), "", title["title_zh"], "",
        "秘书长的报告", ""]
    for para in paras:
        if "chapter" in para:
            ch = para["chapter"]
            en += ["", f"{ch['label_en']} {ch['title_en']}", ""]
            zh += ["", f"{ch['label_zh']} {ch['title_zh']}", ""]
        en.append(f"{para['number']}. " + " ".join(para["en"]))
        zh.append(f"{para['number']}. " + "".join(para["zh"]))
    return "\n".join(zh) + "\n", "\n".join(en) + "\n", paras


def write_batch(root: str | Path, count: int = 50, same_dir: bool = False, bad: bool = True,
                schemes: tuple[str, ...] = SCHEMES, first_number: int = 201) -> SyntheticBatch:
    """Write ``count`` document pairs (and the bad inputs) under ``root``; returns what was written.

    ``same_dir``: English files go beside the Chinese ones (``A_65_201.en.txt`` for the symbol scheme)
    instead of ``root/en/``.
    """
    root = Path(root)
    input_dir = root / "zh" if not same_dir else root / "docs"
    en_dir = root / "en" if not same_dir else input_dir
    input_dir.mkdir(parents=True, exist_ok=True)
    en_dir.mkdir(parents=True, exist_ok=True)
    docs = corpus()
    batch = SyntheticBatch(input_dir, en_dir)
    for k in range(count):
        scheme = schemes[k % len(schemes)]
        number = first_number + k
        symbol = f"A/{65 + k % 3}/{number}"
        stem = symbol.replace("/", "_")
        if scheme == "symbol":
            zh_name, en_name = f"{stem}.txt", f"{stem}.en.txt" if same_dir else f"{stem}.txt"
        elif scheme == "content":
            zh_name, en_name = f"translation-{k:03d}.txt", f"original-{k:03d}.txt"
        else:
            zh_name, en_name = f"doc{k:03d}.zh.txt", f"doc{k:03d}.en.txt"
        zh_text, en_text, paras = document_texts(k, symbol, zh_symbol=scheme == "content", docs=docs)
        zh_path, en_path = input_dir / zh_name, en_dir / en_name
        zh_path.write_text(zh_text, encoding="utf-8")
        en_path.write_text(en_text, encoding="utf-8")
        batch.docs.append(SyntheticDoc(
            doc_id=zh_path.name[: -len(".txt")], symbol=symbol, scheme=scheme, zh_path=zh_path, en_path=en_path,
            paragraphs=len(paras), sentences_zh=sum(len(p["zh"]) for p in paras),
            sentences_en=sum(len(p["en"]) for p in paras)))
    if bad:
        for name, content in BAD_INPUTS.items():
            (input_dir / name).write_bytes(content)
            batch.bad[name] = BAD_ERRORS[name]
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--same-dir", action="store_true", help="English files beside the Chinese ones")
    parser.add_argument("--bad", action="store_true", help="add an empty, a binary and a Japanese file")
    args = parser.parse_args()
    batch = write_batch(args.out, args.count, same_dir=args.same_dir, bad=args.bad)
    print(json.dumps({"input_dir": str(batch.input_dir), "en_dir": str(batch.en_dir), "documents": len(batch.docs),
                      "bad": sorted(batch.bad)}, indent=2))


if __name__ == "__main__":
    main()
