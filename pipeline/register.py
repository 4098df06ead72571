"""UN register words: standard wording of UN Chinese documents that a general language model finds odd.

Data: ``pipeline/resources/un_register.tsv`` (see the README beside it). The garbled check never lets
language-model evidence fall inside these words (不妨, 核可, 供资, 职等, 逐案 ...), just as it spares the
glossary's official names: they are deliberate, however rare they are in general Chinese. A user list with
the same columns can be given in ``[stages.check] register``; its words are added to the built-in ones.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pipeline.glossary import read_tsv

BUILTIN = Path(__file__).resolve().parent / "resources" / "un_register.tsv"
COLUMNS = ("zh", "en", "category", "source")


def load_register(extra: str | Path | None = None) -> tuple[str, ...]:
    """The built-in register words, plus those of a user TSV with the same header (sorted, no repeats)."""
    words = set(_read(BUILTIN))
    if extra:
        words.update(_read(Path(extra)))
    return tuple(sorted(words))


def register_mentions(words: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    """Offsets of the longest register word starting at each position of ``text`` (so occurrences that overlap
    from different positions are all found)."""
    by_first = _by_first(words)
    out = []
    for at, char in enumerate(text):
        for word in by_first.get(char, ()):
            if text.startswith(word, at):
                out.append((at, at + len(word)))
                break  # longest first: the longest word starting here covers the shorter ones
    return out


@lru_cache(maxsize=4)
def _by_first(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for word in sorted(words, key=lambda w: (-len(w), w)):
        index.setdefault(word[0], []).append(word)
    return {char: tuple(ws) for char, ws in index.items()}


def _read(path: Path) -> tuple[str, ...]:
    return tuple(row[0] for row in read_tsv(path, COLUMNS, "register list") if len(row[0]) >= 2)
