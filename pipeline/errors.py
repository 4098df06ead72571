"""Typed errors. Each message says what was wrong and how to fix it; the CLI prints it as one line."""

from __future__ import annotations


class UndocError(Exception):
    """Base class for every error the CLI reports as one line with a non-zero exit."""

    exit_code = 1


class InputError(UndocError):
    """The input file cannot be used (missing, empty, binary, wrong encoding or language, too large)."""

    exit_code = 2


class ConfigError(UndocError):
    """A config file or option is invalid."""

    exit_code = 2


class PipelineError(UndocError):
    """Stages were put together in an order that cannot work (a requirement is missing)."""

    exit_code = 3


class ModelNotAvailableError(UndocError):
    """A model is not installed, is corrupt, or cannot be loaded offline."""

    exit_code = 4


class DeviceError(UndocError):
    """The requested compute device is not available."""

    exit_code = 4
