#!/usr/bin/env bash
# Create .venv at the repo root if needed and install undoc into it (editable) with the offline models.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh models,test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-models}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "undoc needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# llama-cpp-python is built from source; its default build uses AVX-512/AMX code paths that crash on
# some CPUs, so build for a portable baseline. pip caches the built wheel: later installs take seconds.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF}"
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
