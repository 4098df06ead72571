"""The check stage: flag translation defects in the Chinese document for a human reviewer.

Monolingual checks always run (garbled text, form, non-standard terms, counts against listed items);
with the English original and the alignment, numbers, missing official renderings, omissions and
additions are compared against the aligned English. Detectors are pure functions in
``pipeline/detect_*.py`` and ``pipeline/numbers.py``; this module gathers their spans, turns them into
:class:`Flag` objects, removes duplicates and sets each paragraph's risk.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipeline import numbers as num
from pipeline.align import blocks, sentence_texts
from pipeline.config import Config
from pipeline.detect_form import check_form
from pipeline.detect_garbled import (
    CANDIDATE_PARAMS,
    HAN,
    Edit,
    LmParams,
    Scorer,
    Span,
    TokenView,
    adjusted_gain,
    duplicates,
    edit_features,
    lm_spans,
    load_scorer,
    local_edits,
    rare_runs,
    span_features,
    stray_negations,
    word_spans,
)
from pipeline.document import Document, DocumentPair, Flag, Paragraph
from pipeline.glossary import Entry, Glossary, load_glossary
from pipeline.register import load_register, register_mentions
from pipeline.sentences import _PROTECTED

log = logging.getLogger("undoc")
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
SEVERITY_WEIGHT = {"low": 0.15, "medium": 0.4, "high": 0.8}
# Chinese characters per English character in UN translations, and the band outside which a link is suspect.
TYPICAL_RATIO = 0.30
LOW_RATIO, HIGH_RATIO = 0.52, 1.9
VERIFY_WINDOW = 14
"""Characters of context on each side of a span when it is re-scored."""
NEGATION_SURPRISAL = 5.0
"""A stand-alone negation missing from the English is reported when the model found it at least this
surprising (nats): 仍未充分 ("remain poorly") is expected, 将不加强 is not. Used when the judge is off."""


@dataclass
class Raw:
    """A detector's finding before it becomes a Flag: offsets into paragraph ``index``'s text."""

    type: str
    severity: str
    index: int
    start: int
    end: int
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    suggestion: str | None = None


@dataclass
class Links:
    """The alignment seen from the Chinese paragraphs: per paragraph index, its English paragraph
    texts, and per Chinese sentence, the English sentences it is linked to and the link score."""

    en_paragraphs: dict[int, list[str]] = field(default_factory=dict)
    sentence_links: list[tuple[int, list[int], list[str], float]] = field(default_factory=list)
    """(zh paragraph index, zh sentence indices in it, English sentence texts, score) per link with a zh side."""
    en_only: list[tuple[int | None, int | None, str, float]] = field(default_factory=list)
    """English sentences with no Chinese counterpart: (nearest zh paragraph index, zh sentence index, text, score)."""


class Check:
    """Pair stage: fills ``pair.zh.flags``, each paragraph's ``risk`` and ``pair.zh.risk``."""

    name = "check"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.settings = config.stages.check
        self.params = LmParams()
        self.keep_all = False
        """Tuning only: keep every verified LM span as a flag, whatever its gain."""
        self._glossary: Glossary | None = None
        self._register: tuple[str, ...] | None = None

    @property
    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = load_glossary(self.settings.glossary or None)
        return self._glossary

    def __call__(self, pair: DocumentPair) -> DocumentPair:
        started = time.perf_counter()
        doc = pair.zh
        links = build_links(pair) if pair.en is not None and pair.alignments else None
        raw: list[Raw] = []
        enabled = set(self.settings.detectors)
        timings: dict[str, float] = {}

        def run(name: str, fn, *args) -> None:
            t0 = time.perf_counter()
            raw.extend(fn(*args))
            timings[name] = round(time.perf_counter() - t0, 3)

        if "form" in enabled:
            run("form", form_flags, doc)
        if "number" in enabled:
            run("number", number_flags, doc, links)
        if "terminology" in enabled:
            run("terminology", term_flags, doc, links, self.glossary)
        if "omission" in enabled and links is not None:
            run("omission", omission_flags, doc, links)
        if "garbled" in enabled:
            run("garbled", self.garbled_flags, doc, links)
        # a name the glossary recognises under the damage says more (and suggests better) than the LM span
        named = [r for r in raw if r.evidence.get("rule") == "corrupted_rendering"]
        raw = [r for r in raw if r.evidence.get("rule") != "lm" or not any(
            n.index == r.index and r.start < n.end and n.start < r.end for n in named)]
        flags = finalise(doc, raw, self.settings.min_severity)
        doc.flags = flags
        set_risk(doc)
        log.info("check: %d flags in %.1fs (%s)", len(flags), time.perf_counter() - started, timings)
        return pair

    # -- garbled --------------------------------------------------------------------------------------
    def garbled_flags(self, doc: Document, links: Links | None) -> list[Raw]:
        out: list[Raw] = []
        found = duplicate_spans(doc)
        for index, spans in found.items():
            for span in spans:
                out.append(Raw("garbled", "medium", index, span.start, span.end,
                               f"“{span.evidence['unit']}” is written twice", {"rule": "duplicate"}, suggestion=""))
        doubled = {index: [(span.start, span.end) for span in spans] for index, spans in found.items()}
        if not self.settings.use_lm:
            doc.check_coverage["garbled_lm"] = {"enabled": False}
            return out
        from models.catalog import get_language_model

        screen, final, _ = load_scorer(self.settings.garbled_model)
        views: dict[int, list[TokenView]] = {}
        candidates = self.garbled_candidates(doc, get_language_model(self.config), screen, final,
                                             self.settings.max_verify, doubled, views)
        negations = self.negation_flags(doc, links, views) if links is not None else []
        out += negations
        candidates = [c for c in candidates if not any(r.index == c.index and c.span.start < r.end
                                                       and r.start < c.span.end for r in negations)]
        judging = self.settings.judge and not self.keep_all
        if judging:
            self.judge_candidates(doc, [c for c in candidates if c.probability is not None
                                        and c.probability >= self.settings.judge_from])
        for cand in candidates:
            if cand.probability is None:
                continue
            if judging and (cand.judge_gain is None or cand.judge_gain < self._min_gain(cand.edit)):
                continue
            if not judging and cand.probability < final.threshold and not self.keep_all:
                continue
            index = cand.index
            edit = cand.edit or Edit(cand.span.start, cand.span.end, "", "delete")
            start, end = edit.start, edit.end
            evidence = {"rule": "lm", "probability": round(cand.probability, 3),
                        "gain": round(cand.features["best_adjusted"], 2), "edit": edit.kind,
                        "candidate": [cand.span.start, cand.span.end],
                        "delete_gain": round(cand.features["delete_gain"], 2),
                        "replace_gain": round(cand.features["replace_gain"], 2), **cand.span.evidence}
            if cand.judge_gain is not None:
                evidence["judge_gain"] = round(cand.judge_gain, 2)
            if links is not None:
                evidence["english"] = _aligned_english(links, doc.paragraphs[index], index, start)
            severity = "high" if cand.probability >= (1 + final.threshold) / 2 else "medium"
            fix = edit.text
            how = (f"writing “{fix}” (characters swapped)" if edit.kind == "swap"
                   else f"“{fix}” instead" if fix else "deleting it")
            message = f"garbled text: {how} makes the sentence far more probable (p={cand.probability:.2f}"
            message += f"; larger model: +{cand.judge_gain:.1f})" if cand.judge_gain is not None else ")"
            out.append(Raw("garbled", severity, index, start, end, message, evidence, suggestion=fix))
        return out

    def _min_gain(self, edit: Edit | None) -> float:
        """The judge's minimum gain for a candidate whose preferred correction is ``edit``."""
        if edit is not None and edit.kind == "swap":
            return self.settings.judge_min_gain_swap
        return self.settings.judge_min_gain

    def judge_candidates(self, doc: Document, candidates: list[Candidate]) -> None:
        """Second opinion: the judge model (``[models.judge]``, larger than the scoring model) re-scores each
        candidate's verification window as written and after each of its local corrections. The correction
        it prefers (gain less ``LmParams.char_cost`` per character removed, as for the scoring model) becomes
        the candidate's ``edit`` (the flag's span and suggestion), its gain in log-probability
        ``judge_gain``. Fluent but rare phrasing (核可, 船旗国) that the small model finds as odd as junk is
        usually fluent to the larger one; real damage stays damage, and the larger model more often picks the
        character that was actually damaged."""
        if not candidates:
            return
        from models.catalog import get_judge

        keep = self.settings.judge_edits or None
        jobs = []
        loose: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}  # guard and words per paragraph
        for cand in candidates:
            text = doc.paragraphs[cand.index].text
            edits = cand.edits[:keep] or [cand.edit or Edit(cand.span.start, cand.span.end, "", "delete")]
            if self.settings.judge_runs:
                if cand.index not in loose:
                    loose[cand.index] = self._lm_guard(text, protected_spans(text)), word_spans(text)
                seen = {(e.start, e.end, e.text) for e in edits}
                runs = run_deletions(text, cand.span.start, cand.span.end, cand.window, *loose[cand.index],
                                     self.settings.judge_runs + len(seen))
                edits = edits + [e for e in runs if (e.start, e.end, e.text) not in seen][:self.settings.judge_runs]
            jobs.append((text, cand.window, edits))
        for cand, (_, _, edits), gains in zip(candidates, jobs, _edit_gains(get_judge(self.config), jobs),
                                              strict=True):
            gain, edit = max(zip(gains, edits, strict=True), key=lambda ge: adjusted_gain(ge[1], ge[0], self.params))
            cand.judge_gain, cand.edit = gain, edit

    @property
    def register(self) -> tuple[str, ...]:
        """UN register words (``[stages.check] register_guard``); none when the guard is off."""
        if self._register is None:
            self._register = load_register(self.settings.register or None) if self.settings.register_guard else ()
        return self._register

    def _lm_guard(self, text: str, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Where language-model evidence never counts: ``protected`` (numbers, symbols, Latin text), the
        glossary's official names (行预咨委会, 最不发达国家) and UN register words (不妨, 核可, 职等), deliberate
        even where the model finds them odd."""
        return (protected + [(a, b) for _, a, b in glossary_mentions(self.glossary, text)]
                + register_mentions(self.register, text))

    def negation_flags(self, doc: Document, links: Links, views: dict[int, list[TokenView]]) -> list[Raw]:
        """A stand-alone 不/未/... in a sentence whose aligned English has no negation of any kind (only
        paragraphs the model scored are judged). With the judge on, the judge model decides: the negation
        stays a flag when deleting it gains at least ``negation_min_gain`` nats in its window (将不加强 is
        odd without a reason in the English, 仍未充分 is idiomatic for "remain poorly"); otherwise the
        scoring model must have found it at least ``NEGATION_SURPRISAL`` nats surprising."""
        found: list[tuple[int, int, int, float, str]] = []
        guards: dict[int, list[tuple[int, int]]] = {}
        for index, sidx, en_texts, _score in links.sentence_links:
            para = doc.paragraphs[index]
            if index not in views or not para.sentences or not en_texts:
                continue
            s0, s1 = para.sentences[sidx[0]].start, para.sentences[sidx[-1]].end
            if index not in guards:  # numbers, symbols and official names (最不发达国家) of the paragraph
                guards[index] = self._lm_guard(para.text, protected_spans(para.text))
            english = " ".join(en_texts)
            for start, end in stray_negations(para.text, s0, s1, english, guards[index], self.settings.judge):
                token = next((t for t in views[index] if t.start <= start < t.end), None)
                if token is not None:
                    found.append((index, start, end, token.surprisal, english))
        gains: list[float | None] = [None] * len(found)
        if self.settings.judge and found:
            from models.catalog import get_judge

            jobs = [(doc.paragraphs[index].text, _verify_window(doc.paragraphs[index], start, end),
                     [Edit(start, end, "", "delete")]) for index, start, end, _, _ in found]
            gains = [deleted[0] for deleted in _edit_gains(get_judge(self.config), jobs)]
        out: list[Raw] = []
        for (index, start, end, surprisal, english), gain in zip(found, gains, strict=True):
            if (gain is None and surprisal < NEGATION_SURPRISAL) or (gain is not None
                                                                     and gain < self.settings.negation_min_gain):
                continue
            word = doc.paragraphs[index].text[start:end]
            evidence: dict[str, Any] = {"rule": "stray_negation", "surprisal": round(surprisal, 2), "english": english}
            if gain is not None:
                evidence["judge_gain"] = round(gain, 2)
            out.append(Raw("garbled", "medium", index, start, end,
                           f"stray negation: “{word}” here, but the English sentence says nothing negative",
                           evidence, suggestion=""))
        return out

    def garbled_candidates(self, doc: Document, lm: Any, screen: Scorer | None, final: Scorer | None,
                           max_verify: int | None, skip: dict[int, list[tuple[int, int]]] | None = None,
                           views_out: dict[int, list[TokenView]] | None = None) -> list[Candidate]:
        """Language-model candidates with their features: paragraphs chosen by the word-frequency screen
        within ``lm_budget_chars`` are scored (the title as context), loose spans proposed, ranked by the
        ``screen`` model (all kept when None), the best ``max_verify`` re-scored after the local corrections
        of :func:`local_edits` and given the ``final`` model's probability."""
        skip = skip or {}
        screened: list[tuple[float, int]] = []
        rare: dict[int, list[Span]] = {}
        protected: dict[int, list[tuple[int, int]]] = {}
        for index, para in enumerate(doc.paragraphs):
            protected[index] = protected_spans(para.text)
            rare[index] = rare_runs(para.text, protected[index])
            rarity = sum(s.score for s in rare[index])
            screened.append((rarity / math.sqrt(max(len(para.text), 1)), index))
        budget = self.settings.lm_budget_chars
        chosen = []
        for _, index in sorted(screened, reverse=True):
            size = len(doc.paragraphs[index].text)
            if size and budget - size >= 0:
                chosen.append(index)
                budget -= size
        context = doc.meta.title or ""
        counts = _ngram_counts(doc)
        found: list[Candidate] = []
        for index in sorted(chosen):
            para = doc.paragraphs[index]
            scored = lm.score(para.text, context=context, top_k=1)
            views = []
            for tok in scored.tokens:
                best = tok.alternatives[0] if tok.alternatives else (tok.text, tok.logprob)
                piece = para.text[tok.start:tok.end]
                views.append(TokenView(tok.start, tok.end, -tok.logprob, best[1] - tok.logprob, best[0],
                                       counts.get(piece, 0) - 1 if len(piece) >= 2 else 0,
                                       bool(re.search(r"[\u4e00-\u9fff]", piece))))
            if views_out is not None:
                views_out[index] = views
            words = word_spans(para.text)
            taken = skip.get(index, [])
            for span in lm_spans(views, self._lm_guard(para.text, protected[index]), CANDIDATE_PARAMS):
                piece = para.text[span.start:span.end].strip()
                if not piece or any(span.start < e and s < span.end for s, e in taken):
                    continue
                rarity = sum(r.score for r in rare[index] if span.start < r.end and r.start < span.end)
                feats = span_features(para.text, span, views, words, counts, rarity)
                found.append(Candidate(index, span, feats, screen.probability(feats) if screen else 1.0))
        found.sort(key=lambda c: -c.screen)
        passed = [c for c in found if screen is None or c.screen >= screen.threshold]
        verify = passed if max_verify is None else passed[:max_verify]
        doc.check_coverage["garbled_lm"] = {
            "enabled": True, "chars": sum(len(p.text) for p in doc.paragraphs),
            "chars_scored": sum(len(doc.paragraphs[i].text) for i in chosen), "paragraphs": len(doc.paragraphs),
            "paragraphs_scored": len(chosen), "lm_budget_chars": self.settings.lm_budget_chars,
            "candidates": len(found), "candidates_screened_in": len(passed), "candidates_rescored": len(verify),
            "max_verify": max_verify}
        # All re-scoring windows in one batch; each window stays inside its sentence so the comparison is local.
        jobs: list[tuple[Candidate, list[Edit], int]] = []
        texts: list[str] = []
        for cand in verify:
            para, span = doc.paragraphs[cand.index], cand.span
            w0, w1 = _verify_window(para, span.start, span.end)
            edits = [e for e in local_edits(para.text, span) if w0 <= e.start and e.end <= w1]
            cand.window = (w0, w1)
            jobs.append((cand, edits, len(texts)))
            texts.append(para.text[w0:w1])
            texts.extend(para.text[w0:e.start] + e.text + para.text[e.end:w1] for e in edits)
        totals = _totals(lm, texts)
        for cand, edits, pos in jobs:
            scored = list(zip(edits, totals[pos + 1:pos + 1 + len(edits)], strict=True))
            # best first, ranked as edit_features chooses its best
            cand.edits = [e for e, _ in sorted(scored, key=lambda el: -adjusted_gain(el[0], el[1] - totals[pos],
                                                                                     self.params))]
            gains, cand.edit = edit_features(totals[pos], scored, self.params)
            cand.features.update(gains)
            cand.probability = final.probability(cand.features) if final else None
        return sorted(found, key=lambda c: (c.index, c.span.start))


@dataclass
class Candidate:
    """A language-model span proposed as garbled, with the features the learned scorer reads."""

    index: int
    span: Span
    features: dict[str, float]
    screen: float
    probability: float | None = None
    edit: Edit | None = None
    """The correction that gained most (after the per-character charge): the flag's span and suggestion."""
    window: tuple[int, int] = (0, 0)
    """The re-scoring window [start, end) in the paragraph (inside the span's sentence)."""
    edits: list[Edit] = field(default_factory=list)
    """The corrections re-scored for it."""
    judge_gain: float | None = None
    """Log-probability gain of ``edit`` under the judge model (None: not judged)."""


# ---------------------------------------------------------------------------------------------------- helpers

def duplicate_spans(doc: Document) -> dict[int, list[Span]]:
    """Doubled characters or words (:func:`detect_garbled.duplicates`) per paragraph index."""
    out: dict[int, list[Span]] = {}
    for index, para in enumerate(doc.paragraphs):
        spans = duplicates(para.text, protected_spans(para.text))
        if spans:
            out[index] = spans
    return out


def _totals(lm: Any, texts: list[str]) -> list[float]:
    """Total log-probabilities, batched when the backend can (transformers), one by one otherwise."""
    if not texts:
        return []
    if hasattr(lm, "totals"):
        return lm.totals(texts)
    return [lm.score(t).total_logprob for t in texts]


def _edit_gains(lm: Any, jobs: list[tuple[str, tuple[int, int], list[Edit]]]) -> list[list[float]]:
    """For each (paragraph text, window, edits): the log-probability gain of the window after each edit over
    the window as written, all windows scored in one batch."""
    texts: list[str] = []
    for text, (w0, w1), edits in jobs:
        texts.append(text[w0:w1])
        texts += [text[w0:e.start] + e.text + text[e.end:w1] for e in edits]
    totals = _totals(lm, texts)
    out, pos = [], 0
    for _, _, edits in jobs:
        out.append([totals[pos + 1 + k] - totals[pos] for k in range(len(edits))])
        pos += 1 + len(edits)
    return out


RUN_SIZES = (2, 3)
"""Lengths of the runs of loose characters the judge tries deleting (``[stages.check] judge_runs``)."""


def run_deletions(text: str, start: int, end: int, window: tuple[int, int], guard: list[tuple[int, int]],
                  words: list[tuple[int, int]], most: int) -> list[Edit]:
    """Deletions of runs of ``RUN_SIZES`` loose characters (Han, covered by no dictionary word in ``words``,
    inside ``window``, outside ``guard``) that overlap [start, end): inserted junk breaks the words around it
    into single characters, and the model's most surprising characters are often only part of it. At most
    ``most``, those containing the whole span first, then by overlap, then the shorter."""
    covered = {i for a, b in words for i in range(a, b)}

    def loose(i: int) -> bool:
        return (window[0] <= i < window[1] and i not in covered and HAN.match(text[i]) is not None
                and not any(a <= i < b for a, b in guard))

    runs = []
    for size in RUN_SIZES:
        for a in range(max(window[0], start - size + 1), min(end, window[1] - size + 1)):
            if all(loose(i) for i in range(a, a + size)):
                overlap = min(end, a + size) - max(start, a)
                runs.append((not (a <= start and end <= a + size), -overlap, size, a))
    return [Edit(a, a + size, "", "run") for _, _, size, a in sorted(runs)[:max(most, 0)]]


def _verify_window(para: Paragraph, start: int, end: int) -> tuple[int, int]:
    """The re-scoring window around [start, end): ``VERIFY_WINDOW`` characters each side, inside its sentence."""
    s0, s1 = _sentence_around(para, start, end)
    return max(s0, start - VERIFY_WINDOW), min(s1, end + VERIFY_WINDOW)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Numbers, symbols, item markers and Latin words: never garbled, never terms."""
    return [(m.start(), m.end()) for m in _PROTECTED.finditer(text)]


def _ngram_counts(doc: Document) -> Counter:
    """Occurrences of every 2-4 character string in the document (the document as context: a name that
    recurs is not surprising)."""
    counts: Counter = Counter()
    for para in doc.paragraphs:
        text = para.text
        for n in (2, 3, 4):
            counts.update(text[i:i + n] for i in range(len(text) - n + 1))
    return counts


def _sentence_around(para: Paragraph, start: int, end: int) -> tuple[int, int]:
    for s in para.sentences:
        if s.start <= start and end <= s.end:
            return s.start, s.end
    return 0, len(para.text)


def _sentence_index(para: Paragraph, offset: int) -> int | None:
    for k, s in enumerate(para.sentences):
        if s.start <= offset < s.end:
            return k
    return None


def build_links(pair: DocumentPair) -> Links:
    """Map the alignment (block and global sentence indices) onto Chinese paragraph indices."""
    assert pair.en is not None
    zh_blocks, en_blocks = blocks(pair.zh), blocks(pair.en)
    n_summary = len(pair.zh.summary)
    links = Links()
    for a in pair.alignments:
        if a.level != "paragraph":
            continue
        for i in a.src:
            if i >= n_summary:
                links.en_paragraphs.setdefault(i - n_summary, []).extend(en_blocks[j].paragraph.text for j in a.tgt)
    # global sentence index -> (block, sentence in block)
    where: list[tuple[int, int]] = []
    for b, block in enumerate(zh_blocks):
        where += [(b, k) for k in range(max(1, len(block.paragraph.sentences)))]
    en_sents = sentence_texts(pair.en)
    en_block_of: list[int] = []
    for b, block in enumerate(en_blocks):
        en_block_of += [b] * max(1, len(block.paragraph.sentences))
    zh_of_en_block: dict[int, int] = {}
    for a in pair.alignments:
        if a.level == "paragraph" and a.src and a.src[-1] >= n_summary:
            for j in a.tgt:
                zh_of_en_block[j] = a.src[-1] - n_summary
    last: tuple[int | None, int | None] = (None, None)
    for a in pair.alignments:
        if a.level != "sentence":
            continue
        en_texts = [en_sents[j][1] for j in a.tgt]
        if a.src:
            b, _ = where[a.src[0]]
            if b < n_summary:
                continue
            idx = [where[i][1] for i in a.src]
            links.sentence_links.append((b - n_summary, idx, en_texts, a.score))
            last = (b - n_summary, idx[-1])
        else:
            for j, text in zip(a.tgt, en_texts, strict=True):
                pidx = zh_of_en_block.get(en_block_of[j], last[0])
                links.en_only.append((pidx, last[1] if pidx == last[0] else None, text, a.score))
    return links


def _aligned_english(links: Links, para: Paragraph, index: int, offset: int) -> str | None:
    """The English linked to the Chinese sentence that holds ``offset`` (the paragraph's first link otherwise)."""
    sentence = _sentence_index(para, offset)
    first = None
    for pidx, sidx, en, _score in links.sentence_links:
        if pidx == index:
            if sentence in sidx:
                return " ".join(en)
            first = first if first is not None else " ".join(en)
    return first


# ---------------------------------------------------------------------------------------------------- form

def form_flags(doc: Document) -> list[Raw]:
    markers = {f.marker for f in doc.footnotes}
    out = []
    for index, para in enumerate(doc.paragraphs):
        for f in check_form(para.text, markers):
            out.append(Raw("form", f.severity, index, f.start, f.end, f.message, f.evidence, f.suggestion))
    return out


# ---------------------------------------------------------------------------------------------------- numbers

_COUNTED = re.compile(r"(?P<n>[两二三四五六七八九十]|\d{1,2})\s*(?P<cl>项|个|点|条|种|类|方面|大)"
                      r"(?P<what>[\u4e00-\u9fff]{0,8}?)(?:如下|：|:)")


def number_flags(doc: Document, links: Links | None) -> list[Raw]:
    """Numbers, dates, percentages and symbols missing from the aligned English; counts in words that
    disagree with the items listed; impossible dates."""
    out: list[Raw] = []
    for index, para in enumerate(doc.paragraphs):
        out.extend(_count_flags(index, para))
        for m in num.zh_mentions(para.text):
            if m.kind == "date" and not _valid_date(m.key):
                out.append(Raw("number", "high", index, m.start, m.end, f"impossible date “{m.text}”",
                               {"rule": "date", "value": num.describe(m)}))
    if links is None:
        return out
    for index, sidx, en_texts, score in links.sentence_links:
        para = doc.paragraphs[index]
        if not para.sentences or not en_texts:
            continue
        s0 = para.sentences[sidx[0]].start
        s1 = para.sentences[sidx[-1]].end
        zh_m = num.zh_mentions(para.text[s0:s1])
        en_text = " ".join(en_texts)
        en_m = num.en_mentions(en_text)
        left, right = num.unmatched(zh_m, en_m)
        hard_right = [x for x in right if not x.soft]
        whole = " ".join(links.en_paragraphs.get(index, []))
        for m in left:
            if m.soft and (not hard_right or m.key[1] <= 2):
                continue  # 一项 / 两个 are "a" / "both" in English far more often than numbers
            if m.kind == "code" and any(x.key == m.key for x in en_m):
                continue  # a label (P-5) the Chinese repeats where the English says "that grade"
            if num.date_parts_in(m, en_text):
                continue
            elsewhere = any(num.keys_match(m.key, x.key) for x in num.en_mentions(whole)) if whole else False
            severity = "medium" if elsewhere or m.soft else "high"
            expected = ", ".join(x.text for x in hard_right[:3]) or None
            message = f"“{m.text}” ({num.describe(m)}) is not in the aligned English"
            if expected:
                message += f"; the English has {expected}"
            out.append(Raw("number", severity, index, s0 + m.start, s0 + m.end, message,
                           {"rule": "aligned_english", "value": num.describe(m), "english": en_text,
                            "english_values": [num.describe(x) for x in right], "link_score": round(score, 3),
                            "elsewhere_in_paragraph": elsewhere},
                           suggestion=hard_right[0].text if len(hard_right) == 1 and len(left) == 1 else None))
    return out


def _find_all(text: str, needle: str):
    """Start offsets of every (non-overlapping) occurrence of ``needle`` in ``text``."""
    at = text.find(needle) if needle else -1
    while at >= 0:
        yield at
        at = text.find(needle, at + len(needle))


@lru_cache(maxsize=4096)
def _form_pattern(form: str) -> re.Pattern[str] | None:
    """For a glossary form that mixes Han with digits or Latin letters (2030年可持续发展议程): a pattern that also
    matches it with the spaces UN Chinese typography puts at those boundaries (2030 年可持续发展议程); None for
    forms without such a boundary, which plain search finds."""
    cuts = [i for i in range(1, len(form)) if form[i - 1].isascii() != form[i].isascii()
            and not form[i - 1].isspace() and not form[i].isspace()]
    if not cuts:
        return None
    pieces = [form[a:b] for a, b in zip([0, *cuts], [*cuts, len(form)], strict=True)]
    return re.compile(r"\s?".join(re.escape(piece) for piece in pieces))


def _occurrences(text: str, form: str) -> list[tuple[int, int]]:
    """[start, end) of every non-overlapping occurrence of a glossary form in ``text`` (see :func:`_form_pattern`)."""
    pattern = _form_pattern(form) if form else None
    if pattern is None:
        return [(at, at + len(form)) for at in _find_all(text, form)]
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _valid_date(key: tuple) -> bool:
    _, y, m, d = key
    if m is not None and not 1 <= m <= 12:
        return False
    if d is not None:
        days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m or 1) - 1] if m and 1 <= m <= 12 else 31
        if not 1 <= d <= days:
            return False
    return y is None or 1900 <= y <= 2100


def _count_flags(index: int, para: Paragraph) -> list[Raw]:
    """“三项原则：(a)… (b)…” — the number in words must equal the items that follow."""
    if len(para.items) < 2:
        return []
    out = []
    for m in _COUNTED.finditer(para.text):
        raw = m.group("n")
        value = int(raw) if raw.isdigit() else num.parse_zh_numeral(raw)
        following = [it for it in para.items if it.start >= m.end()]
        # only the run of items that follows this phrase directly
        if not following or following[0].start - m.end() > 40 or value is None:
            continue
        if value != len(following):
            out.append(Raw("number", "high", index, m.start("n"), m.end("n"),
                           f"says {value} but {len(following)} items follow "
                           f"({', '.join(it.label for it in following)})",
                           {"rule": "count", "stated": value, "listed": len(following)},
                           suggestion=_zh_count(len(following)) if raw and not raw.isdigit() else str(len(following))))
    return out


def _zh_count(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else str(n)


# ---------------------------------------------------------------------------------------------------- terms

def term_flags(doc: Document, links: Links | None, glossary: Glossary) -> list[Raw]:
    """Non-standard renderings (glossary variants) anywhere; with the English, official renderings
    missing where the aligned English names the term; the same term rendered several ways in one document."""
    out: list[Raw] = []
    used: dict[str, Counter] = {}
    for index, para in enumerate(doc.paragraphs):
        text = para.text
        for entry in glossary.entries:
            official = [span for form in entry.accepted for span in _occurrences(text, form)]
            if official:
                used.setdefault(entry.en, Counter())[entry.zh] += len(official)
            for variant in entry.variants:
                for at, end in _occurrences(text, variant):
                    if any(s <= at and end <= e for s, e in official):
                        continue  # the variant is part of the official form here
                    used.setdefault(entry.en, Counter())[variant] += 1
                    out.append(Raw(entry.flag_type, "high", index, at, end,
                                   f"non-standard rendering of “{entry.en}”: use “{entry.zh}”",
                                   {"rule": "glossary_variant", "en_term": entry.en, "zh_rendering": variant,
                                    "standard": entry.zh, "source": entry.source}, suggestion=entry.zh))
    doc.terms = [{"en_term": en_term, "zh_rendering": form, "count": n}
                 for en_term, forms in used.items() for form, n in forms.items()]
    # inconsistency: the same English term rendered by both the standard form and a variant
    for en_term, forms in used.items():
        if len(forms) > 1:
            for flag in out:
                if flag.evidence.get("en_term") == en_term and flag.evidence.get("rule") == "glossary_variant":
                    flag.evidence["inconsistent"] = dict(forms)
                    others = ", ".join(f"“{f}”" for f in forms if f != flag.evidence["zh_rendering"])
                    flag.message += f"; elsewhere this document writes {others}"
    if links is None:
        return out
    patterns = [(entry, entry.en_pattern()) for entry in glossary.entries]
    for index, sidx, en_texts, score in links.sentence_links:
        para = doc.paragraphs[index]
        if not para.sentences or not en_texts:
            continue
        s0, s1 = para.sentences[sidx[0]].start, para.sentences[sidx[-1]].end
        zh = para.text[s0:s1]
        zh_tight = re.sub(r"\s+", "", zh)
        en = " ".join(en_texts)
        whole_zh = re.sub(r"\s+", "", para.text)
        hits = [(entry, pattern, hit) for entry, pattern in patterns if (hit := pattern.search(en))]
        wrong = _wrong_entities(para.text, s0, s1, en, " ".join(links.en_paragraphs.get(index, [])) or en,
                                [entry for entry, _, _ in hits], glossary)
        explained = set()
        for entry, rival, a, b in wrong:
            explained.add(rival.en)
            out.append(Raw(entry.flag_type, "high", index, a, b,
                           f"“{entry.zh}” ({entry.en}) is not in the English, which names “{rival.en}” here: "
                           f"official rendering “{rival.zh}”",
                           {"rule": "wrong_entity", "en_term": rival.en, "zh_rendering": entry.zh, "english": en,
                            "standard": rival.zh, "source": rival.source, "link_score": round(score, 3)},
                           suggestion=rival.zh))
        # "Republic of Korea" inside "Democratic People's Republic of Korea" is not a mention of its own.
        spans = [(h.start(), h.end()) for _, _, h in hits]
        for entry, pattern, hit in hits:
            if entry.en in explained:
                continue
            if any(s <= hit.start() and hit.end() <= e and (s, e) != (hit.start(), hit.end()) for s, e in spans):
                continue
            if any(form.replace(" ", "") in zh_tight for form in entry.accepted):
                continue
            if any(v in zh for v in entry.variants):
                continue  # already flagged as a variant
            broken = next(((form, near) for form in entry.accepted if (near := near_miss(zh, form))
                           and not _named_there(glossary, zh, near[0], near[1], len(form))), None)
            if broken:  # 本国工线期作人员 for 本国工作人员: garbled inside the name, not a missing name
                form, (a, b, how) = broken
                out.append(Raw("garbled", "high", index, s0 + a, s0 + b,
                               f"“{zh[a:b]}” looks like a corrupted “{form}” ({how}); the English names "
                               f"“{hit.group()}”",
                               {"rule": "corrupted_rendering", "en_term": entry.en, "english": en,
                                "standard": entry.zh, "edit": how, "source": entry.source,
                                "link_score": round(score, 3)}, suggestion=form))
                continue
            # The paragraph may render it in a neighbouring sentence (a link the aligner drew otherwise):
            # only report when the paragraph renders it fewer times than its English names it.
            en_count = len(pattern.findall(" ".join(links.en_paragraphs.get(index, [])) or en))
            zh_count = sum(whole_zh.count(form.replace(" ", "")) for form in entry.accepted)
            if zh_count >= max(1, en_count):
                continue
            severity = "medium" if zh_count == 0 else "low"
            out.append(Raw(entry.flag_type, severity, index, s0, s1,
                           f"the English names “{hit.group()}” but this sentence lacks its official rendering "
                           f"“{entry.zh}”",
                           {"rule": "missing_official", "en_term": entry.en, "english": en, "standard": entry.zh,
                            "source": entry.source, "link_score": round(score, 3)}, suggestion=entry.zh))
    return out


def near_miss(text: str, form: str) -> tuple[int, int, str] | None:
    """Where ``text`` holds ``form`` corrupted by one small edit, as (start, end, what happened): up to three
    characters inserted inside it (forms of 3+ characters), two adjacent characters swapped (3+), one
    character replaced (5+; an inner one for 4) or dropped (5+). Short forms get fewer edits: a two-character
    name one edit away from some other word is everywhere. None when the form is written as it is or not nearly."""
    n = len(form)
    if n < 3 or form in text:
        return None
    for at in _find_all(text, form[0]):
        for extra in (1, 2, 3):  # insertion: form[0] ... form[-1] with the form as a subsequence
            piece = text[at:at + n + extra]
            if len(piece) == n + extra and piece[-1] == form[-1] and _subsequence(form, piece) \
                    and all(HAN.match(c) for c in piece):
                return at, at + n + extra, f"{extra} character{'s' if extra > 1 else ''} inserted"
    for at in range(len(text) - n + 1):
        piece = text[at:at + n]
        diff = [i for i in range(n) if piece[i] != form[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and piece[diff[0]] == form[diff[1]] \
                and piece[diff[1]] == form[diff[0]]:
            return at, at + n, "two characters swapped"
        if len(diff) == 1 and HAN.match(piece[diff[0]]) and (n >= 5 or (n == 4 and 0 < diff[0] < 3)):
            return at, at + n, f"“{piece[diff[0]]}” for “{form[diff[0]]}”"
    if n >= 5:
        for at in range(len(text) - n + 2):
            piece = text[at:at + n - 1]
            if piece[0] == form[0] and piece[-1] == form[-1] and _subsequence(piece, form):
                return at, at + n - 1, "a character dropped"
    return None


def _named_there(glossary: Glossary, zh: str, start: int, end: int, size: int) -> bool:
    """Does an official rendering at least ``size`` characters long overlap zh[start:end]? (安全理事会 holds
    安理会 as a subsequence: it is another name written correctly, not a corrupted one.)"""
    return any(a < end and start < b and b - a >= size for _, a, b in glossary_mentions(glossary, zh))


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def _wrong_entities(text: str, s0: int, s1: int, en: str, en_paragraph: str, en_entries: list[Entry],
                    glossary: Glossary) -> list[tuple[Entry, Entry, int, int]]:
    """A body, country or term the Chinese sentence ``text[s0:s1]`` names (official rendering) that the
    English paragraph never names, while the English sentence names another of the same kind more often
    than the Chinese renders it: the wrong entity was written. Returns (written, rival, start, end)."""
    zh = text[s0:s1]
    short = []
    for entry in en_entries:
        n_en = len(entry.en_pattern().findall(en))
        if n_en > sum(len(_occurrences(zh, form)) for form in entry.accepted):
            short.append(entry)
    if not short:
        return []
    kinds = {entry.kind for entry in short}
    every = glossary_mentions(glossary, zh, s0)
    out = []
    for entry, at, end in every:
        if entry.kind not in kinds or zh[at - s0:end - s0] in entry.also:
            continue  # a rendering right only in some contexts (摊款) is too weak to accuse
        if any(o0 <= at and end <= o1 and o1 - o0 > end - at for _, o0, o1 in every):
            continue  # 利比亚 inside 联合国利比亚支助团: part of a longer name
        if entry.en_pattern().search(en_paragraph):
            continue
        rivals = [r for r in short if r.kind == entry.kind and r is not entry]
        if rivals:
            out.append((entry, rivals[0], at, end))
    return out


def glossary_mentions(glossary: Glossary, zh: str, offset: int = 0) -> list[tuple[Entry, int, int]]:
    """Every occurrence of an official rendering in ``zh`` (offsets shifted by ``offset``)."""
    return [(entry, offset + at, offset + end) for entry in glossary.entries for form in entry.accepted
            for at, end in _occurrences(zh, form)]


# ---------------------------------------------------------------------------------------------------- omissions

def omission_flags(doc: Document, links: Links) -> list[Raw]:
    """Unmatched English sentences (omission), unmatched Chinese sentences (addition), and links whose
    length ratio is far outside what this language pair shows."""
    out: list[Raw] = []
    for index, sidx, en_texts, score in links.sentence_links:
        para = doc.paragraphs[index]
        if not para.sentences:
            continue
        s0, s1 = para.sentences[sidx[0]].start, para.sentences[sidx[-1]].end
        zh_len = len(re.sub(r"\s", "", para.text[s0:s1]))
        if not en_texts:
            out.append(Raw("addition", "high" if zh_len >= 15 else "medium", index, s0, s1,
                           "this sentence has no counterpart in the English original",
                           {"rule": "unlinked_zh", "chars": zh_len}))
            continue
        en = " ".join(en_texts)
        missing, unexplained = _unmatched_figures(para.text, s0, s1, en, " ".join(links.en_paragraphs.get(index, [])))
        figures = [("omission", "english_number_missing", missing,
                    "the English gives {} here, a number the Chinese paragraph never gives; a clause may be missing"),
                   ("addition", "chinese_number_unexplained", unexplained,
                    "the Chinese gives {} here, a figure the English paragraph never gives, while the English "
                    "sentence has none left over; text may have been added")]
        for kind, rule, found, message in figures:
            if found:
                values = ", ".join(f"“{m.text}”" for m in found[:3])
                out.append(Raw(kind, "medium", index, s0, s1, message.format(values),
                               {"rule": rule, "english": en, "values": [m.text for m in found],
                                "link_score": round(score, 3)}))
        en_len = len(en)
        if en_len < 40 or zh_len < 8:
            continue
        ratio = zh_len / en_len / TYPICAL_RATIO
        if ratio < LOW_RATIO:
            out.append(Raw("omission", "medium", index, s0, s1,
                           f"the Chinese is much shorter than the English ({zh_len} characters for {en_len}); "
                           "part of the English may be missing",
                           {"rule": "length_ratio", "ratio": round(ratio, 2), "english": en,
                            "link_score": round(score, 3)}))
        elif ratio > HIGH_RATIO:
            out.append(Raw("addition", "medium", index, s0, s1,
                           f"the Chinese is much longer than the English ({zh_len} characters for {en_len})",
                           {"rule": "length_ratio", "ratio": round(ratio, 2), "english": en,
                            "link_score": round(score, 3)}))
    for index, sidx, text, _score in links.en_only:
        if index is None or len(text) < 25:
            continue
        para = doc.paragraphs[index]
        if sidx is not None and sidx < len(para.sentences):
            s = para.sentences[sidx]
            start, end = s.start, s.end
        else:
            start, end = 0, len(para.text)
        out.append(Raw("omission", "high", index, start, end,
                       "an English sentence after this one has no Chinese counterpart",
                       {"rule": "unlinked_en", "english": text}))
    return out


def _unmatched_figures(text: str, s0: int, s1: int, english: str,
                       en_paragraph: str) -> tuple[list[num.Mention], list[num.Mention]]:
    """Figures (numbers, dates, amounts) left over on one side of a link, matched once for both rules:

    - missing: those of the English sentence(s) that no Chinese figure of the paragraph matches, when the linked
      Chinese sentence has no unexplained figure of its own: a dropped clause takes its figures with it, while a
      mistyped figure leaves one on each side (that is a ``number`` flag, not an omission);
    - unexplained: the mirror, figures of the Chinese sentence that no English figure of the paragraph matches,
      when the linked English sentence has no figure of any kind left over (an inserted sentence or clause
      brings its figures with it; a mistyped one leaves the English original unmatched)."""
    left, right = num.unmatched(num.zh_mentions(text[s0:s1]), num.en_mentions(english))
    missing: list[num.Mention] = []
    if not any(not m.soft for m in left):
        hard = [m for m in right if not m.soft and m.kind != "code"]
        if hard:
            whole = num.zh_mentions(text)
            missing = [m for m in hard if not any(num.keys_match(m.key, z.key) for z in whole)]
    unexplained: list[num.Mention] = []
    if not right:
        hard = [m for m in left if not m.soft and m.kind != "code" and not num.date_parts_in(m, english)]
        if hard:
            whole = num.en_mentions(en_paragraph or english)
            unexplained = [m for m in hard if not any(num.keys_match(m.key, x.key) for x in whole)]
    return missing, unexplained


# ---------------------------------------------------------------------------------------------------- flags

def finalise(doc: Document, raw: list[Raw], min_severity: str) -> list[Flag]:
    """Drop exact duplicates and flags inside a stronger flag of the same type; number the rest."""
    floor = SEVERITY_RANK[min_severity]
    kept: list[Raw] = []
    for r in sorted(raw, key=lambda r: (r.index, r.start, -(r.end - r.start), -SEVERITY_RANK[r.severity])):
        if SEVERITY_RANK[r.severity] < floor:
            continue
        if any(k.index == r.index and k.type == r.type and k.start <= r.start and r.end <= k.end
               and (k.type in ("omission", "addition") or (k.start, k.end) == (r.start, r.end)) for k in kept):
            continue
        kept.append(r)
    flags = []
    for n, r in enumerate(kept, 1):
        para = doc.paragraphs[r.index]
        flags.append(Flag(id=f"F{n:04d}", type=r.type, severity=r.severity, paragraph=para.number,
                          span=(r.start, r.end), text=para.text[r.start:r.end], message=r.message,
                          evidence=r.evidence, suggestion=r.suggestion, index=r.index))
    return flags


def set_risk(doc: Document) -> None:
    """Paragraph risk = 1 - prod(1 - w(severity)) over its flags; document risk = the mean of the top
    decile of paragraph risks, so one bad paragraph in a long document still shows."""
    per: dict[int, float] = {}
    for f in doc.flags:
        if f.index is not None:
            per[f.index] = 1 - (1 - per.get(f.index, 0.0)) * (1 - SEVERITY_WEIGHT[f.severity])
    for i, para in enumerate(doc.paragraphs):
        para.risk = round(per.get(i, 0.0), 3)
    risks = sorted((p.risk for p in doc.paragraphs), reverse=True)
    top = risks[: max(1, math.ceil(len(risks) / 10))] if risks else [0.0]
    doc.risk = round(sum(top) / len(top), 3)


def flags_json(pair: DocumentPair) -> dict[str, Any]:
    """``flags.json``: the flags with start/end offsets, and the risk of every paragraph."""
    doc = pair.zh
    return {
        "document": doc.id,
        "risk": doc.risk,
        "counts": dict(Counter(f.type for f in doc.flags)),
        "coverage": doc.check_coverage,
        "flags": [
            {"id": f.id, "type": f.type, "severity": f.severity, "paragraph": f.paragraph, "index": f.index,
             "start": f.span[0], "end": f.span[1], "text": f.text, "message": f.message, "evidence": f.evidence,
             "suggestion": f.suggestion}
            for f in doc.flags
        ],
        "paragraph_risk": [{"index": i, "paragraph": p.number, "risk": p.risk} for i, p in enumerate(doc.paragraphs)],
    }
