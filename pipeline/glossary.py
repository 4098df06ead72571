"""The zh–en glossary of UN bodies, posts, instruments, country names and standard terms.

Data: ``pipeline/resources/un_glossary.tsv`` (see the README beside it for columns and sources).
A user glossary with the same columns can be given in ``[stages.check] glossary``; its rows replace
built-in rows with the same English term.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.errors import ConfigError

BUILTIN = Path(__file__).resolve().parent / "resources" / "un_glossary.tsv"
NAME_KINDS = ("body", "agency", "department", "mission", "country")
COLUMNS = ("en", "zh", "en_short", "zh_short", "variants", "kind", "source")


@dataclass(frozen=True)
class Entry:
    en: str
    zh: str
    en_short: str
    zh_short: str
    variants: tuple[str, ...]
    kind: str
    source: str
    also: tuple[str, ...] = ()
    """Other renderings that are equally correct in some UN context (the ``zh`` column's forms after the first,
    ``|``-separated: 执行主任|执行干事, the latter WFP's): accepted, never suggested."""

    @property
    def flag_type(self) -> str:
        """``name`` for bodies, agencies, departments, missions and countries; ``terminology`` otherwise."""
        return "name" if self.kind in NAME_KINDS else "terminology"

    @property
    def accepted(self) -> tuple[str, ...]:
        """Chinese forms that render the term correctly."""
        return tuple(x for x in (self.zh, self.zh_short, *self.also) if x)

    def en_pattern(self) -> re.Pattern[str]:
        return _en_pattern(self.en, self.en_short)


@lru_cache(maxsize=4096)
def _en_pattern(en: str, en_short: str | None) -> re.Pattern[str]:
    """Compiled once per term: a glossary has more entries than ``re``'s own cache holds."""
    forms = [re.escape(en)]
    if en_short and len(en_short) >= 2:
        forms.append(re.escape(en_short))
    # Whole words; acronyms are case-sensitive, long names are not (sentence-initial "The ..."). Followed by a
    # slash and, in the same token, a digit, it is part of a document symbol (UNEP/EA.7/INF/4, DP/FPA/2024/1),
    # not a mention; a joint name (UNDP/UNFPA/UNOPS, UNEP/UN-Habitat) still is.
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(forms) + r")(?![A-Za-z])(?!/\S*\d)")


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]

    def __len__(self) -> int:
        return len(self.entries)


def load_glossary(extra: str | Path | None = None) -> Glossary:
    """The built-in glossary, optionally extended by a user TSV with the same header."""
    rows = {e.en: e for e in _read(BUILTIN)}
    if extra:
        for entry in _read(Path(extra)):
            rows[entry.en] = entry
    return Glossary(tuple(rows.values()))


def read_tsv(path: Path, columns: tuple[str, ...], what: str) -> tuple[tuple[str, ...], ...]:
    """The rows of a resource TSV (UTF-8, tab-separated, no quoting, header ``columns``) as tuples of stripped
    fields in ``columns`` order, read once per modification; a missing, unreadable or wrongly headed file is a
    one-line ``ConfigError`` naming ``what``."""
    if not path.is_file():
        raise ConfigError(f"{what} not found: {path}")
    return _read_tsv_cached(str(path), path.stat().st_mtime, columns, what)


@lru_cache(maxsize=8)
def _read_tsv_cached(path: str, mtime: float, columns: tuple[str, ...], what: str) -> tuple[tuple[str, ...], ...]:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {file}: {getattr(exc, 'strerror', None) or exc}") from None
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    if tuple(reader.fieldnames or ()) != columns:
        raise ConfigError(f"{what} {file} must have the header {' | '.join(columns)}")
    return tuple(tuple((row.get(k) or "").strip() for k in columns) for row in reader)


@lru_cache(maxsize=4)
def _entries(rows: tuple[tuple[str, ...], ...]) -> tuple[Entry, ...]:
    out = []
    for en, zh, en_short, zh_short, variants, kind, source in rows:
        forms = _split(zh)
        if en and forms:
            out.append(Entry(en, forms[0], en_short, zh_short, _split(variants), kind or "term", source,
                             forms[1:]))
    return tuple(out)


def _split(field: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in field.split("|") if v.strip())


def _read(path: Path) -> tuple[Entry, ...]:
    return _entries(read_tsv(path, COLUMNS, "glossary file"))
