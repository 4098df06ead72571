"""The batch index: ``index.csv`` and ``index.html`` (one row per document) and ``terms.csv`` (English terms
rendered differently across documents). Rewritten atomically as results arrive, so a batch that is killed
still leaves a usable index; pending rows show what was not done.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_write_text
from pipeline.batch import SEVERITIES, BatchRecord
from pipeline.config import Config

TEMPLATE = "batch_index.html.j2"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
WRITE_EVERY_SECONDS = 1.0
"""The index is rewritten at most this often while a batch runs (and always at the end)."""
INDEX_COLUMNS = ("document", "doc_id", "status", "risk", "flags_total", *(f"flags_{s}" for s in SEVERITIES),
                 "flag_types", "alignment_score", "sentence_links", "term_variants", "seconds", "zh_file",
                 "en_file", "paired_by", "warnings", "error", "finished")
TERM_COLUMNS = ("en_term", "zh_rendering", "documents", "document_list", "preferred")


@dataclass
class TermVariant:
    """One English term with more than one Chinese rendering across the documents of a batch."""

    en_term: str
    renderings: list[tuple[str, list[str]]]
    """(Chinese rendering, documents that use it), the most used first."""

    @property
    def preferred(self) -> str | None:
        """The rendering most documents use; None when two tie."""
        counts = [len(docs) for _, docs in self.renderings]
        return self.renderings[0][0] if len(counts) < 2 or counts[0] > counts[1] else None


def term_variants(records: list[BatchRecord]) -> list[TermVariant]:
    """English terms (case and spacing ignored) rendered in two or more ways by two or more documents."""
    uses: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for record in records:
        if record.status != "ok":
            continue
        for en, zh in record.terms:
            key = " ".join(en.split()).casefold()
            names.setdefault(key, en)
            docs = uses[key][zh]
            if record.document not in docs:
                docs.append(record.document)
    out = []
    for key, renderings in uses.items():
        documents = {d for docs in renderings.values() for d in docs}
        if len(renderings) > 1 and len(documents) > 1:
            ordered = sorted(renderings.items(), key=lambda item: (-len(item[1]), item[0]))
            out.append(TermVariant(names[key], [(zh, sorted(docs)) for zh, docs in ordered]))
    return sorted(out, key=lambda v: v.en_term.casefold())


def outlier_counts(variants: list[TermVariant]) -> dict[str, int]:
    """Per document: how many of its term renderings differ from the batch's preferred one (or tie)."""
    counts: dict[str, int] = defaultdict(int)
    for variant in variants:
        preferred = variant.preferred
        for zh, docs in variant.renderings:
            if zh != preferred:
                for doc in docs:
                    counts[doc] += 1
    return counts


def index_csv(records: list[BatchRecord], outliers: dict[str, int]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(INDEX_COLUMNS)
    for r in records:
        ok = r.status == "ok"
        writer.writerow([
            r.document, r.doc_id, r.status, "" if r.risk is None else f"{r.risk:.3f}",
            r.flag_total if ok else "", *(r.flags.get(s, 0) if ok else "" for s in SEVERITIES),
            ";".join(f"{t}:{n}" for t, n in sorted(r.flag_types.items())),
            "" if r.alignment_score is None else f"{r.alignment_score:.4f}", r.sentence_links if ok else "",
            outliers.get(r.document, 0) if ok else "", f"{r.seconds:.2f}" if r.status != "pending" else "",
            r.zh, r.en or "", r.paired_by or "", " | ".join(r.warnings), r.error or "", r.finished or ""])
    return buffer.getvalue()


def terms_csv(variants: list[TermVariant]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TERM_COLUMNS)
    for variant in variants:
        for zh, docs in variant.renderings:
            writer.writerow([variant.en_term, zh, len(docs), ";".join(docs), "yes" if zh == variant.preferred else ""])
    return buffer.getvalue()


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _link(record: BatchRecord) -> str | None:
    """Relative link to the most useful file of a finished document."""
    if record.status != "ok":
        return None
    for name in ("report.html", "alignment.tsv", "document.json"):
        if name in record.outputs:
            return f"{record.doc_id}/{name}"
    return f"{record.doc_id}/"


def index_html(records: list[BatchRecord], variants: list[TermVariant], outliers: dict[str, int],
               info: dict[str, Any]) -> str:
    rows = [{"r": r, "link": _link(r), "outliers": outliers.get(r.document, 0), "zh_name": Path(r.zh).name,
             "en_name": Path(r.en).name if r.en else None,
             "types": ", ".join(f"{t} {n}" for t, n in sorted(r.flag_types.items()))} for r in records]
    counts = {s: sum(1 for r in records if r.status == s) for s in ("ok", "failed", "pending")}
    return _environment().get_template(TEMPLATE).render(
        rows=rows, variants=variants, counts=counts, total=len(records), severities=SEVERITIES,
        reused=sum(1 for r in records if r.reused), **info)


class IndexWriter:
    """Rewrites the index files of one batch, at most every ``WRITE_EVERY_SECONDS`` unless forced."""

    def __init__(self, out_dir: Path, config: Config, engine: str, workers: int, notes: list[str]) -> None:
        self.out_dir = out_dir
        self.info = {"config_name": config.name, "engine": engine, "workers": workers, "notes": notes,
                     "started": datetime.now(UTC).isoformat(timespec="seconds")}
        self.last = 0.0
        for name in ("index.csv", "terms.csv", "index.html"):  # temporary files of a killed run
            for tmp in out_dir.glob(f".{name}.*.tmp"):
                tmp.unlink(missing_ok=True)

    def write(self, records: list[BatchRecord], force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < WRITE_EVERY_SECONDS:
            return
        self.last = now
        variants = term_variants(records)
        outliers = outlier_counts(variants)
        info = {**self.info, "updated": datetime.now(UTC).isoformat(timespec="seconds")}
        atomic_write_text(self.out_dir / "index.csv", index_csv(records, outliers))
        atomic_write_text(self.out_dir / "terms.csv", terms_csv(variants))
        atomic_write_text(self.out_dir / "index.html", index_html(records, variants, outliers, info))
