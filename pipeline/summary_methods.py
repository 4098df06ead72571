"""The two summarisation methods behind one interface, and the machine translation of summaries.

``Extractive`` ranks a scope's sentences (centrality over sentence vectors, lead and heading cues, a form
penalty) and picks them with redundancy removal under a length budget. ``Abstractive`` prompts the
Generator per section and attributes each generated sentence to the paragraphs it draws on. Both return a
``Draft``: sentences, the paragraphs each cites, and what the grounding check did. ``translate_draft``
renders a Chinese draft in English with the Generator, checking every sentence the same way.

A scope is a section (all paragraphs under its heading) or the whole body for the executive summary.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.config import SummarizeConfig
from pipeline.document import Document
from pipeline.sentences import split_sentences
from pipeline.summary_ground import Entity, Evidence, attribute, evidence, extract_entities, merge, overlap, ungrounded
from pipeline.summary_rank import (
    Weights,
    chunk_ranges,
    combine_scores,
    densify,
    form_penalty,
    length_penalty,
    lexical_units,
    lexrank,
    mmr_select,
    position_cue,
    text_length,
    tfidf_weights,
)
from pipeline.textutil import FOOTNOTE_MARK_CHARS, HAN_RE

log = logging.getLogger("undoc.summarize")

MIN_OVERLAP = 0.3
"""A generated sentence whose best paragraph covers less than this share of its words draws on nothing."""


# -- what is summarised -------------------------------------------------------------------------------

@dataclass
class Scope:
    """What one summary covers: a section (``section`` its id) or the document body (``section`` None)."""

    section: str | None
    title: str
    level: int
    paragraphs: list[int]
    """Indices into ``Document.paragraphs``, in text order."""
    headings: list[str] = field(default_factory=list)
    """Texts whose similarity to a sentence is the heading cue (the section title; document and chapter titles)."""
    children: list[str] = field(default_factory=list)
    parts: dict[int, str] = field(default_factory=dict)
    """Paragraph → the part of the scope it belongs to: its chapter (executive scope) or the subsection of
    a chapter it falls under (the chapter's own id for paragraphs directly under it)."""
    grouped: bool = True
    """Whether the lead cue counts paragraphs from the start of each part rather than of the whole scope."""
    _ranks: dict[int, int] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        keys = [self.parts.get(p, "") for p in self.paragraphs] if self.grouped else [""] * len(self.paragraphs)
        self._ranks = group_ranks(self.paragraphs, keys)

    def rank(self, paragraph: int) -> int:
        return self._ranks.get(paragraph, 0)

    def part(self, paragraph: int) -> str:
        return self.parts.get(paragraph, "")

    @property
    def kind(self) -> str:
        return "executive" if self.section is None else "section"


@dataclass
class Budget:
    """Length of a summary: at most ``max_count`` sentences and ``max_total`` characters (zh) or words (en);
    selection stops once ``target_total`` is reached."""

    max_count: int | None
    max_total: int
    target_total: int


def section_tree(doc: Document) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {s.id: [] for s in doc.sections}
    for s in doc.sections:
        if s.parent in children:
            children[s.parent].append(s.id)
    return children


def top_section(doc: Document, section_id: str | None, by_id: dict | None = None) -> str | None:
    """The level-1 heading (chapter or annex) that ``section_id`` falls under."""
    by_id = by_id if by_id is not None else {s.id: s for s in doc.sections}
    seen = set()
    while section_id in by_id and by_id[section_id].parent and section_id not in seen:
        seen.add(section_id)
        section_id = by_id[section_id].parent
    return section_id


def annex_paragraphs(doc: Document) -> set[int]:
    """Positions of the paragraphs under an annex heading."""
    by_id = {s.id: s for s in doc.sections}
    annex_sections = {sid for sid in by_id if by_id.get(top_section(doc, sid, by_id)) is not None
                      and by_id[top_section(doc, sid, by_id)].kind == "annex"}
    return {i for i, p in enumerate(doc.paragraphs) if p.section in annex_sections}


def group_ranks(paragraphs: Sequence[int], keys: Sequence[object]) -> dict[int, int]:
    """Each paragraph's rank among the paragraphs sharing its key (keys parallel to ``paragraphs``)."""
    seen: dict[object, int] = {}
    out = {}
    for para, key in zip(paragraphs, keys, strict=True):
        out[para] = seen.get(key, 0)
        seen[key] = out[para] + 1
    return out


def child_parts(doc: Document, paragraphs: Sequence[int], section: str, children: Sequence[str]) -> dict[int, str]:
    """For each of ``paragraphs``, the child heading of ``section`` it falls under (or ``section`` itself)."""
    tree = section_tree(doc)
    owner: dict[str, str] = {}
    for child in children:
        stack = [child]
        while stack:
            cur = stack.pop()
            if cur not in owner:
                owner[cur] = child
                stack.extend(tree.get(cur, []))
    return {i: owner.get(doc.paragraphs[i].section or "", section) for i in paragraphs}


def scopes(doc: Document, grouped: bool = True) -> list[Scope]:
    """The executive scope (the body without annexes; its parts are the chapters), then one scope per
    heading that has paragraphs (its parts are its subsections). ``grouped``: see ``Scope.grouped``."""
    tree = section_tree(doc)

    def subtree(sid: str) -> set[str]:
        out, stack = set(), [sid]
        while stack:
            cur = stack.pop()
            if cur not in out:
                out.add(cur)
                stack.extend(tree.get(cur, []))
        return out

    annex = annex_paragraphs(doc)
    body = [i for i in range(len(doc.paragraphs)) if i not in annex] or list(range(len(doc.paragraphs)))
    chapters = [s for s in doc.sections if s.level == 1 and s.kind != "annex"]
    title = doc.meta.title or ""
    by_id = {s.id: s for s in doc.sections}
    tops = {s.id: top_section(doc, s.id, by_id) or "" for s in doc.sections}
    parts = {i: tops.get(doc.paragraphs[i].section or "", "") for i in body}
    out = [Scope(None, title, 0, body, [t for t in [title, *(c.title for c in chapters)] if t],
                 [c.id for c in chapters], parts, grouped)]
    by_section: dict[str, list[int]] = {}
    for i, p in enumerate(doc.paragraphs):
        by_section.setdefault(p.section or "", []).append(i)
    for s in doc.sections:
        paras = sorted(i for sid in subtree(s.id) for i in by_section.get(sid, []))
        if not paras:
            continue
        children = tree.get(s.id, [])
        out.append(Scope(s.id, s.title, s.level, paras, [s.title] if s.title else [], children,
                         child_parts(doc, paras, s.id, children), grouped))
    return out


def clean_sentence(text: str) -> str:
    """A sentence as a summary shows it: one line, footnote markers and surrounding space removed."""
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    return re.sub(f"(?<=[^\\s\\d])[{FOOTNOTE_MARK_CHARS}]+", "", text)


class DocText:
    """A document's sentences with their paragraphs, and per-paragraph evidence and lexical units, built once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.language = doc.language
        self.sentences: list[str] = []
        self.sent_para: list[int] = []
        self.sent_rank: list[int] = []
        self.para_sents: dict[int, list[int]] = {}
        for i, para in enumerate(doc.paragraphs):
            texts = [s.text for s in para.sentences] or [para.text]
            ids = []
            for rank, raw in enumerate(texts):
                text = clean_sentence(raw)
                if text:
                    ids.append(len(self.sentences))
                    self.sentences.append(text)
                    self.sent_para.append(i)
                    self.sent_rank.append(rank)
            self.para_sents[i] = ids
        self.lengths = [text_length(t, self.language) for t in self.sentences]
        """Length of each sentence as budgets count it (characters in Chinese, words in English)."""
        self.dense: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
        """Embedding spaces: (sentence rows, heading vectors), all L2-normalised."""
        self.sparse: tuple[list[dict[str, float]], dict[str, dict[str, float]]] | None = None
        """TF-IDF space: (sentence weights, heading weights)."""
        self._evidence: dict[int, Evidence] = {}
        self._units: dict[int, set[str]] = {}

    def embed(self, encode: Callable[[list[str]], np.ndarray] | None, headings: Sequence[str],
              similarity: str = "tfidf") -> None:
        """Vectors for every sentence and heading: "tfidf", "embedding" (``encode``, an embedder) or
        "mixed" (both; similarities averaged). Without ``encode`` only TF-IDF is possible."""
        heads = list(dict.fromkeys(h for h in headings if h))
        texts = self.sentences + heads
        n = len(self.sentences)
        self.dense, self.sparse = [], None
        if similarity in ("tfidf", "mixed") or encode is None:
            weights = tfidf_weights([lexical_units(t, self.language) for t in texts])
            self.sparse = (weights[:n], {h: weights[n + k] for k, h in enumerate(heads)})
        if similarity in ("embedding", "mixed") and encode is not None:
            vecs = np.asarray(encode(texts), dtype=np.float64) if texts else np.zeros((0, 1))
            vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            self.dense.append((vecs[:n], {h: vecs[n + k] for k, h in enumerate(heads)}))

    def similarity(self, ids: Sequence[int]) -> np.ndarray:
        """Cosine similarity between sentences ``ids``, averaged over the vector spaces."""
        assert self.dense or self.sparse is not None, "DocText.embed must run first"
        parts = [vecs[ids] @ vecs[ids].T for vecs, _ in self.dense]
        if self.sparse is not None:
            rows = [self.sparse[0][i] for i in ids]
            # a term in only one of these sentences adds nothing between two of them: leave it out
            counts = Counter(u for row in rows for u in row)
            shared = densify([{u: v for u, v in row.items() if counts[u] > 1} for row in rows])
            sim = shared @ shared.T
            np.fill_diagonal(sim, 1.0)
            parts.append(sim)
        return np.mean(parts, axis=0)

    def heading_similarity(self, ids: Sequence[int], headings: Sequence[str]) -> np.ndarray:
        """Per sentence, the best similarity to any of ``headings`` (zeros when there are none)."""
        parts = []
        for vecs, heads in self.dense:
            hv = [heads[h] for h in headings if h in heads]
            if hv:
                parts.append((vecs[ids] @ np.asarray(hv).T).max(axis=1))
        if self.sparse is not None:
            weights, heads = self.sparse
            hw = [heads[h] for h in headings if h in heads]
            if hw:
                terms = {u for h in hw for u in h}
                matrix = densify([{u: v for u, v in weights[i].items() if u in terms} for i in ids] + hw)
                parts.append((matrix[:len(ids)] @ matrix[len(ids):].T).max(axis=1))
        return np.mean(parts, axis=0) if parts else np.zeros(len(ids))

    def evidence(self, index: int) -> Evidence:
        if index not in self._evidence:
            self._evidence[index] = evidence(self.doc.paragraphs[index].text, self.language)
        return self._evidence[index]

    def units(self, index: int) -> set[str]:
        if index not in self._units:
            self._units[index] = set(lexical_units(self.doc.paragraphs[index].text, self.language))
        return self._units[index]

    def paragraph_text(self, index: int) -> str:
        return " ".join(self.sentences[s] for s in self.para_sents.get(index, []))


@dataclass
class Draft:
    """A summary before formatting: its sentences, the paragraphs (indices) each cites, the entities each
    was checked for, and what the grounding check dropped or regenerated."""

    sentences: list[str] = field(default_factory=list)
    citations: list[list[int]] = field(default_factory=list)
    checked: list[list[str]] = field(default_factory=list)
    method: str = "extractive"
    generated: int = 0
    """Candidate sentences the check saw (every attempt counts)."""
    failed: int = 0
    """Candidates that failed the check."""
    dropped: int = 0
    """Sentences left out of the summary because they failed (after any regeneration)."""
    regenerated: int = 0
    """Times the Generator was asked again after a failure."""
    missing: list[str] = field(default_factory=list)
    """What the failed candidates named that their paragraphs do not support."""

    def add(self, sentence: str, cited: list[int], entities: Sequence[Entity]) -> None:
        self.sentences.append(sentence)
        self.citations.append(cited)
        self.checked.append([e.text for e in entities])


# -- extractive ---------------------------------------------------------------------------------------

class Extractive:
    """Centrality over sentence vectors with lead, heading and form cues; MMR under a length budget."""

    name = "extractive"

    def __init__(self, settings: SummarizeConfig) -> None:
        self.settings = settings
        self.weights = Weights(position=settings.position_weight, heading=settings.heading_weight,
                               form=settings.form_weight, redundancy=settings.redundancy,
                               coverage=settings.coverage_weight, length=settings.length_weight)

    def rank(self, dt: DocText, ids: list[int], scope: Scope) -> tuple[np.ndarray, np.ndarray]:
        """Relevance scores of sentences ``ids`` within ``scope`` and their similarity matrix."""
        sim = dt.similarity(ids)
        centrality = lexrank(sim)
        position = position_cue([scope.rank(dt.sent_para[s]) for s in ids], [dt.sent_rank[s] for s in ids])
        heading = dt.heading_similarity(ids, scope.headings)
        min_len = 15 if dt.language == "zh" else 8
        penalty = np.array([form_penalty(dt.sentences[s], dt.language, min_len) for s in ids])
        too_long = length_penalty([dt.lengths[s] for s in ids])
        return combine_scores(centrality, position, heading, penalty, self.weights, too_long), sim

    def select(self, dt: DocText, ids: list[int], scope: Scope, budget: Budget) -> list[int]:
        if not ids:
            return []
        limit = self.settings.chunk_sentences
        if len(ids) > limit:
            # hierarchical: the best of each chunk of paragraphs, then a selection among those
            counts = [len(dt.para_sents[p]) for p in scope.paragraphs]
            pool: list[int] = []
            for a, b in chunk_ranges(counts, limit):
                chunk = [s for p in scope.paragraphs[a:b] for s in dt.para_sents[p]]
                wide = Budget(None if budget.max_count is None else 2 * budget.max_count, 4 * budget.max_total,
                              4 * budget.max_total)
                pool += self.select(dt, chunk, scope, wide)
            ids = pool
        scores, sim = self.rank(dt, ids, scope)
        lengths = [dt.lengths[s] for s in ids]
        parts = [scope.part(dt.sent_para[s]) for s in ids]
        chosen = mmr_select(scores, sim, lengths, budget.max_total, budget.target_total, budget.max_count,
                            self.weights.redundancy, parts, self.weights.coverage)
        return [ids[c] for c in chosen]

    def summarize(self, dt: DocText, scope: Scope, budget: Budget, inputs: dict[str, Draft] | None = None) -> Draft:
        ids = [s for p in scope.paragraphs for s in dt.para_sents[p]]
        draft = Draft(method=self.name)
        for s in sorted(self.select(dt, ids, scope, budget)):
            para = dt.sent_para[s]
            entities = extract_entities(dt.sentences[s], dt.language)
            draft.generated += 1
            if ungrounded(entities, dt.evidence(para)):  # cannot happen for a verbatim sentence; kept as a guard
                draft.dropped += 1
                continue
            draft.add(dt.sentences[s], [para], entities)
        return draft


# -- abstractive --------------------------------------------------------------------------------------

PROMPTS = {
    "zh": {
        "system": "你是联合国文件的编辑，负责为报告撰写准确、简洁的中文摘要。",
        "task": ("请用不超过 {count} 句话概括下面这段联合国报告（{title}）的要点。\n"
                 "要求：\n1. 只写原文中有的内容，不要添加任何信息。\n"
                 "2. 机构名称、数字、日期和文件编号必须与原文完全一致。\n"
                 "3. 每句话单独一行，不要编号，不要标题，不要解释。\n\n原文：\n{text}"),
        "retry": "\n\n注意：上一次的摘要写了原文中没有的内容（{missing}）。请重写，只使用原文中出现的名称和数字。",
        "child": "（{label} 的摘要）",
    },
    "en": {
        "system": "You are an editor of United Nations documents who writes accurate, concise summaries.",
        "task": ("Summarize the main points of the following part of a United Nations report ({title}) in at most "
                 "{count} sentences.\nRules:\n1. Only state what the text says; add nothing.\n"
                 "2. Keep every name of a body, number, date and document symbol exactly as written.\n"
                 "3. One sentence per line, no numbering, no heading, no comments.\n\nText:\n{text}"),
        "retry": ("\n\nNote: the previous summary stated things the text does not contain ({missing}). Write it "
                  "again, using only names and numbers that occur in the text."),
        "child": "(summary of {label})",
    },
}

_LEADER = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|摘要[:：]|Summary:)\s*")
_GEN_CITATION = re.compile(r"\s*(?:[（(](?:第|paras?\.)[^（）()]{0,30}[)）]|\[\d{1,3}\])")


def parse_generated(text: str, language: str, min_length: int) -> list[str]:
    """Sentences of a generated summary: lines split into sentences, list markers, paragraph markers and
    citations the model copied removed, too-short, duplicate and wrong-language sentences dropped."""
    out: list[str] = []
    for line in text.splitlines():
        line = _GEN_CITATION.sub("", _LEADER.sub("", line)).strip()
        if not line:
            continue
        for start, end in split_sentences(line, language):
            sentence = line[start:end].strip()
            if text_length(sentence, language) < min_length or sentence in out:
                continue
            if not language_matches(sentence, language):
                continue
            out.append(sentence)
    return out


def language_matches(text: str, language: str) -> bool:
    """Chinese: most letters are Han characters; English: no Han characters at all."""
    han = len(HAN_RE.findall(text))
    if language == "en":
        return han == 0 and bool(re.search(r"[A-Za-z]{2,}", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return han > 0 and han >= 2 * latin


def estimate_tokens(text: str) -> int:
    """A generous token count for Qwen-style tokenizers: one per Han character, 1.4 per Latin word."""
    return len(HAN_RE.findall(text)) + int(1.4 * len(re.findall(r"[A-Za-z0-9]+", text))) + text.count("\n")


class Abstractive:
    """The Generator, prompted per section with the section's text (or its subsections' summaries), each
    output sentence attributed to paragraphs and checked; failures regenerate once, then are dropped."""

    name = "abstractive"

    def __init__(self, generator, settings: SummarizeConfig, fallback: Extractive, max_new_tokens: int,
                 context_tokens: int) -> None:
        self.generator = generator
        self.settings = settings
        self.fallback = fallback
        self.max_new_tokens = max_new_tokens
        self.chunk_tokens = min(settings.chunk_tokens, max(256, context_tokens - max_new_tokens - 400))

    def _generate(self, language: str, title: str, count: int, text: str, missing: str = "") -> str:
        prompt = PROMPTS[language]
        user = prompt["task"].format(count=count, title=title or "-", text=text)
        if missing:
            user += prompt["retry"].format(missing=missing)
        messages = [{"role": "system", "content": prompt["system"]}, {"role": "user", "content": user}]
        return self.generator.generate(messages, max_new_tokens=self.max_new_tokens)

    def _inputs(self, dt: DocText, scope: Scope, inputs: dict[str, Draft] | None) -> list[str]:
        """Text pieces to summarise: the scope's own paragraphs ("[27] ...") and, where a subsection or
        chapter already has a summary, that summary in place of its paragraphs."""
        inputs = inputs or {}
        label = PROMPTS[dt.language]["child"]
        summarised = [c for c in scope.children if c in inputs and inputs[c].sentences]
        owner = child_parts(dt.doc, scope.paragraphs, scope.section or "", summarised) if summarised else {}
        titles = {s.id: s.title for s in dt.doc.sections}
        joiner = "" if dt.language == "zh" else " "
        pieces: list[str] = []
        emitted: set[str] = set()
        for i in scope.paragraphs:
            child = owner.get(i)
            if child in summarised:
                if child not in emitted:
                    emitted.add(child)
                    pieces.append(label.format(label=titles.get(child, child)) + joiner.join(inputs[child].sentences))
                continue
            number = dt.doc.paragraphs[i].number
            marker = f"[{number}] " if number is not None else ""
            pieces.append(marker + dt.paragraph_text(i))
        return pieces

    def _summarize_text(self, language: str, title: str, count: int, pieces: list[str], depth: int = 0) -> str:
        """Generate from ``pieces``; too long for one prompt: chunks first, then their summaries (hierarchical)."""
        lengths = [estimate_tokens(p) + 1 for p in pieces]
        if sum(lengths) <= self.chunk_tokens or depth >= 3 or len(pieces) <= 1:
            text = "\n".join(pieces)
            if estimate_tokens(text) > self.chunk_tokens:  # one piece longer than the budget: cut it
                text = _truncate_tokens(text, self.chunk_tokens)
            return self._generate(language, title, count, text)
        partial = [self._generate(language, title, count, "\n".join(pieces[a:b]))
                   for a, b in chunk_ranges(lengths, self.chunk_tokens)]
        return self._summarize_text(language, title, count, partial, depth + 1)

    def summarize(self, dt: DocText, scope: Scope, budget: Budget, inputs: dict[str, Draft] | None = None) -> Draft:
        count = budget.max_count or 4
        pieces = self._inputs(dt, scope, inputs)
        if not pieces:
            return Draft(method=self.name)
        min_len = 8 if dt.language == "zh" else 5
        output = self._summarize_text(dt.language, scope.title, count, pieces)
        draft = self._check(dt, scope, parse_generated(output, dt.language, min_len), budget)
        generated, failed, regenerated = draft.generated, draft.failed, 0
        while draft.dropped and regenerated < self.settings.regenerate:
            # ask again, naming what was not in the text; grounded new sentences replace the dropped ones
            sep = "、" if dt.language == "zh" else ", "
            retry_text = _truncate_tokens("\n".join(pieces), self.chunk_tokens)
            output = self._generate(dt.language, scope.title, count, retry_text, sep.join(draft.missing[:5]) or "-")
            again = self._check(dt, scope, parse_generated(output, dt.language, min_len), budget)
            regenerated += 1
            generated, failed = generated + again.generated, failed + again.failed
            added = _merge_new(draft, again, dt.language, budget)
            draft.dropped = max(0, draft.dropped - added)
            draft.missing = again.missing
        draft.generated, draft.failed, draft.regenerated = generated, failed, regenerated
        if not draft.sentences:
            log.info("summarize: %s: no generated sentence passed the check; extractive instead",
                     scope.section or "executive")
            fallback = self.fallback.summarize(dt, scope, budget)
            fallback.method = "extractive-fallback"
            fallback.generated += generated
            fallback.failed += failed
            fallback.dropped += draft.dropped
            fallback.regenerated = regenerated
            return fallback
        return draft

    def _check(self, dt: DocText, scope: Scope, sentences: list[str], budget: Budget) -> Draft:
        """Attribute each sentence to paragraphs and keep those whose entities the cited paragraphs support
        and that draw on the text at all; ``dropped`` counts the others."""
        out = Draft(method=self.name)
        total = 0
        evidences = {p: dt.evidence(p) for p in scope.paragraphs}
        for sentence in sentences:
            if budget.max_count is not None and len(out.sentences) >= budget.max_count:
                break
            length = text_length(sentence, dt.language)
            if total + length > budget.max_total and out.sentences:
                break
            out.generated += 1
            units = lexical_units(sentence, dt.language)
            overlaps = {p: overlap(units, dt.units(p)) for p in scope.paragraphs}
            entities = extract_entities(sentence, dt.language)
            cited, missing = attribute(entities, scope.paragraphs, evidences, overlaps, self.settings.max_citations)
            if missing or not cited or max(overlaps.values(), default=0.0) < MIN_OVERLAP:
                out.failed += 1
                out.dropped += 1
                out.missing += [e.text for e in missing] or [sentence[:20]]
                continue
            out.add(sentence, cited, entities)
            total += length
        return out


def _merge_new(draft: Draft, extra: Draft, language: str, budget: Budget) -> int:
    """Append ``extra``'s sentences that say something new (under 60% of their units already in the
    draft) while the budget allows; returns how many were added."""
    added = 0
    total = sum(text_length(x, language) for x in draft.sentences)
    for sentence, cited, checked in zip(extra.sentences, extra.citations, extra.checked, strict=True):
        if budget.max_count is not None and len(draft.sentences) >= budget.max_count:
            break
        length = text_length(sentence, language)
        if total + length > budget.max_total:
            break
        have = {u for x in draft.sentences for u in lexical_units(x, language)}
        if overlap(lexical_units(sentence, language), have) >= 0.6:
            continue
        draft.sentences.append(sentence)
        draft.citations.append(cited)
        draft.checked.append(checked)
        total += length
        added += 1
    return added


def _truncate_tokens(text: str, budget: int) -> str:
    """The longest prefix of ``text`` whose estimated token count fits ``budget``."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if estimate_tokens(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


# -- machine translation of Chinese summaries ---------------------------------------------------------

TRANSLATE_SYSTEM = "You are a professional translator of United Nations documents from Chinese into English."
TRANSLATE_TASK = ("Translate each numbered Chinese sentence into English. Keep every name of a body, number, date "
                  "and document symbol exact. Answer with the numbered English sentences only, one per line, in the "
                  "same order.\n\n{lines}")


def parse_numbered(text: str, count: int) -> list[str] | None:
    """Lines "1. ..." to "count. ..." of a numbered answer, or None when they are not all there."""
    found: dict[int, str] = {}
    for line in text.splitlines():
        m = re.match(r"\s*(\d{1,2})[.、):：]\s*(.+)", line)
        if m and 1 <= int(m.group(1)) <= count and int(m.group(1)) not in found:
            found[int(m.group(1))] = m.group(2).strip()
    if len(found) != count:
        return None
    return [found[k] for k in range(1, count + 1)]


def translate_draft(generator, zh: Draft, dt_zh: DocText, max_new_tokens: int, retries: int = 1,
                    similarity: Callable[[str, str], float] | None = None, min_similarity: float = 0.0) -> Draft:
    """An English rendering of a Chinese draft, sentence for sentence, with the same citations. A sentence
    whose numbers, dates, symbols or bodies the cited Chinese paragraphs do not support, that is not
    English, or (with ``similarity``) whose cross-lingual similarity to its source is under
    ``min_similarity`` (a translation of something else), is translated again on its own, then dropped."""
    out = Draft(method=zh.method)
    if not zh.sentences:
        return out

    def ask(lines: list[str]) -> str:
        numbered = "\n".join(f"{k}. {s}" for k, s in enumerate(lines, start=1))
        messages = [{"role": "system", "content": TRANSLATE_SYSTEM},
                    {"role": "user", "content": TRANSLATE_TASK.format(lines=numbered)}]
        # an English sentence takes about as many tokens as its Chinese source has characters
        budget = min(max_new_tokens * len(lines), sum(int(1.3 * len(line)) + 16 for line in lines))
        return generator.generate(messages, max_new_tokens=budget)

    answer = parse_numbered(ask(zh.sentences), len(zh.sentences))
    for k, (source, cited) in enumerate(zip(zh.sentences, zh.citations, strict=True)):
        support = merge(dt_zh.evidence(c) for c in cited)
        candidate = answer[k] if answer else None
        for attempt in range(retries + 1):
            if attempt or candidate is None:
                if attempt:
                    out.regenerated += 1
                single = parse_numbered(ask([source]), 1)
                candidate = single[0] if single else None
            if candidate is None:
                continue
            out.generated += 1
            candidate = _GEN_CITATION.sub("", candidate).strip()
            entities = extract_entities(candidate, "en")
            bad = ungrounded(entities, support)
            faithful = similarity is None or similarity(source, candidate) >= min_similarity
            if language_matches(candidate, "en") and not bad and faithful:
                out.add(candidate, list(cited), entities)
                break
            out.failed += 1
            out.missing += [e.text for e in bad] or [candidate[:30]]
        else:
            out.dropped += 1
    return out
