"""Align stage: the Chinese translation against its English original, at every level a reviser needs.

1. Structure first: paragraphs by their numbers, headings by their ids, footnotes in order, the summary
   block by content. What disagrees (a paragraph missing, extra, merged or split, numbering shifted,
   headings or footnotes that do not correspond) becomes a structure finding on the pair.
2. Where numbering is absent or broken, paragraphs are aligned by content (the same DP as sentences).
3. Sentences inside each aligned block: banded DP over embedding similarity with 0–1, 1–0, 1–1, 1–2,
   2–1 and 2–2 links and a length prior (``pipeline.dp_align``). Every link keeps its similarity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pipeline.config import Config
from pipeline.document import Alignment, Document, DocumentPair, Paragraph, StructureFinding
from pipeline.dp_align import AlignParams, align_embeddings, window_vectors

log = logging.getLogger("undoc.align")

MISMATCH_SIMILARITY = 0.3
"""Mean link similarity below which two documents are not translations of each other."""


@dataclass
class Block:
    """A unit on one side: a summary paragraph or a body paragraph (numbered or not)."""

    kind: str
    paragraph: Paragraph
    index: int

    @property
    def key(self) -> str:
        if self.kind == "summary":
            return f"summary.{self.index + 1}"
        return f"p{self.paragraph.number}" if self.paragraph.number is not None else f"u{self.index + 1}"


def blocks(doc: Document) -> list[Block]:
    out = [Block("summary", p, i) for i, p in enumerate(doc.summary)]
    out += [Block("body", p, i) for i, p in enumerate(doc.paragraphs)]
    return out


class SentenceVectors:
    """Embeddings of every sentence and of every two-sentence window of every block, computed in one batch."""

    def __init__(self, embedder, doc: Document, batch_size: int, embed_windows: bool = True) -> None:
        joiner = "" if doc.language == "zh" else " "
        texts: list[str] = []
        windows: list[tuple[int, int]] = []  # text indices of the two sentences of an averaged window
        self.index: dict[tuple[int, int, int], int] = {}
        for b, block in enumerate(blocks(doc)):
            sents = [s.text for s in block.paragraph.sentences] or [block.paragraph.text]
            first = len(texts)
            for i, sent in enumerate(sents):
                self.index[(b, 1, i)] = len(texts)
                texts.append(sent)
            for i in range(len(sents) - 1):
                if embed_windows:
                    self.index[(b, 2, i)] = len(texts)
                    texts.append(sents[i] + joiner + sents[i + 1])
                else:
                    self.index[(b, 2, i)] = -1 - len(windows)
                    windows.append((first + i, first + i + 1))
        self.lengths = {k: len(texts[v]) for k, v in self.index.items() if k[1] == 1}
        vectors = embedder.encode(texts, batch_size) if texts else np.zeros((0, embedder.dim), np.float32)
        if windows:
            mean = vectors[[a for a, _ in windows]] + vectors[[b for _, b in windows]]
            mean /= np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-9)
            offset = len(vectors)
            vectors = np.concatenate([vectors, mean])
            self.index = {k: (offset - 1 - v if v < 0 else v) for k, v in self.index.items()}
        self.vectors = vectors

    def windows(self, b: int, count: int) -> dict[int, np.ndarray]:
        dim = self.vectors.shape[1]
        ones = [self.index[(b, 1, i)] for i in range(count)]
        twos = [self.index[(b, 2, i)] for i in range(count - 1)]
        return {1: self.vectors[ones], 2: self.vectors[twos] if twos else np.zeros((0, dim), np.float32)}

    def block_vector(self, b: int, count: int) -> np.ndarray:
        vec = self.windows(b, count)[1].mean(axis=0)
        return vec / max(float(np.linalg.norm(vec)), 1e-9)

    def sentence_lengths(self, b: int, count: int) -> list[int]:
        return [self.lengths[(b, 1, i)] for i in range(count)]


class Align:
    """Pair stage: fills ``pair.alignments`` (paragraph and sentence levels) and structure findings."""

    name = "align"
    needs_english = True

    def __init__(self, config: Config) -> None:
        self.config = config
        self.params = AlignParams()

    def __call__(self, pair: DocumentPair) -> DocumentPair:
        if pair.en is None:
            log.info("align: no English original; skipped")
            return pair
        from models.catalog import get_embedder

        embedder = get_embedder(self.config)
        batch = self.config.models.embedder.batch_size
        settings = self.config.stages.align
        largest = max(sum(max(1, len(b.paragraph.sentences)) for b in blocks(doc)) for doc in (pair.zh, pair.en))
        embed_windows = settings.window_embeddings == "embed" or (
            settings.window_embeddings == "auto" and largest <= settings.embed_limit)
        zh_vec = SentenceVectors(embedder, pair.zh, batch, embed_windows)
        en_vec = SentenceVectors(embedder, pair.en, batch, embed_windows)
        aligner = PairAligner(pair, zh_vec, en_vec, self.params)
        aligner.run()
        return pair


class PairAligner:
    def __init__(self, pair: DocumentPair, zh_vec: SentenceVectors, en_vec: SentenceVectors,
                 params: AlignParams) -> None:
        self.pair = pair
        self.zh_blocks, self.en_blocks = blocks(pair.zh), blocks(pair.en)
        self.zh_vec, self.en_vec = zh_vec, en_vec
        self.params = params
        self.findings: list[StructureFinding] = []
        self._block_vectors: dict[tuple[str, int], np.ndarray] = {}

    # -- helpers -----------------------------------------------------------------------------------
    def _count(self, blocks_: list[Block], b: int) -> int:
        return max(1, len(blocks_[b].paragraph.sentences))

    def _vec(self, side: str, b: int) -> np.ndarray:
        """A block's vector (mean of its sentences), computed once: the structure checks ask many times."""
        key = (side, b)
        if key not in self._block_vectors:
            if side == "zh":
                self._block_vectors[key] = self.zh_vec.block_vector(b, self._count(self.zh_blocks, b))
            else:
                self._block_vectors[key] = self.en_vec.block_vector(b, self._count(self.en_blocks, b))
        return self._block_vectors[key]

    def _sim(self, zb: list[int], eb: list[int]) -> float:
        z = np.mean([self._vec("zh", b) for b in zb], axis=0)
        e = np.mean([self._vec("en", b) for b in eb], axis=0)
        return float(z @ e / max(np.linalg.norm(z) * np.linalg.norm(e), 1e-9))

    def _find(self, kind: str, severity: str, message: str, paragraph: int | None = None,
              section: str | None = None) -> None:
        self.findings.append(StructureFinding(kind, severity, message, paragraph, section))

    # -- top level ---------------------------------------------------------------------------------
    def run(self) -> None:
        para_links = self._summary_links() + self._body_links()
        sentence_links = []
        for zb, eb, _score in para_links:
            if zb and eb:
                sentence_links.extend(self._sentences(zb, eb))
        self._headings()
        self._footnotes()
        sims = [a.score for a in sentence_links if a.src and a.tgt]
        overall = float(np.mean(sims)) if sims else 0.0
        if overall < MISMATCH_SIMILARITY:
            self._find("pair_mismatch", "high",
                       f"the English file does not look like the original of the Chinese one "
                       f"(mean sentence similarity {overall:.2f}, expected above {MISMATCH_SIMILARITY})")
        zh_chars = sum(len(b.paragraph.text) for b in self.zh_blocks)
        en_chars = sum(len(b.paragraph.text) for b in self.en_blocks)
        ratio = zh_chars / max(en_chars, 1)
        if en_chars and not 0.15 <= ratio <= 0.6:
            self._find("length_ratio", "high",
                       f"the Chinese text is {ratio:.2f} times the length of the English in characters "
                       "(about 0.3 is usual): large parts may be missing or extra")
        self.pair.alignments = [Alignment(tuple(z), tuple(e), round(s, 4), "paragraph") for z, e, s in para_links]
        self.pair.alignments += sentence_links
        self.pair.structure_findings.extend(self.findings)

    # -- paragraphs --------------------------------------------------------------------------------
    def _summary_links(self) -> list[tuple[list[int], list[int], float]]:
        zs = [b for b, blk in enumerate(self.zh_blocks) if blk.kind == "summary"]
        es = [b for b, blk in enumerate(self.en_blocks) if blk.kind == "summary"]
        if len(zs) != len(es) and zs and es:
            self._find("summary_paragraphs_differ", "low",
                       f"the summary has {len(zs)} paragraphs in Chinese and {len(es)} in English")
        return self._content_links(zs, es)

    def _body_links(self) -> list[tuple[list[int], list[int], float]]:
        zb = [b for b, blk in enumerate(self.zh_blocks) if blk.kind == "body"]
        eb = [b for b, blk in enumerate(self.en_blocks) if blk.kind == "body"]
        z_num = {self.zh_blocks[b].paragraph.number: b for b in zb if self.zh_blocks[b].paragraph.number}
        e_num = {self.en_blocks[b].paragraph.number: b for b in eb if self.en_blocks[b].paragraph.number}
        shared = set(z_num) & set(e_num)
        numbered_share = len(shared) / max(len(eb), len(zb), 1)
        if numbered_share < 0.5:
            if eb and zb:
                self._find("numbering_unusable", "low",
                           f"only {len(shared)} paragraph numbers are shared; paragraphs aligned by content")
            return self._content_links(zb, eb)
        links: list[tuple[list[int], list[int], float]] = []
        used_z: set[int] = set()
        used_e: set[int] = set()
        for number in sorted(set(z_num) | set(e_num)):
            if number in shared:
                z, e = z_num[number], e_num[number]
                links.append(([z], [e], self._sim([z], [e])))
                used_z.add(z)
                used_e.add(e)
        self._merges_and_gaps(z_num, e_num, links, used_z, used_e)
        self._numbering_shifts(links)
        # unnumbered body blocks (annex text, unnumbered documents' leftovers) by content among themselves
        rest_z = [b for b in zb if b not in used_z and self.zh_blocks[b].paragraph.number is None]
        rest_e = [b for b in eb if b not in used_e and self.en_blocks[b].paragraph.number is None]
        links += self._content_links(rest_z, rest_e)
        links.sort(key=lambda link: (min(link[0]) if link[0] else min(link[1]) + 0.5,))
        return links

    def _merges_and_gaps(self, z_num: dict, e_num: dict, links: list, used_z: set, used_e: set) -> None:
        """Numbers on one side only: a merge or split when a neighbour absorbs the text, else missing/extra."""
        by_z = {link[0][0]: link for link in links if len(link[0]) == 1}
        by_e = {link[1][0]: link for link in links if len(link[1]) == 1}
        for number in sorted(set(e_num) - set(z_num)):
            e = e_num[number]
            best = self._absorber(number, z_num, e_num, e, by_z, side="zh")
            if best is not None:
                z, neighbour = best
                self._grow(links, (by_z, by_e), by_z[z], side=1, block=e)
                used_e.add(e)
                self._find("paragraph_merged", "medium",
                           f"English paragraphs {min(neighbour, number)} and {max(neighbour, number)} are merged into "
                           f"Chinese paragraph {neighbour}", paragraph=neighbour)
            elif (z := self._unnumbered_between(number, z_num, e, used_z)) is not None:
                links.append(([z], [e], self._sim([z], [e])))
                used_z.add(z)
                used_e.add(e)
                self._find("paragraph_unnumbered", "medium",
                           f"the Chinese text of paragraph {number} has no paragraph number", paragraph=number)
            else:
                self._find("paragraph_missing_in_translation", "high",
                           f"English paragraph {number} has no Chinese paragraph {number}", paragraph=number)
                links.append(([], [e], 0.0))
                used_e.add(e)
        for number in sorted(set(z_num) - set(e_num)):
            z = z_num[number]
            best = self._absorber(number, e_num, z_num, z, by_e, side="en")
            if best is not None:
                e, neighbour = best
                self._grow(links, (by_z, by_e), by_e[e], side=0, block=z)
                used_z.add(z)
                self._find("paragraph_split", "medium",
                           f"English paragraph {neighbour} is split into Chinese paragraphs "
                           f"{min(neighbour, number)} and {max(neighbour, number)}", paragraph=number)
            else:
                self._find("paragraph_extra_in_translation", "high",
                           f"Chinese paragraph {number} has no English paragraph {number}", paragraph=number)
                links.append(([z], [], 0.0))
                used_z.add(z)

    def _grow(self, links: list, indexes: tuple[dict, ...], old: tuple, side: int, block: int) -> None:
        """Add ``block`` to one side (0 Chinese, 1 English) of link ``old``, rescore it, and put the new
        link wherever the old one was referenced."""
        sides = [list(old[0]), list(old[1])]
        sides[side] = sorted([*sides[side], block])
        new = (sides[0], sides[1], self._sim(sides[0], sides[1]))
        links[links.index(old)] = new
        for index in indexes:
            for key, value in index.items():
                if value is old:
                    index[key] = new

    def _unnumbered_between(self, number: int, z_num: dict, e: int, used_z: set) -> int | None:
        """An unnumbered Chinese block standing where paragraph ``number`` should be, matching its English."""
        before = max((b for n, b in z_num.items() if n < number), default=-1)
        after = min((b for n, b in z_num.items() if n > number), default=len(self.zh_blocks))
        candidates = [b for b in range(before + 1, after) if b not in used_z
                      and self.zh_blocks[b].kind == "body" and self.zh_blocks[b].paragraph.number is None]
        scored = [(self._sim([b], [e]), b) for b in candidates]
        best = max(scored, default=None)
        return best[1] if best and best[0] > 0.5 else None

    def _absorber(self, number: int, other_num: dict, own_num: dict, block: int, by_other: dict,
                  side: str) -> tuple[int, int] | None:
        """A neighbour paragraph on the other side whose text also covers ``block`` (merge/split)."""
        best = None
        best_gain = 0.05
        for neighbour in (number - 1, number + 1):
            if neighbour not in other_num or neighbour not in own_num:
                continue
            o = other_num[neighbour]
            if o not in by_other:
                continue
            own_block = own_num[neighbour]
            if side == "zh":  # block is English, o is Chinese
                before = self._sim([o], [own_block])
                after = self._sim([o], sorted([own_block, block]))
            else:  # block is Chinese, o is English
                before = self._sim([own_block], [o])
                after = self._sim(sorted([own_block, block]), [o])
            if after - before > best_gain:
                best, best_gain = (o, neighbour), after - before
        return best

    def _numbering_shifts(self, links: list) -> None:
        """A paragraph whose content matches the neighbouring number on the other side far better."""
        one_to_one = {self.zh_blocks[z[0]].paragraph.number: (z[0], e[0], s) for z, e, s in links
                      if len(z) == 1 and len(e) == 1 and self.zh_blocks[z[0]].paragraph.number is not None}
        e_by_number = {self.en_blocks[e].paragraph.number: e for _, e, _ in one_to_one.values()}
        for number, (z, _e, sim) in sorted(one_to_one.items()):
            for other in (number - 1, number + 1):
                if other in e_by_number:
                    alt = self._sim([z], [e_by_number[other]])
                    if alt > sim + 0.15 and alt > 0.5:
                        self._find("numbering_mismatch", "high",
                                   f"Chinese paragraph {number} matches English paragraph {other} "
                                   f"(similarity {alt:.2f}) better than English {number} ({sim:.2f})",
                                   paragraph=number)
                        break

    def _content_links(self, zb: list[int], eb: list[int]) -> list[tuple[list[int], list[int], float]]:
        if not zb and not eb:
            return []
        zvec = np.array([self._vec("zh", b) for b in zb]) if zb else np.zeros((0, 1))
        evec = np.array([self._vec("en", b) for b in eb]) if eb else np.zeros((0, 1))
        dim = zvec.shape[1] if zb and eb else (zvec if zb else evec).shape[1]
        zvec = zvec.reshape(len(zb), dim)
        evec = evec.reshape(len(eb), dim)
        zl = [len(self.zh_blocks[b].paragraph.text) for b in zb]
        el = [len(self.en_blocks[b].paragraph.text) for b in eb]
        out = []
        for s, t, score in align_embeddings({1: zvec, 2: window_vectors(zvec)}, {1: evec, 2: window_vectors(evec)},
                                            zl, el, self.params):
            out.append(([zb[i] for i in s], [eb[j] for j in t], float(score)))
        return out

    # -- sentences ---------------------------------------------------------------------------------
    def _sentences(self, zb: list[int], eb: list[int]) -> list[Alignment]:
        """Sentence links inside one aligned block group; indices are global sentence positions."""
        z_items = [(b, i) for b in zb for i in range(self._count(self.zh_blocks, b))]
        e_items = [(b, i) for b in eb for i in range(self._count(self.en_blocks, b))]
        z_vec, z_len = self._stack(self.zh_vec, zb, self.zh_blocks)
        e_vec, e_len = self._stack(self.en_vec, eb, self.en_blocks)
        links = align_embeddings(z_vec, e_vec, z_len, e_len, self.params)
        z_offset = _sentence_offsets(self.zh_blocks)
        e_offset = _sentence_offsets(self.en_blocks)
        out = []
        for s, t, score in links:
            src = tuple(z_offset[z_items[i][0]] + z_items[i][1] for i in s)
            tgt = tuple(e_offset[e_items[j][0]] + e_items[j][1] for j in t)
            out.append(Alignment(src, tgt, round(float(score), 4), "sentence"))
        return out

    def _stack(self, vecs: SentenceVectors, group: list[int], blocks_: list[Block]) -> tuple[dict, list[int]]:
        ones, twos, lengths = [], [], []
        for b in group:
            count = self._count(blocks_, b)
            w = vecs.windows(b, count)
            ones.append(w[1])
            twos.append(w[2])
            lengths += vecs.sentence_lengths(b, count)
        one = np.concatenate(ones)
        # windows across a block boundary (a merged paragraph pair): mean of the two sentences
        two_parts = []
        for k in range(len(group)):
            two_parts.append(twos[k])
            if k + 1 < len(group):
                two_parts.append(window_vectors(np.stack([ones[k][-1], ones[k + 1][0]])))
        two = np.concatenate(two_parts) if two_parts else np.zeros((0, one.shape[1]), np.float32)
        return {1: one, 2: two}, lengths

    # -- headings and footnotes --------------------------------------------------------------------
    def _headings(self) -> None:
        zh = {s.id: s for s in self.pair.zh.sections}
        en = {s.id: s for s in self.pair.en.sections}
        for sid in sorted(set(en) - set(zh)):
            self._find("heading_missing_in_translation", "medium",
                       f"English heading {sid} '{en[sid].title}' has no Chinese counterpart", section=sid)
        for sid in sorted(set(zh) - set(en)):
            self._find("heading_extra_in_translation", "medium",
                       f"Chinese heading {sid} '{zh[sid].title}' has no English counterpart", section=sid)
        for sid in sorted(set(zh) & set(en)):
            if zh[sid].paragraphs != en[sid].paragraphs:
                self._find("heading_paragraphs_differ", "medium",
                           f"heading {sid} covers paragraphs {_range(zh[sid].paragraphs)} in Chinese and "
                           f"{_range(en[sid].paragraphs)} in English", section=sid)

    def _footnotes(self) -> None:
        zh = [(f.marker, f.paragraph) for f in self.pair.zh.footnotes]
        en = [(f.marker, f.paragraph) for f in self.pair.en.footnotes]
        if len(zh) != len(en):
            self._find("footnotes_differ", "medium",
                       f"{len(zh)} footnotes in Chinese, {len(en)} in English")
            return
        for k, ((zm, zp), (em, ep)) in enumerate(zip(zh, en, strict=True), start=1):
            if zp != ep:
                self._find("footnote_position_differs", "low",
                           f"footnote {k} ({zm}) is attached to paragraph {zp} in Chinese, {ep} in English "
                           f"({em})", paragraph=zp)


def _range(numbers: list[int]) -> str:
    return f"{min(numbers)}-{max(numbers)}" if numbers else "none"


def _sentence_offsets(blocks_: list[Block]) -> list[int]:
    """Global index of each block's first sentence (blocks without sentences count as one)."""
    offsets, total = [], 0
    for block in blocks_:
        offsets.append(total)
        total += max(1, len(block.paragraph.sentences))
    return offsets


def sentence_texts(doc: Document) -> list[tuple[str, str]]:
    """(block key, sentence text) for every global sentence index."""
    out = []
    for block in blocks(doc):
        sents = [s.text for s in block.paragraph.sentences] or [block.paragraph.text]
        out += [(block.key, s) for s in sents]
    return out
