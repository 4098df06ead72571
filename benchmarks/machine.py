"""The machine a benchmark ran on, recorded the same way by every benchmark: these machines are shared and
their speed drifts, so a timing means little without the CPU, the cores the process may use and the load."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from pathlib import Path
from typing import Any


def usable_cpus() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)


def cpu_model() -> str:
    model = ""
    with contextlib.suppress(OSError):
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    return model or platform.processor() or "unknown CPU"


def describe() -> dict[str, Any]:
    """CPU model, usable cores, Python, OS and the load average when called."""
    load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {"cpu": cpu_model(), "cpus": usable_cpus(), "python": sys.version.split()[0],
            "platform": platform.platform(), "load_average": load}
