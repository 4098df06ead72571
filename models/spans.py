"""Character spans of byte-level BPE tokens (Qwen, GPT-2 style) for any backend.

A token may hold part of a character's UTF-8 bytes (one CJK character split over two tokens). Spans come
from cumulative byte offsets; tokens that share a character are merged into one unit whose log-probability
is the sum of theirs, so every unit covers whole characters.
"""

from __future__ import annotations

from collections.abc import Sequence


def char_index_of_bytes(text: str) -> list[int]:
    """For each byte offset 0..len(utf8) the index of the character that byte belongs to (end → len(text))."""
    index = []
    for k, ch in enumerate(text):
        index.extend([k] * len(ch.encode("utf-8")))
    index.append(len(text))
    return index


def token_char_spans(text: str, pieces: Sequence[bytes]) -> list[tuple[int, int]]:
    """Character span of each token given the raw bytes of each token; pieces must concatenate to ``text``."""
    data = text.encode("utf-8")
    joined = b"".join(pieces)
    if joined != data:
        raise ValueError("token pieces do not reproduce the text")
    index = char_index_of_bytes(text)
    spans = []
    pos = 0
    for piece in pieces:
        start_b, end_b = pos, pos + len(piece)
        start = index[start_b]
        end = index[end_b - 1] + 1 if end_b > start_b else start  # up to the character holding its last byte
        spans.append((start, end))
        pos = end_b
    return spans


def merge_units(spans: Sequence[tuple[int, int]], logprobs: Sequence[float]) -> list[tuple[int, int, float, list[int]]]:
    """Merge tokens whose character spans overlap; returns (start, end, summed logprob, token indices)."""
    units: list[tuple[int, int, float, list[int]]] = []
    for k, ((start, end), lp) in enumerate(zip(spans, logprobs, strict=True)):
        if units and start < units[-1][1]:
            s0, e0, lp0, idx = units[-1]
            units[-1] = (s0, max(e0, end), lp0 + lp, [*idx, k])
        else:
            units.append((start, end, lp, [k]))
    return units
