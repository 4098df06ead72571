"""UN register words: standard wording of UN Chinese documents that a general language model finds odd.

Data: ``pipeline/resources/un_register.tsv`` (see the README beside it). The garbled check never lets
language-model evidence fall inside these words (不妨, 核可, 供资, 职等, 逐案 ...), just as it spares the
glossary's official names: they are deliberate, however rare they are in general Chinese. A user list with
the same columns can be given in ``[stages.check] register``; its words are added to the built-in ones.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from pipeline.errors import ConfigError

BUILTIN = Path(__file__).resolve().parent / "resources" / "un_register.tsv"
COLUMNS = ("zh", "en", "category", "source")


def load_register(extra: str | Path | None = None) -> tuple[str, ...]:
    """The built-in register words, plus those of a user TSV with the same header; longest first."""
    words = set(_read(BUILTIN))
    if extra:
        words.update(_read(Path(extra)))
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def register_mentions(words: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    """Offsets of every occurrence of a register word in ``text`` (overlapping occurrences included)."""
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


@lru_cache(maxsize=4)
def _read_cached(path: str, mtime: float) -> tuple[str, ...]:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read register list {file}: {getattr(exc, 'strerror', None) or exc}") from None
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ConfigError(f"register list {file} must have the header {' | '.join(COLUMNS)}")
    return tuple(w for w in ((row["zh"] or "").strip() for row in reader) if len(w) >= 2)


def _read(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        raise ConfigError(f"register list not found: {path}")
    return _read_cached(str(path), path.stat().st_mtime)
