"""The cache folder for assembled and converted model files (``UNDOC_CACHE``, default ``~/.cache/undoc``)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def cache_dir() -> Path:
    """The cache root; created on first use, never at import."""
    root = Path(os.environ.get("UNDOC_CACHE") or Path.home() / ".cache" / "undoc").expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """An exclusive lock across processes (batch workers preparing the same model wait for each other)."""
    path = cache_dir() / f".{name}.lock"
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
