"""Summarize stage: a summary of every chapter, section and numbered sub-heading, and an executive summary
of the whole body, in Chinese and in English; every sentence cites its paragraphs and is grounding-checked.

- Chinese summaries always. English ones from the English original when there is one (each Chinese
  section's paragraphs mapped to English paragraphs through the paragraph alignment), otherwise the
  Generator's rendering of the Chinese executive summary (and, if configured, of every section summary),
  marked machine-translated.
- Method ``extractive`` (default) or ``abstractive`` (``[stages.summarize] method``); see
  ``pipeline.summary_methods``.
- The document's own summary block (摘要, ``Document.summary``) is never an input: it is the reference the
  benchmark scores the executive summary against.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_write_json, atomic_write_text
from pipeline.config import Config
from pipeline.document import Alignment, Document, DocumentPair, Summary
from pipeline.summary_ground import extract_entities, merge, ungrounded
from pipeline.summary_methods import (
    Abstractive,
    Budget,
    DocText,
    Draft,
    Extractive,
    Scope,
    annex_paragraphs,
    child_parts,
    scopes,
    section_tree,
    translate_draft,
)
from pipeline.summary_rank import budget_sentences, format_citation, text_length

log = logging.getLogger("undoc.summarize")


class Summarize:
    """Pair stage: fills ``pair.zh.summaries`` (Chinese and English summaries, executive first)."""

    name = "summarize"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.settings = config.stages.summarize

    # -- models, loaded only when needed --------------------------------------------------------------
    def _encode(self):
        if self.settings.similarity == "tfidf":
            return None
        from models.catalog import get_embedder

        embedder = get_embedder(self.config)
        batch = self.config.models.embedder.batch_size
        return lambda texts: embedder.encode(texts, batch)

    def _generator(self):
        from models.catalog import get_generator

        return get_generator(self.config)

    def _max_new_tokens(self) -> int:
        return min(self.settings.max_new_tokens, self.config.models.generator.max_new_tokens)

    def _method(self, extractive: Extractive) -> Extractive | Abstractive:
        if self.settings.method == "extractive":
            return extractive
        spec = self.config.models.generator
        return Abstractive(self._generator(), self.settings, extractive, self._max_new_tokens(),
                           spec.context_tokens)

    # -- the stage ------------------------------------------------------------------------------------
    def __call__(self, pair: DocumentPair) -> DocumentPair:
        started = time.perf_counter()
        extractive = Extractive(self.settings)
        method = self._method(extractive)
        encode = self._encode()

        zh_dt = DocText(pair.zh)
        zh_scopes = scopes(pair.zh, self.settings.position_by_part)
        zh_dt.embed(encode, [h for sc in zh_scopes for h in sc.headings], self.settings.similarity)
        zh = self._summarize_document(zh_dt, zh_scopes, method)

        en: dict[str | None, Summary] = {}
        if pair.en is not None:
            en_dt = DocText(pair.en)
            en_scopes = english_scopes(pair, zh_scopes, self.settings.position_by_part)
            en_dt.embed(encode, [h for sc in en_scopes for h in sc.headings], self.settings.similarity)
            en = self._summarize_document(en_dt, en_scopes, method)
        elif self.settings.translate_missing_english:
            en = self._translate(zh_dt, zh, zh_scopes)

        ordered: list[Summary] = []
        for scope in zh_scopes:
            ordered += [s for s in (zh.get(scope.section), en.get(scope.section)) if s is not None]
        pair.zh.summaries = ordered
        generated = sum(s.generated for s in ordered)
        failed = sum(s.failed for s in ordered)
        log.info("summarize: %d summaries, %d sentences; grounding check: %d of %d candidates failed, %d dropped, "
                 "%d regenerated; %.1fs", len(ordered), sum(len(s.sentences) for s in ordered), failed, generated,
                 sum(s.dropped for s in ordered), sum(s.regenerated for s in ordered), time.perf_counter() - started)
        return pair

    def _budget(self, dt: DocText, scope: Scope) -> Budget:
        s = self.settings
        if scope.section is None:
            if dt.language == "zh":
                return Budget(None, s.executive_max_chars_zh, s.executive_chars_zh)
            return Budget(None, s.executive_max_words_en, s.executive_words_en)
        count = sum(len(dt.para_sents[p]) for p in scope.paragraphs)
        limit = s.section_max_chars_zh if dt.language == "zh" else s.section_max_words_en
        return Budget(budget_sentences(count, s.section_sentences), limit, limit)

    def _summarize_document(self, dt: DocText, doc_scopes: list[Scope],
                            method: Extractive | Abstractive) -> dict[str | None, Summary]:
        """Deepest headings first, the executive summary last, so the abstractive method can build a
        chapter from its sections' summaries and the executive summary from the chapters'."""
        drafts: dict[str, Draft] = {}
        out: dict[str | None, Summary] = {}
        annex = annex_paragraphs(dt.doc)
        for scope in sorted(doc_scopes, key=lambda sc: -sc.level):
            if not scope.paragraphs:
                continue
            began = time.perf_counter()
            draft = method.summarize(dt, scope, self._budget(dt, scope), drafts)
            if scope.section is not None:
                drafts[scope.section] = draft
            if draft.sentences:
                out[scope.section] = to_summary(draft, scope, dt.doc, dt.language, time.perf_counter() - began,
                                                annex=annex)
            self._check_length(scope, draft, dt.language)
        return out

    def _check_length(self, scope: Scope, draft: Draft, language: str) -> None:
        if scope.section is not None:
            return
        s = self.settings
        length = sum(text_length(x, language) for x in draft.sentences)
        low = s.executive_min_chars_zh if language == "zh" else s.executive_min_words_en
        if length < low:
            log.info("summarize: the %s executive summary has %d %s, under the %d asked for (a short body, long "
                     "sentences, or a terse Generator)", language, length,
                     "characters" if language == "zh" else "words", low)

    def _translate(self, zh_dt: DocText, zh: dict[str | None, Summary],
                   zh_scopes: list[Scope]) -> dict[str | None, Summary]:
        generator = self._generator()
        similarity = None
        if self.settings.min_translation_similarity > 0:
            from models.catalog import get_embedder

            embedder = get_embedder(self.config)

            def similarity(a: str, b: str) -> float:
                vecs = embedder.encode([a, b])
                return float(vecs[0] @ vecs[1])

        out: dict[str | None, Summary] = {}
        wanted = [None] + ([sc.section for sc in zh_scopes if sc.section] if self.settings.translate_sections else [])
        by_key = {sc.section: sc for sc in zh_scopes}
        for key in wanted:
            summary = zh.get(key)
            if summary is None:
                continue
            began = time.perf_counter()
            source = Draft(list(summary.sentences), [list(c) for c in summary.citations], method=summary.method)
            draft = translate_draft(generator, source, zh_dt, self.config.models.generator.max_new_tokens,
                                    self.settings.regenerate, similarity, self.settings.min_translation_similarity)
            if draft.sentences:
                out[key] = to_summary(draft, by_key[key], zh_dt.doc, "en", time.perf_counter() - began,
                                      machine_translated=True)
        return out


# -- English scopes ----------------------------------------------------------------------------------

def map_paragraphs(links: Sequence[Alignment], zh_indices: Sequence[int], zh_offset: int,
                   en_offset: int) -> list[int]:
    """English paragraph positions linked to Chinese paragraph positions ``zh_indices``. Alignment indices
    count summary-block paragraphs first (``pipeline.align.blocks``): ``*_offset`` is their number."""
    wanted = {i + zh_offset for i in zh_indices}
    out: set[int] = set()
    for link in links:
        if link.level == "paragraph" and wanted & set(link.src):
            out.update(t - en_offset for t in link.tgt if t >= en_offset)
    return sorted(out)


def english_scopes(pair: DocumentPair, zh_scopes: list[Scope], grouped: bool = True) -> list[Scope]:
    """The English side of every Chinese scope: through the paragraph alignment when there is one, else the
    English heading with the same id, else the same paragraph numbers. The executive scope is the English
    body itself."""
    assert pair.en is not None
    en_doc = pair.en
    links = [a for a in pair.alignments if a.level == "paragraph"]
    by_id = {sc.section: sc for sc in scopes(en_doc, grouped)}
    number_index = {p.number: i for i, p in enumerate(en_doc.paragraphs) if p.number is not None}
    en_sections = {s.id: s for s in en_doc.sections}
    out = [by_id[None]]
    for sc in zh_scopes:
        if sc.section is None:
            continue
        if links:
            paras = map_paragraphs(links, sc.paragraphs, len(pair.zh.summary), len(en_doc.summary))
        elif sc.section in by_id:
            paras = by_id[sc.section].paragraphs
        else:
            numbers = [pair.zh.paragraphs[i].number for i in sc.paragraphs]
            paras = sorted(number_index[n] for n in numbers if n in number_index)
        heading = en_sections[sc.section].title if sc.section in en_sections else sc.title
        parts = child_parts(en_doc, paras, sc.section, sc.children)
        out.append(Scope(sc.section, heading, sc.level, paras, [heading] if heading else [], list(sc.children),
                         parts, grouped))
    return out


# -- formatting ----------------------------------------------------------------------------------------

def citation(doc: Document, indices: Sequence[int], language: str, annex: set[int] | None = None) -> str:
    """The citation of paragraph positions ``indices`` of ``doc``, by their numbers (annex paragraphs apart)."""
    annex = annex_paragraphs(doc) if annex is None else annex
    body, in_annex, unnumbered = [], [], 0
    for i in indices:
        number = doc.paragraphs[i].number
        if number is None:
            unnumbered += 1
        elif i in annex:
            in_annex.append(number)
        else:
            body.append(number)
    return format_citation(body, language, in_annex, unnumbered)


def render(sentences: Sequence[str], citations: Sequence[str], language: str) -> str:
    """Sentences each followed by its citation: "……。（第 3 段）" / "... (para. 3)"."""
    if language == "zh":
        return "".join(f"{s}{c}" for s, c in zip(sentences, citations, strict=True))
    return " ".join(f"{s} {c}".strip() for s, c in zip(sentences, citations, strict=True))


def to_summary(draft: Draft, scope: Scope, doc: Document, language: str, seconds: float,
               machine_translated: bool = False, annex: set[int] | None = None) -> Summary:
    """The ``Summary`` of a draft: sentences with their citations rendered in ``language``."""
    annex = annex_paragraphs(doc) if annex is None else annex
    cites = [citation(doc, c, language, annex) for c in draft.citations]
    numbers = sorted({doc.paragraphs[i].number for c in draft.citations for i in c
                      if doc.paragraphs[i].number is not None})
    method = f"{draft.method}+translated" if machine_translated else draft.method
    return Summary(scope.section, language, render(draft.sentences, cites, language), method, numbers,
                   machine_translated, scope.kind, list(draft.sentences), [list(c) for c in draft.citations],
                   list(draft.checked), draft.generated, draft.failed, draft.dropped, draft.regenerated,
                   round(seconds, 3))


def source_document(pair: DocumentPair, summary: Summary) -> Document | None:
    """The document a summary's citations point into."""
    if summary.language == "en" and not summary.machine_translated:
        return pair.en
    return pair.zh


def verify(summary: Summary, doc: Document) -> list[bool]:
    """Re-run the grounding check on a finished summary: per sentence, whether every number, date, symbol
    and UN body it names occurs in its cited paragraphs."""
    from pipeline.summary_ground import evidence

    out = []
    for sentence, cited in zip(summary.sentences, summary.citations, strict=True):
        valid = [i for i in cited if 0 <= i < len(doc.paragraphs)]
        if not valid:
            out.append(False)
            continue
        support = merge(evidence(doc.paragraphs[i].text, doc.language) for i in valid)
        out.append(not ungrounded(extract_entities(sentence, summary.language), support))
    return out


def summaries_json(pair: DocumentPair) -> dict[str, Any]:
    """Everything ``summaries.json`` holds: executive and section summaries per language, sentence by
    sentence with citations, and the grounding counts (re-checked here)."""
    zh = pair.zh
    sections = {s.id: s for s in zh.sections}
    annex_cache: dict[int, set[int]] = {}
    grounded = total = 0

    def view(summary: Summary) -> dict[str, Any]:
        nonlocal grounded, total
        doc = source_document(pair, summary)
        assert doc is not None
        annex = annex_cache.setdefault(id(doc), annex_paragraphs(doc))
        checks = verify(summary, doc)
        grounded += sum(checks)
        total += len(checks)
        return {
            "text": summary.text,
            "method": summary.method,
            "machine_translated": summary.machine_translated,
            "length": sum(text_length(s, summary.language) for s in summary.sentences),
            "unit": "characters" if summary.language == "zh" else "words",
            "sentences": [
                {"text": s, "citation": citation(doc, c, summary.language, annex),
                 "paragraphs": [doc.paragraphs[i].number for i in c], "names_and_numbers": list(k),
                 "grounded": ok}
                for s, c, k, ok in zip(summary.sentences, summary.citations, summary.checked or
                                       [[] for _ in summary.sentences], checks, strict=True)],
            "grounding": {"generated": summary.generated, "failed": summary.failed, "dropped": summary.dropped,
                          "regenerated": summary.regenerated},
            "seconds": summary.seconds,
        }

    executive: dict[str, Any] = {}
    by_section: dict[str, dict[str, Any]] = {}
    for summary in zh.summaries:
        if summary.section is None:
            executive[summary.language] = view(summary)
            continue
        sec = sections.get(summary.section)
        entry = by_section.setdefault(summary.section, {
            "id": summary.section, "level": sec.level if sec else None,
            "label": sec.label if sec else "", "title": sec.title if sec else "",
            "paragraphs": sec.paragraphs if sec else []})
        entry[summary.language] = view(summary)
    order = {s.id: k for k, s in enumerate(zh.sections)}
    generated = sum(s.generated for s in zh.summaries)
    failed = sum(s.failed for s in zh.summaries)
    return {
        "document": zh.id,
        "symbol": zh.meta.symbol or (zh.meta.symbols[0] if zh.meta.symbols else None),
        "title": zh.meta.title,
        "english_original": pair.en is not None,
        "methods": sorted({s.method for s in zh.summaries}),
        "reference_summary_used_as_input": False,
        "grounding": {
            "sentences": total, "grounded": grounded, "share": round(grounded / total, 4) if total else None,
            "candidates_checked": generated, "candidates_failed": failed,
            "dropped": sum(s.dropped for s in zh.summaries),
            "regenerated": sum(s.regenerated for s in zh.summaries)},
        "executive": executive,
        "sections": sorted(by_section.values(), key=lambda e: order.get(e["id"], len(order))),
    }


def summaries_markdown(data: dict[str, Any]) -> str:
    """A readable page of the same content: executive summary, then every section's summaries."""
    lines = [f"# 摘要 Summaries: {data.get('title') or data['document']}", ""]
    if data.get("symbol"):
        lines += [f"Document {data['symbol']}", ""]

    def block(entry: dict[str, Any]) -> list[str]:
        out = []
        for lang, name in (("zh", "中文"), ("en", "English")):
            if lang in entry:
                note = " (machine-translated from the Chinese summary)" if entry[lang]["machine_translated"] else ""
                out += [f"**{name}**{note}: {entry[lang]['text']}", ""]
        return out

    lines += ["## 执行摘要 Executive summary", "", *block(data["executive"])]
    if data["sections"]:
        lines += ["## 各章节摘要 Section summaries", ""]
    for entry in data["sections"]:
        level = entry["level"] or 1
        lines += [f"{'#' * min(6, level + 2)} {entry['id']} {entry['label']} {entry['title']}".rstrip(), ""]
        lines += block(entry)
    g = data["grounding"]
    lines += ["---", "",
              f"Methods: {', '.join(data['methods'])}. Grounding check: {g['grounded']} of {g['sentences']} "
              f"sentences name only numbers, dates, symbols and UN bodies found in the paragraphs they cite; "
              f"{g['candidates_failed']} candidate sentences failed the check ({g['dropped']} dropped, "
              f"{g['regenerated']} regenerated). The document's own summary was not used as input.", ""]
    return "\n".join(lines)


def write_summaries(pair: DocumentPair, out: Path) -> list[Path]:
    """``summaries.json`` and ``summaries.md`` in ``out``, each written atomically."""
    data = summaries_json(pair)
    return [atomic_write_json(out / "summaries.json", data),
            atomic_write_text(out / "summaries.md", summaries_markdown(data))]


__all__ = ["Summarize", "english_scopes", "map_paragraphs", "section_tree", "summaries_json", "verify",
           "write_summaries"]
