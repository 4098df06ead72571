"""undoc: offline review of Chinese translations of United Nations documents."""

from __future__ import annotations

__version__ = "0.1.0"
