"""One place that decides where models run."""

from __future__ import annotations

import logging

from pipeline.errors import DeviceError

log = logging.getLogger("undoc.models")
VALID = ("auto", "cpu", "cuda")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(requested: str = "auto") -> str:
    """``auto`` → ``cuda`` when a GPU is usable, else ``cpu``; ``cuda`` without a GPU is an error."""
    if requested not in VALID:
        raise DeviceError(f"unknown device '{requested}'; valid: {', '.join(VALID)}")
    if requested == "cpu":
        log.info("device: cpu (requested)")
        return "cpu"
    has_cuda = cuda_available()
    if requested == "cuda":
        if not has_cuda:
            raise DeviceError("device 'cuda' requested but no CUDA GPU is usable here; use --device cpu or auto")
        log.info("device: cuda (requested)")
        return "cuda"
    device = "cuda" if has_cuda else "cpu"
    if not has_cuda:
        log.info("device: cpu (auto: no CUDA GPU found)")
    else:
        log.info("device: cuda (auto)")
    return device
